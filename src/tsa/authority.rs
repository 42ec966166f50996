//! The built-in RFC 3161 timestamp authorities: the district TSA (ECDSA
//! P-256, SHA-256) and the SM2 TSA of the national stack (GB/T 20520: the
//! same protocol, tokens signed with SM2 over SM3).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::SystemTime;

use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
use der::asn1::{GeneralizedTime, Int, ObjectIdentifier};
use der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, TimeStampReq, TspVersion, TstInfo};

use super::status::{self, FailureInfo, PkiStatusInfo, TimeStampResp};

use super::{ID_CT_TST_INFO, TsaError};
use crate::crypto::{KeyRef, Signer, random_bytes};
use crate::pki::sm2::oids::SM3;
use crate::signing::signed_data::{self, Suite};

/// The policy under which the district TSA issues tokens unless configured
/// otherwise. A placeholder under an unassigned private-enterprise arc: an
/// installation should configure the OID of its published TSA policy.
pub const DEFAULT_POLICY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.3161.1");

/// `TimeStampResp { status { rejection, failInfo systemFailure } }`, the
/// answer if even a rejection cannot be encoded.
const SYSTEM_FAILURE: &[u8] = &[
    0x30, 0x0c, 0x30, 0x0a, 0x02, 0x01, 0x02, 0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40,
];

/// Issues tokens signed by the TSA key (through [`Signer`]) with the TSA cert.
pub struct TimestampAuthority {
    signer: Arc<dyn Signer>,
    key: KeyRef,
    cert_der: Vec<u8>,
    chain_der: Vec<Vec<u8>>,
    name: GeneralName,
    policy: ObjectIdentifier,
    accuracy_seconds: u64,
    counter: AtomicU32,
    suite: Suite,
}

impl std::fmt::Debug for TimestampAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimestampAuthority")
            .field("key", &self.key)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// A request refused, with the RFC 3161 failure reason.
struct Refusal {
    fail: FailureInfo,
    text: &'static str,
}

impl TimestampAuthority {
    /// `cert_der` is the TSA cert (critical EKU timeStamping); `chain_der`
    /// its issuers, sent when a request sets certReq.
    pub fn new(
        signer: Arc<dyn Signer>,
        key: KeyRef,
        cert_der: Vec<u8>,
        chain_der: Vec<Vec<u8>>,
        policy: ObjectIdentifier,
    ) -> Result<Self, TsaError> {
        let cert = signed_data::parse_cert(&cert_der, 0)?;
        for (i, c) in chain_der.iter().enumerate() {
            signed_data::parse_cert(c, i + 1)?;
        }
        Ok(Self {
            signer,
            key,
            name: GeneralName::DirectoryName(cert.tbs_certificate.subject.clone()),
            cert_der,
            chain_der,
            policy,
            accuracy_seconds: 1,
            counter: AtomicU32::new(0),
            suite: Suite::EcdsaSha256,
        })
    }

    /// The SM2 TSA: built by [`Self::new`] with an SM2 key and cert, its
    /// tokens then signed with SM2 over SM3 (GB/T 20520).
    pub fn into_sm2(mut self) -> Self {
        self.suite = Suite::Sm2Sm3;
        self
    }

    /// A token over an SM3 digest, through the same request and response
    /// encoding as over HTTP (the SM2 TSA's tokens for OFD signatures).
    pub fn timestamp_sm3(&self, digest: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        let req = super::exchange::Request::new_sm3(digest)?;
        req.token_from_response(&self.respond(&req.der))
    }

    /// What an electronic signature (GB/T 38540) is timestamped with: a
    /// token over the SM3 of its signature value.
    pub fn sm3_timestamper(&self) -> impl Fn(&[u8]) -> Result<Option<Vec<u8>>, String> + '_ {
        |sig| {
            self.timestamp_sm3(&crate::crypto::sm3(sig))
                .map(Some)
                .map_err(|e| e.to_string())
        }
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn policy(&self) -> ObjectIdentifier {
        self.policy
    }

    /// Answer a DER `TimeStampReq` with a DER `TimeStampResp`. Never panics:
    /// malformed or unsupported requests get a rejection status.
    pub fn respond(&self, request_der: &[u8]) -> Vec<u8> {
        match self.grant(request_der) {
            Ok(resp) => resp,
            Err(r) => rejection(r.fail, r.text),
        }
    }

    fn grant(&self, request_der: &[u8]) -> Result<Vec<u8>, Refusal> {
        let bad = |fail, text| Refusal { fail, text };
        let req = TimeStampReq::from_der(request_der)
            .map_err(|_| bad(FailureInfo::BadDataFormat, "not a DER TimeStampReq"))?;
        let alg = &req.message_imprint.hash_algorithm;
        let expected_len = match alg.oid {
            ID_SHA_256 | SM3 => 32,
            ID_SHA_384 => 48,
            ID_SHA_512 => 64,
            _ => {
                return Err(bad(
                    FailureInfo::BadAlg,
                    "hash algorithm must be SHA-256, SHA-384, SHA-512 or SM3",
                ));
            }
        };
        if req.message_imprint.hashed_message.as_bytes().len() != expected_len {
            return Err(bad(
                FailureInfo::BadDataFormat,
                "hashedMessage length does not match its algorithm",
            ));
        }
        if let Some(p) = req.req_policy
            && p != self.policy
        {
            return Err(bad(
                FailureInfo::UnacceptedPolicy,
                "requested policy is not offered",
            ));
        }
        if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err(bad(
                FailureInfo::UnacceptedExtension,
                "request extensions are not supported",
            ));
        }
        let sys = |_| bad(FailureInfo::SystemFailure, "internal error");
        let gen_time = GeneralizedTime::from_system_time(SystemTime::now())
            .map_err(|_| bad(FailureInfo::TimeNotAvailable, "clock unavailable"))?;
        let tst = TstInfo {
            version: TspVersion::V1,
            policy: self.policy,
            message_imprint: req.message_imprint.clone(),
            serial_number: self
                .serial()
                .map_err(|_| bad(FailureInfo::SystemFailure, "no serial"))?,
            gen_time,
            accuracy: Some(Accuracy {
                seconds: Some(self.accuracy_seconds),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: Some(self.name.clone()),
            extensions: None,
        };
        let tst_der = tst.to_der().map_err(sys)?;
        let info = signed_data::signer_info_with(
            self.suite,
            self.signer.as_ref(),
            &self.key,
            &self.cert_der,
            ID_CT_TST_INFO,
            &self.suite.digest(&tst_der),
        )
        .map_err(|_| bad(FailureInfo::SystemFailure, "signing failed"))?;
        let mut certs: Vec<&[u8]> = Vec::new();
        if req.cert_req {
            certs.push(&self.cert_der);
            certs.extend(self.chain_der.iter().map(Vec::as_slice));
        }
        let token = signed_data::assemble(info, &certs, ID_CT_TST_INFO, Some(&tst_der))
            .map_err(|_| bad(FailureInfo::SystemFailure, "encoding failed"))?;
        let token = cms::content_info::ContentInfo::from_der(&token).map_err(sys)?;
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: status::GRANTED,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(token),
        };
        resp.to_der().map_err(sys)
    }

    /// Unique serial numbers: seconds since the epoch (40 bits), a per-process
    /// counter (32 bits) and 32 random bits; positive and at most 13 bytes.
    fn serial(&self) -> Result<Int, TsaError> {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut bytes = vec![0x01];
        bytes.extend_from_slice(&secs.to_be_bytes()[3..]);
        bytes.extend_from_slice(&n.to_be_bytes());
        bytes.extend_from_slice(&random_bytes(4)?);
        Ok(Int::new(&bytes)?)
    }
}

/// A `TimeStampResp` with status rejection.
fn rejection(fail: FailureInfo, text: &str) -> Vec<u8> {
    status::rejection(fail, text).unwrap_or_else(|_| SYSTEM_FAILURE.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn fallback_rejection_is_what_the_encoder_would_write() {
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: status::REJECTION,
                status_string: None,
                fail_info: Some(status::failure_bits(FailureInfo::SystemFailure).unwrap()),
            },
            time_stamp_token: None,
        };
        assert_eq!(resp.to_der().unwrap(), SYSTEM_FAILURE);
        assert_eq!(resp.status.failure_bit(), Some(25));
    }

    #[test]
    fn bad_alg_is_bit_zero() {
        let b = status::failure_bits(FailureInfo::BadAlg).unwrap();
        assert_eq!(b.raw_bytes(), &[0x80]);
        assert_eq!(b.unused_bits(), 7);
    }
}
