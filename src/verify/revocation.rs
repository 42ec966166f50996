//! Revocation from CRLs (RFC 5280 §5): those embedded in the DSS and the
//! installation's current CRLs. A CRL counts only if its issuer's key (the
//! next certificate in the path) verifies it.

use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use super::chain::rfc3339;

use super::report::{Code, Reason, RevocationStatus};

#[derive(Debug, Clone)]
pub struct RevocationOutcome {
    pub status: RevocationStatus,
    /// A verified CRL covered the signer's certificate.
    pub leaf_covered: bool,
    /// ... and that CRL came from the document's DSS (needed for B-LT).
    pub leaf_covered_by_dss: bool,
    pub reasons: Vec<Reason>,
}

/// Check every non-anchor certificate of `path` (leaf first) against `crls`
/// (each flagged whether it comes from the DSS).
pub fn check(path: &[Vec<u8>], crls: &[(&[u8], bool)], signing_time: i64) -> RevocationOutcome {
    let mut out = RevocationOutcome {
        status: RevocationStatus::Unknown,
        leaf_covered: false,
        leaf_covered_by_dss: false,
        reasons: Vec::new(),
    };
    let mut bad_crl = false;
    for (i, pair) in path.windows(2).enumerate() {
        let (Ok((_, cert)), Ok((_, issuer))) = (
            X509Certificate::from_der(&pair[0]),
            X509Certificate::from_der(&pair[1]),
        ) else {
            continue;
        };
        let issuer_key = issuer.public_key().raw;
        for &(der, from_dss) in crls {
            let Ok((_, crl)) = CertificateRevocationList::from_der(der) else {
                bad_crl = true;
                continue;
            };
            if crl.issuer().as_raw() != cert.issuer().as_raw()
                || !super::chain::key_fits(issuer_key, &crl.signature_algorithm)
            {
                continue;
            }
            let sig_ok = super::chain::verify_cached(
                issuer_key,
                &crl.signature_algorithm,
                crl.tbs_cert_list.as_ref(),
                &crl.signature_value.data,
            ) == Ok(true);
            if !sig_ok {
                bad_crl = true;
                continue;
            }
            if i == 0 {
                out.leaf_covered = true;
                out.leaf_covered_by_dss |= from_dss;
            }
            let revoked = crl
                .iter_revoked_certificates()
                .find(|r| r.raw_serial() == cert.raw_serial());
            match revoked {
                Some(r) => {
                    let at = r.revocation_date.timestamp();
                    let who = super::chain::common_name(&cert).unwrap_or_default();
                    if at <= signing_time {
                        out.status = RevocationStatus::RevokedBeforeSigning;
                        out.reasons.push(Reason::with(
                            Code::REVOKED_BEFORE_SIGNING,
                            format!("{who}, {}", rfc3339(at)),
                        ));
                    } else if out.status != RevocationStatus::RevokedBeforeSigning {
                        out.status = RevocationStatus::RevokedAfterSigning;
                        out.reasons.push(Reason::with(
                            Code::REVOKED_AFTER_SIGNING,
                            format!("{who}, {}", rfc3339(at)),
                        ));
                    }
                }
                None => {
                    if out.status == RevocationStatus::Unknown && i == 0 {
                        out.status = RevocationStatus::Good;
                    }
                }
            }
        }
    }
    out.reasons.dedup();
    if bad_crl {
        out.reasons.push(Reason::new(Code::CRL_INVALID));
    }
    match out.status {
        RevocationStatus::Good => out.reasons.push(Reason::new(Code::REVOCATION_GOOD)),
        RevocationStatus::Unknown => out.reasons.push(Reason::new(Code::REVOCATION_UNKNOWN)),
        _ => {}
    }
    out
}
