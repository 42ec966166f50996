//! Certificate path building and checking (RFC 5280 §6, reduced to what a
//! closed PKI of ECDSA P-256 certs needs): signatures, validity at a time,
//! CA constraints, and termination at a trust anchor. Certificate
//! signatures in any algorithm of `cms::algorithms` (RSA, RSA-PSS, ECDSA,
//! Ed25519; SHA-1 and MD5 refused as weak).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use x509_parser::prelude::{AlgorithmIdentifier, FromDer, X509Certificate};

use super::cms::asn1::Tlv;
use super::cms::{CmsError, oids, verify_by_key};
use super::report::{CertInfo, Code, Reason};
use crate::crypto;

/// Most certificates in a path (leaf included).
const MAX_PATH: usize = 8;

/// The outcome of building a path.
#[derive(Debug, Clone)]
pub struct ChainOutcome {
    pub status: super::report::ChainStatus,
    /// Leaf first, the anchor last when trusted (DER).
    pub path: Vec<Vec<u8>>,
    pub anchor_cn: Option<String>,
    pub reasons: Vec<Reason>,
}

/// Most entries of the verified-signature cache before it is cleared.
const CACHE_MAX: usize = 4096;

/// Certificate signatures already verified in this process, keyed by the
/// SHA-256 of exactly the bytes checked (TBS, signature, issuer key). The
/// same seal CA, root and TSA certs recur in every document, and an ECDSA
/// verification costs far more than the hash; only successes are cached, so
/// a cache hit means "these very bytes verified before".
fn cache() -> &'static Mutex<HashSet<[u8; 32]>> {
    static CACHE: OnceLock<Mutex<HashSet<[u8; 32]>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Does `issuer` sign `cert`? `Err` names a weak or unsupported algorithm.
pub fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Result<bool, Code> {
    verify_cached(
        issuer.public_key().raw,
        &cert.signature_algorithm,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
}

/// Could the key in `spki` have made a signature under `alg`? The SM2
/// hierarchy has the same names as the ECDSA one (a seal's two certs have
/// one subject), so an issuer found by name may be the other hierarchy's:
/// an SM2 key never signs ECDSA and a P-256 key never signs sm2-with-sm3,
/// and such a pair is simply not issuer and issued.
pub fn key_fits(spki: &[u8], alg: &AlgorithmIdentifier<'_>) -> bool {
    let sm2_alg = {
        let o = alg.algorithm.as_bytes();
        o == oids::SM2_WITH_SM3.as_bytes() || o == oids::SM2_SIGN.as_bytes()
    };
    let sm2_key = matches!(
        super::cms::algorithms::public_key(spki),
        Ok(crypto::PublicKey::Ec {
            curve: crypto::Curve::Sm2,
            ..
        })
    );
    sm2_alg == sm2_key
}

/// The parameters of an X.509 AlgorithmIdentifier as a CMS TLV (only
/// RSASSA-PSS has any that matter).
fn params<'a>(alg: &'a AlgorithmIdentifier<'a>) -> Option<Tlv<'a>> {
    let p = alg.parameters.as_ref()?;
    (p.tag().0 != 5).then_some(Tlv {
        tag: 0x30,
        raw: &[],
        content: p.data,
    })
}

/// Verification of a certificate or CRL signature by the key in `spki`,
/// through the cache. `Err` names a weak or unsupported algorithm.
pub fn verify_cached(
    spki: &[u8],
    alg: &AlgorithmIdentifier<'_>,
    tbs: &[u8],
    sig: &[u8],
) -> Result<bool, Code> {
    let oid = alg.algorithm.as_bytes();
    let mut h = crypto::Sha256::new();
    for part in [tbs, sig, spki, oid] {
        h.update(&(part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let key = h.finish();
    // A poisoned lock only means another thread panicked mid-insert; the set is still usable.
    if cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&key)
    {
        return Ok(true);
    }
    let ok = match verify_by_key(spki, oid, params(alg), None, tbs, sig) {
        Ok(_) => true,
        Err(CmsError::BadSignature) => false,
        Err(CmsError::Weak(_)) => return Err(Code::WEAK_ALGORITHM),
        Err(_) => return Err(Code::UNSUPPORTED_ALGORITHM),
    };
    if ok {
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(key);
    }
    Ok(ok)
}

/// Build a path from `leaf` through `pool` to one of `anchors`, checking each
/// certificate's validity at `at` (Unix seconds). `time_proven` says whether
/// `at` is a timestamp-proven signing time (expiry then means INVALID) or
/// merely now (expiry then means no proof of existence: INDETERMINATE).
pub fn build(
    leaf: &[u8],
    pool: &[&[u8]],
    anchors: &[Vec<u8>],
    at: i64,
    time_proven: bool,
) -> ChainOutcome {
    use super::report::ChainStatus;
    let mut out = ChainOutcome {
        status: ChainStatus::Incomplete,
        path: vec![leaf.to_vec()],
        anchor_cn: None,
        reasons: Vec::new(),
    };
    let Ok((_, mut cur)) = X509Certificate::from_der(leaf) else {
        out.status = ChainStatus::Invalid;
        out.reasons
            .push(Reason::with(Code::CMS_MALFORMED, "signer certificate"));
        return out;
    };
    let mut cur_der: &[u8] = leaf;
    check_validity(&cur, at, time_proven, &mut out.reasons);
    for depth in 0..MAX_PATH {
        // Is `cur` itself an anchor (a root used directly)?
        if anchors.iter().any(|a| a.as_slice() == cur_der) {
            out.status = ChainStatus::Trusted;
            out.anchor_cn = common_name(&cur);
            return finish(out);
        }
        // Issued by an anchor?
        for a in anchors {
            let Ok((_, anchor)) = X509Certificate::from_der(a) else {
                continue;
            };
            if anchor.subject().as_raw() != cur.issuer().as_raw()
                || !key_fits(anchor.public_key().raw, &cur.signature_algorithm)
            {
                continue;
            }
            match signed_by(&cur, &anchor) {
                Ok(true) => {
                    check_anchor(&anchor, &mut out.reasons);
                    check_validity(&anchor, at, time_proven, &mut out.reasons);
                    out.path.push(a.clone());
                    out.status = ChainStatus::Trusted;
                    out.anchor_cn = common_name(&anchor);
                    return finish(out);
                }
                Ok(false) => {}
                Err(code) => {
                    out.reasons.push(Reason::new(code));
                    out.status = ChainStatus::Invalid;
                    return out;
                }
            }
        }
        // Issued by a certificate in the pool?
        let mut next: Option<(&[u8], X509Certificate<'_>)> = None;
        let mut bad_signature = false;
        for &c in pool {
            if c == cur_der {
                continue;
            }
            let Ok((_, cand)) = X509Certificate::from_der(c) else {
                continue;
            };
            if cand.subject().as_raw() != cur.issuer().as_raw()
                || out.path.iter().any(|p| p.as_slice() == c)
                || !key_fits(cand.public_key().raw, &cur.signature_algorithm)
            {
                continue;
            }
            match signed_by(&cur, &cand) {
                Ok(true) => {
                    next = Some((c, cand));
                    break;
                }
                Ok(false) => bad_signature = true,
                Err(_) => {}
            }
        }
        match next {
            Some((der, issuer)) => {
                check_ca(&issuer, &mut out.reasons);
                check_validity(&issuer, at, time_proven, &mut out.reasons);
                out.path.push(der.to_vec());
                cur_der = der;
                cur = issuer;
            }
            None => {
                let self_signed = cur.subject().as_raw() == cur.issuer().as_raw()
                    && key_fits(cur.public_key().raw, &cur.signature_algorithm)
                    && signed_by(&cur, &cur) == Ok(true);
                if bad_signature {
                    out.status = ChainStatus::Invalid;
                    out.reasons.push(Reason::with(
                        Code::CHAIN_SIGNATURE_INVALID,
                        common_name(&cur).unwrap_or_default(),
                    ));
                } else if self_signed {
                    out.status = ChainStatus::UntrustedRoot;
                    out.reasons.push(Reason::with(
                        Code::CHAIN_UNTRUSTED_ROOT,
                        common_name(&cur).unwrap_or_default(),
                    ));
                } else {
                    out.status = ChainStatus::Incomplete;
                    out.reasons.push(Reason::with(
                        Code::CHAIN_INCOMPLETE,
                        format!(
                            "issuer of {} not found (depth {depth})",
                            common_name(&cur).unwrap_or_default()
                        ),
                    ));
                }
                return out;
            }
        }
    }
    out.reasons
        .push(Reason::with(Code::CHAIN_INCOMPLETE, "path too long"));
    out
}

fn finish(mut out: ChainOutcome) -> ChainOutcome {
    if out
        .reasons
        .iter()
        .any(|r| r.code.severity() >= super::report::Severity::Indeterminate)
    {
        out.status = super::report::ChainStatus::Invalid;
    } else {
        out.reasons.push(Reason::with(
            Code::CHAIN_TRUSTED,
            out.anchor_cn.clone().unwrap_or_default(),
        ));
    }
    out
}

fn check_validity(c: &X509Certificate<'_>, at: i64, time_proven: bool, reasons: &mut Vec<Reason>) {
    let v = c.validity();
    let who = common_name(c).unwrap_or_default();
    if at < v.not_before.timestamp() {
        reasons.push(Reason::with(Code::CERT_NOT_YET_VALID, who));
    } else if at > v.not_after.timestamp() {
        let code = if time_proven {
            Code::CERT_EXPIRED
        } else {
            Code::CERT_EXPIRED_NO_POE
        };
        reasons.push(Reason::with(
            code,
            format!("{who} (not after {})", v.not_after),
        ));
    }
}

fn check_ca(c: &X509Certificate<'_>, reasons: &mut Vec<Reason>) {
    let is_ca = matches!(c.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    let ku_ok = match c.key_usage() {
        Ok(Some(ku)) => ku.value.key_cert_sign(),
        Ok(None) => true,
        Err(_) => false,
    };
    if !is_ca || !ku_ok {
        reasons.push(Reason::with(
            Code::CA_CERT_INVALID,
            common_name(c).unwrap_or_default(),
        ));
    }
}

/// A trust anchor is a name and a key the reader chose to trust (RFC 5280
/// §6.1.1 d): its own key usage is not part of the path (roots in use,
/// ofdrw's SM2 test root among them, lack keyCertSign), but it must say it
/// is a CA, so a leaf trusted by mistake issues nothing.
fn check_anchor(c: &X509Certificate<'_>, reasons: &mut Vec<Reason>) {
    if !matches!(c.basic_constraints(), Ok(Some(bc)) if bc.value.ca) {
        reasons.push(Reason::with(
            Code::CA_CERT_INVALID,
            common_name(c).unwrap_or_default(),
        ));
    }
}

pub fn common_name(c: &X509Certificate<'_>) -> Option<String> {
    c.subject()
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string)
}

/// The certificate as shown in the report.
pub fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (_, c) = X509Certificate::from_der(der).ok()?;
    let seal_id = c
        .subject()
        .iter_attributes()
        .find(|a| a.attr_type().as_bytes() == oids::AT_SERIAL_NUMBER.as_bytes())
        .and_then(|a| a.as_str().ok())
        .map(str::to_string);
    Some(CertInfo {
        subject_cn: common_name(&c),
        seal_id,
        issuer_cn: c
            .issuer()
            .iter_common_name()
            .next()
            .and_then(|a| a.as_str().ok())
            .map(str::to_string),
        serial_hex: hex::encode(c.raw_serial()),
        sha256_hex: hex::encode(crypto::sha256(der)),
        not_before: rfc3339(c.validity().not_before.timestamp()),
        not_after: rfc3339(c.validity().not_after.timestamp()),
    })
}

/// Key usage allows signing: digitalSignature or nonRepudiation.
fn signing_key_usage(c: &X509Certificate<'_>) -> bool {
    match c.key_usage() {
        Ok(Some(ku)) => ku.value.digital_signature() || ku.value.non_repudiation(),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// Key usage of the signer cert of a GB/T 38540 electronic signature:
/// digitalSignature or nonRepudiation. Its extended key usage is not
/// restricted: what entitles the cert to sign with the seal is its place
/// in the seal's certList, under the maker's signature (GB/T 38540 §7),
/// and signer certs in use carry client or e-mail EKUs, not
/// documentSigning.
pub fn check_ses_key_usage(der: &[u8], reasons: &mut Vec<Reason>) -> bool {
    let ok = X509Certificate::from_der(der).is_ok_and(|(_, c)| signing_key_usage(&c));
    if !ok {
        reasons.push(Reason::new(Code::KEY_USAGE_INVALID));
    }
    ok
}

/// Key usage of a seal cert: digitalSignature or nonRepudiation; EKU, when
/// present, must allow documentSigning (or any).
pub fn check_seal_key_usage(der: &[u8], reasons: &mut Vec<Reason>) -> bool {
    let Ok((_, c)) = X509Certificate::from_der(der) else {
        return false;
    };
    let ku_ok = signing_key_usage(&c);
    let eku = c.extended_key_usage();
    let eku_ok = match &eku {
        Ok(Some(e)) => {
            e.value.any
                || e.value
                    .other
                    .iter()
                    .any(|o| o.as_bytes() == oids::EKU_DOCUMENT_SIGNING.as_bytes())
        }
        Ok(None) => true,
        Err(_) => false,
    };
    if !ku_ok || !eku_ok {
        reasons.push(Reason::new(Code::KEY_USAGE_INVALID));
        return false;
    }
    if matches!(eku, Ok(None)) {
        reasons.push(Reason::new(Code::EKU_MISSING));
    }
    true
}

/// RFC 3339 rendering of a Unix time (UTC).
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}
