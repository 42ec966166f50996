//! The client side of RFC 3161: build a `TimeStampReq` for a SHA-256 (or SM3) digest
//! (with a nonce and certReq) and take the token out of the response only if
//! it was granted and answers that very request.

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::db::rfc5912::ID_SHA_256;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion, TstInfo};

use super::status::{self, TimeStampResp};

use super::{ID_CT_TST_INFO, TsaError};
use crate::crypto::random_bytes;

/// One request, remembered to check its response.
#[derive(Clone, Debug)]
pub struct Request {
    /// DER `TimeStampReq`, to send as `application/timestamp-query`.
    pub der: Vec<u8>,
    digest: [u8; 32],
    hash: der::asn1::ObjectIdentifier,
    nonce: Vec<u8>,
}

impl Request {
    pub fn new(digest: &[u8; 32]) -> Result<Self, TsaError> {
        Self::with_hash(digest, ID_SHA_256)
    }

    /// A request for an SM3 digest (GB/T 20520, for the SM2 TSA).
    pub fn new_sm3(digest: &[u8; 32]) -> Result<Self, TsaError> {
        Self::with_hash(digest, crate::pki::sm2::oids::SM3)
    }

    fn with_hash(digest: &[u8; 32], hash: der::asn1::ObjectIdentifier) -> Result<Self, TsaError> {
        let mut nonce = random_bytes(8)?;
        nonce[0] = (nonce[0] & 0x7f) | 0x01; // positive, minimal encoding
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifier {
                    oid: hash,
                    parameters: None,
                },
                hashed_message: OctetString::new(digest.to_vec())?,
            },
            req_policy: None,
            nonce: Some(Int::new(&nonce)?),
            cert_req: true,
            extensions: None,
        };
        Ok(Self {
            der: req.to_der()?,
            digest: *digest,
            hash,
            nonce,
        })
    }

    /// The `TimeStampToken` (DER `ContentInfo`) of a granted response that
    /// stamps our digest with our nonce.
    pub fn token_from_response(&self, resp_der: &[u8]) -> Result<Vec<u8>, TsaError> {
        let bad = |e: der::Error| TsaError::BadResponse(e.to_string());
        let resp = TimeStampResp::from_der(resp_der).map_err(bad)?;
        match resp.status.status {
            status::GRANTED | status::GRANTED_WITH_MODS => {}
            other => {
                let text = resp
                    .status
                    .status_string
                    .as_ref()
                    .map(|t| t.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; "));
                return Err(TsaError::Rejected {
                    status: other,
                    fail_bit: resp.status.failure_bit(),
                    text,
                });
            }
        }
        let token = resp
            .time_stamp_token
            .ok_or_else(|| TsaError::BadResponse("status granted but no token".into()))?;
        let tst = tst_info(&token)?;
        if tst.message_imprint.hash_algorithm.oid != self.hash
            || tst.message_imprint.hashed_message.as_bytes() != self.digest
        {
            return Err(TsaError::Mismatch(
                "the token stamps a different digest".into(),
            ));
        }
        if tst.nonce.as_ref().map(Int::as_bytes) != Some(self.nonce.as_slice()) {
            return Err(TsaError::Mismatch("the nonce differs".into()));
        }
        Ok(token.to_der()?)
    }
}

/// The `TSTInfo` inside a token.
pub fn tst_info(token: &ContentInfo) -> Result<TstInfo, TsaError> {
    let bad = |e: der::Error| TsaError::BadResponse(e.to_string());
    let sd: SignedData = token.content.decode_as().map_err(bad)?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TsaError::BadResponse(
            "token content is not a TSTInfo".into(),
        ));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| TsaError::BadResponse("token has no TSTInfo".into()))?;
    let octets: OctetString = econtent.decode_as().map_err(bad)?;
    TstInfo::from_der(octets.as_bytes()).map_err(bad)
}
