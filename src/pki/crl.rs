//! The seal CA's certificate revocation list.

use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use time::{Duration, OffsetDateTime};

use super::{Pki, PkiError};
use crate::crypto::Signer;

/// How long a CRL is good for before relying parties should fetch a new one.
const CRL_LIFETIME: Duration = Duration::days(7);
/// The root's CRL changes only if a CA cert is revoked. With the root
/// offline its CRLs are signed ahead, one per half lifetime.
pub const ROOT_CRL_LIFETIME: Duration = Duration::days(90);

/// RFC 5280 reason codes an operator may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "unspecified" => Self::Unspecified,
            "key-compromise" | "keycompromise" => Self::KeyCompromise,
            "affiliation-changed" | "affiliationchanged" => Self::AffiliationChanged,
            "superseded" => Self::Superseded,
            "cessation-of-operation" | "cessationofoperation" => Self::CessationOfOperation,
            "certificate-hold" | "certificatehold" => Self::CertificateHold,
            "privilege-withdrawn" | "privilegewithdrawn" => Self::PrivilegeWithdrawn,
            _ => {
                return Err(format!(
                    "unknown revocation reason {s:?}; use one of: unspecified, key-compromise, \
                     affiliation-changed, superseded, cessation-of-operation, certificate-hold, privilege-withdrawn"
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "key-compromise",
            Self::AffiliationChanged => "affiliation-changed",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessation-of-operation",
            Self::CertificateHold => "certificate-hold",
            Self::PrivilegeWithdrawn => "privilege-withdrawn",
        }
    }

    fn to_rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::CertificateHold => R::CertificateHold,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
        }
    }
}

/// One revoked seal cert.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    /// The cert's serial number, big-endian bytes.
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: RevocationReason,
}

fn revoked_params(revoked: &[RevokedEntry]) -> Vec<RevokedCertParams> {
    revoked
        .iter()
        .map(|r| RevokedCertParams {
            serial_number: SerialNumber::from_slice(&r.serial),
            revocation_time: r.revoked_at,
            reason_code: Some(r.reason.to_rcgen()),
            invalidity_date: None,
        })
        .collect()
}

impl Pki {
    /// Sign the seal CA's CRL (DER) listing `revoked`, numbered `number`.
    pub fn crl(
        &self,
        signer: &dyn Signer,
        revoked: &[RevokedEntry],
        number: u64,
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, PkiError> {
        let issuer = self.seal_ca_issuer(signer)?;
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + CRL_LIFETIME,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: revoked_params(revoked),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&issuer)?.der().to_vec())
    }

    /// The root's CRL (an ARL) listing the CA certs in `revoked` (none
    /// until an intermediate is revoked in a ceremony); it lets long-term
    /// validators see the seal CA and TSA certs as not revoked. `now` is
    /// its thisUpdate, which may lie ahead (a run signed in a ceremony).
    pub fn root_crl(
        &self,
        signer: &dyn Signer,
        revoked: &[RevokedEntry],
        number: u64,
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, PkiError> {
        let issuer = self.root_issuer(signer)?;
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + ROOT_CRL_LIFETIME,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: revoked_params(revoked),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&issuer)?.der().to_vec())
    }
}
