//! RFC 3161 timestamp tokens: the signature timestamp of a PAdES signature
//! (imprint = SHA-256 of the signature value) and document timestamps
//! (imprint = SHA-256 of the byte range).

use x509_parser::prelude::{FromDer, X509Certificate};

use super::chain;
use super::cms::asn1::{self, Reader};
use super::cms::{self, CmsError, oids};
use super::report::{ChainStatus, Code, Reason};
use crate::crypto;

/// What a token proved.
#[derive(Debug, Clone)]
pub struct TimestampOutcome {
    /// genTime (Unix seconds) when the token is intact (signature and imprint).
    pub gen_time: Option<i64>,
    pub tsa_cert: Option<Vec<u8>>,
    /// Intact and its TSA chains to a trust anchor with a proper EKU.
    pub trusted: bool,
    pub reasons: Vec<Reason>,
}

/// Check `token` (a DER ContentInfo) against the expected imprint.
pub fn check_token(
    token: &[u8],
    expected_imprint: &[u8; 32],
    pool: &[&[u8]],
    anchors: &[Vec<u8>],
) -> TimestampOutcome {
    let mut out = TimestampOutcome {
        gen_time: None,
        tsa_cert: None,
        trusted: false,
        reasons: Vec::new(),
    };
    let invalid = |e: CmsError| match e {
        CmsError::Unsupported(what) => {
            Reason::with(Code::UNSUPPORTED_ALGORITHM, format!("timestamp: {what}"))
        }
        other => Reason::with(Code::TIMESTAMP_INVALID, other.to_string()),
    };
    let sd = match cms::parse_signed_data(token) {
        Ok(sd) => sd,
        Err(e) => {
            out.reasons.push(invalid(e));
            return out;
        }
    };
    let Some(tst) = sd
        .econtent
        .filter(|_| sd.econtent_type == oids::TST_INFO.as_bytes())
    else {
        out.reasons
            .push(Reason::with(Code::TIMESTAMP_INVALID, "not a TSTInfo token"));
        return out;
    };
    let signer = match cms::verify_signer(&sd, &crypto::sha256(tst), &oids::TST_INFO, pool) {
        Ok(s) => s,
        Err(e) => {
            out.reasons.push(invalid(e));
            return out;
        }
    };
    let (imprint_alg, imprint, gen_time) = match parse_tst_info(tst) {
        Ok(v) => v,
        Err(e) => {
            out.reasons.push(invalid(e));
            return out;
        }
    };
    if imprint_alg != oids::SHA256.as_bytes() {
        out.reasons.push(Reason::with(
            Code::UNSUPPORTED_ALGORITHM,
            "timestamp imprint hash other than SHA-256",
        ));
        return out;
    }
    if imprint != expected_imprint {
        out.reasons
            .push(Reason::new(Code::TIMESTAMP_IMPRINT_MISMATCH));
        return out;
    }
    out.gen_time = Some(gen_time);
    // RFC 3161 §2.3: the TSA cert carries exactly the timeStamping EKU, critical.
    let eku_ok = X509Certificate::from_der(&signer.cert_der).is_ok_and(|(_, c)| {
        matches!(c.extended_key_usage(), Ok(Some(e)) if e.critical && e.value.time_stamping)
    });
    if !eku_ok {
        out.reasons.push(Reason::new(Code::TSA_EKU_INVALID));
        out.tsa_cert = Some(signer.cert_der);
        out.gen_time = None;
        return out;
    }
    let mut pool2: Vec<&[u8]> = sd.certs.clone();
    pool2.extend_from_slice(pool);
    let ch = chain::build(&signer.cert_der, &pool2, anchors, gen_time, true);
    if ch.status == ChainStatus::Trusted {
        out.trusted = true;
    } else {
        let detail = ch
            .reasons
            .iter()
            .map(|r| r.en())
            .collect::<Vec<_>>()
            .join("; ");
        out.reasons
            .push(Reason::with(Code::TIMESTAMP_UNTRUSTED, detail));
    }
    out.tsa_cert = Some(signer.cert_der);
    out
}

/// (imprint hash algorithm OID, imprint, genTime) of a DER TSTInfo.
fn parse_tst_info(der: &[u8]) -> Result<(&[u8], &[u8], i64), CmsError> {
    let t = asn1::single(der)?;
    let mut r = Reader::new(t.content);
    r.expect(asn1::INTEGER, "TSTInfo version")?;
    r.expect(asn1::OID, "TSTInfo policy")?;
    let mi = r.expect(asn1::SEQUENCE, "messageImprint")?;
    let mut mr = Reader::new(mi.content);
    let alg = mr.expect(asn1::SEQUENCE, "imprint algorithm")?;
    let alg = Reader::new(alg.content)
        .expect(asn1::OID, "imprint algorithm OID")?
        .content;
    let hashed = mr.expect(asn1::OCTET_STRING, "hashedMessage")?.content;
    r.expect(asn1::INTEGER, "TSTInfo serialNumber")?;
    let gt = r.expect(asn1::GENERALIZED_TIME, "genTime")?;
    Ok((alg, hashed, asn1::parse_time(&gt)?))
}
