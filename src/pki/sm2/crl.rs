//! The SM2 seal CA's CRL, built from x509-cert's CRL structures and signed
//! through the core (x509-cert 0.2 has no CRL builder; rcgen has no SM2).

use std::time::SystemTime;

use der::Encode;
use der::asn1::BitString;
use der::referenced::OwnedToRef;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::AsExtension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::{Sm2Pki, gen_err, sm2_with_sm3, subject_of};
use crate::crypto::Signer;
use crate::pki::{PkiError, RevocationReason, RevokedEntry};

/// Same lifetime as the ECDSA seal CA's CRL.
const CRL_LIFETIME: time::Duration = time::Duration::days(7);

/// UTCTime through 2049, GeneralizedTime after (RFC 5280 §5.1.2.4).
fn time(t: OffsetDateTime) -> Result<Time, PkiError> {
    let st = SystemTime::from(t);
    if t.year() < 2050 {
        Ok(Time::UtcTime(
            der::asn1::UtcTime::from_system_time(st).map_err(gen_err)?,
        ))
    } else {
        Time::try_from(st).map_err(gen_err)
    }
}

fn reason(r: RevocationReason) -> CrlReason {
    match r {
        RevocationReason::Unspecified => CrlReason::Unspecified,
        RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
        RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
        RevocationReason::Superseded => CrlReason::Superseded,
        RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
        RevocationReason::CertificateHold => CrlReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
    }
}

impl Sm2Pki {
    /// Sign the SM2 seal CA's CRL (DER) listing `revoked`, numbered `number`.
    pub fn crl(
        &self,
        signer: &dyn Signer,
        revoked: &[RevokedEntry],
        number: u64,
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, PkiError> {
        let issuer = subject_of(&self.seal_ca.cert_der)?;
        let ca = self.seal_ca.sm2_signer(signer)?;
        let entries = revoked
            .iter()
            .map(|r| {
                Ok(RevokedCert {
                    serial_number: SerialNumber::new(&r.serial).map_err(gen_err)?,
                    revocation_date: time(r.revoked_at)?,
                    crl_entry_extensions: Some(vec![
                        reason(r.reason)
                            .to_extension(&issuer, &[])
                            .map_err(gen_err)?,
                    ]),
                })
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        let spki = ca.public_key.spki().map_err(gen_err)?;
        let aki = AuthorityKeyIdentifier::try_from(spki.owned_to_ref()).map_err(gen_err)?;
        let number = der::asn1::Uint::new(&number.to_be_bytes()).map_err(gen_err)?;
        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: sm2_with_sm3(),
            issuer: issuer.clone(),
            this_update: time(now)?,
            next_update: Some(time(now + CRL_LIFETIME)?),
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: Some(vec![
                aki.to_extension(&issuer, &[]).map_err(gen_err)?,
                CrlNumber(number)
                    .to_extension(&issuer, &[])
                    .map_err(gen_err)?,
            ]),
        };
        let tbs_der = tbs.to_der().map_err(gen_err)?;
        let sig = signer.sign(&self.seal_ca.key, &tbs_der)?;
        CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: sm2_with_sm3(),
            signature: BitString::from_bytes(&sig).map_err(gen_err)?,
        }
        .to_der()
        .map_err(gen_err)
    }
}
