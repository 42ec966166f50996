//! RFC 3161 timestamp tokens: the signature timestamp of a PAdES signature
//! (imprint = hash of the signature value) and document timestamps
//! (imprint = hash of the byte range); SHA-256/384/512 imprints, TSA
//! signatures in any algorithm of `cms::algorithms`, BER tokens normalised.

use x509_parser::prelude::{FromDer, X509Certificate};

use super::chain;
use super::cms::asn1::{self, Reader};
use super::cms::{self, CmsError, Content, algorithms, oids};
use super::report::{ChainStatus, Code, Reason};
use crate::crypto::HashAlg;

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

/// Check `token` (a DER ContentInfo) against the expected SHA-256 imprint.
pub fn check_token(
    token: &[u8],
    expected_imprint: &[u8; 32],
    pool: &[&[u8]],
    anchors: &[Vec<u8>],
) -> TimestampOutcome {
    // Only the SHA-256 is known: an imprint in another hash cannot match.
    let content = Content {
        parts: &[],
        sha256: Some(*expected_imprint),
    };
    check_token_over(token, &content, true, pool, anchors)
}

/// Check `token` (DER or BER) against the data it should timestamp:
/// `stamped` (its parts, and its SHA-256 if known), hashed with the token's
/// imprint algorithm (SHA-256/384/512). `sha256_only` when `stamped` has no
/// parts to hash otherwise.
pub fn check_token_over(
    token: &[u8],
    stamped: &Content<'_>,
    sha256_only: bool,
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
        CmsError::Weak(what) => Reason::with(Code::WEAK_ALGORITHM, format!("timestamp: {what}")),
        other => Reason::with(Code::TIMESTAMP_INVALID, other.to_string()),
    };
    let der = match cms::normalise(token) {
        Ok(d) => d,
        Err(e) => {
            out.reasons.push(invalid(e));
            return out;
        }
    };
    let sd = match cms::parse_signed_data(&der) {
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
    let tst_content = Content {
        parts: &[tst],
        sha256: None,
    };
    let signer = match cms::verify_signer(&sd, &tst_content, &oids::TST_INFO, pool) {
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
    let h = match algorithms::hash_alg(imprint_alg) {
        Ok(h) if h == HashAlg::Sha256 || !sha256_only => h,
        Ok(_) => {
            out.reasons.push(Reason::with(
                Code::UNSUPPORTED_ALGORITHM,
                "timestamp imprint hash other than SHA-256",
            ));
            return out;
        }
        Err(e) => {
            out.reasons.push(invalid(e));
            return out;
        }
    };
    if imprint != stamped.digest(h) {
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

/// A signature timestamp (imprint = hash of the signature value `sig`):
/// its reasons go to `reasons`; the timestamp as the report shows it when
/// intact, and its genTime when its TSA is trusted too.
pub fn signature_timestamp(
    token: &[u8],
    sig: &[u8],
    pool: &[&[u8]],
    anchors: &[Vec<u8>],
    reasons: &mut Vec<Reason>,
) -> (Option<super::report::TimestampInfo>, Option<i64>) {
    let stamped = Content {
        parts: &[sig],
        sha256: None,
    };
    let ts = check_token_over(token, &stamped, false, pool, anchors);
    reasons.extend(ts.reasons.iter().cloned());
    let Some(t) = ts.gen_time else {
        return (None, None);
    };
    let info = super::report::TimestampInfo {
        gen_time: chain::rfc3339(t),
        tsa: ts.tsa_cert.as_deref().and_then(chain::cert_info),
        trusted: ts.trusted,
    };
    (Some(info), ts.trusted.then_some(t))
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
