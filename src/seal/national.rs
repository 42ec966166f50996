//! A seal's national-standard identity beside its ECDSA one: per generation
//! an SM2 key in the signing core, an SM2 seal cert with the same subject,
//! and its GB/T 38540 `SES_Seal` made and signed by the seal maker, with
//! the seal's appearance as a 300 dpi PNG. (The SM2 seal CA's CRL is
//! published with the others, see [`super::crl_publication`].)

use std::sync::Arc;

use time::OffsetDateTime;
use x509_cert::name::Name;

use super::SealAppearance;
use super::picture::{PRINT_DPI, SEAL_DIAMETER_MM};
use super::registry::RegistryError;
use crate::crypto::{KeyAlgorithm, KeyRef, Signer};
use crate::font::FontBook;
use crate::pki::sm2::Sm2CoreSigner;
use crate::pki::{CertInfo, PkiError, SealSubject, Sm2Pki};
use crate::ses::make::{SEAL_TYPE_ORGANISATION, SealSpec};
use crate::ses::{Maker, make_seal};
use crate::store::seal_sm2::Sm2Row;

/// What making SM2 identities needs: the SM2 hierarchy and the font the
/// seal's lettering is drawn from.
#[derive(Clone)]
pub struct National<'a> {
    pub sm2: &'a Sm2Pki,
    pub font: Arc<FontBook>,
}

impl std::fmt::Debug for National<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("National").finish_non_exhaustive()
    }
}

/// The details of a seal its SM2 identity is made from.
#[derive(Debug, Clone, Copy)]
pub struct SealDetails<'a> {
    pub seal_id: &'a str,
    pub holder: &'a str,
    pub town: &'a str,
    pub inscription: Option<&'a str>,
}

/// One generation's SM2 identity, ready to insert.
#[derive(Debug)]
pub struct Sm2Prepared {
    pub row: Sm2Row,
    pub key: KeyRef,
}

/// The signing-core handles one worker needs to make identities.
pub struct Issuers<'a> {
    seal_ca: Sm2CoreSigner<'a>,
    seal_ca_name: Name,
    maker: Maker<'a>,
}

impl<'a> National<'a> {
    pub fn issuers(&'a self, signer: &'a dyn Signer) -> Result<Issuers<'a>, PkiError> {
        let (seal_ca, seal_ca_name) = self.sm2.seal_ca_issuer(signer)?;
        Ok(Issuers {
            seal_ca,
            seal_ca_name,
            maker: Maker {
                signer,
                key: &self.sm2.maker.key,
                cert_der: &self.sm2.maker.cert_der,
            },
        })
    }

    /// Make generation `generation` of `seal`'s SM2 identity.
    pub fn prepare(
        &self,
        signer: &dyn Signer,
        issuers: &Issuers<'_>,
        seal: SealDetails<'_>,
        generation: i64,
        now: OffsetDateTime,
    ) -> Result<Sm2Prepared, RegistryError> {
        let g = signer
            .generate_key(
                &format!("sm2seal:{}#{generation}", seal.seal_id),
                KeyAlgorithm::Sm2,
            )
            .map_err(PkiError::from)?;
        let subject = SealSubject {
            seal_id: seal.seal_id,
            holder: seal.holder,
            town: seal.town,
        };
        let cert_der = self.sm2.issue_seal_cert(
            &issuers.seal_ca,
            &issuers.seal_ca_name,
            &subject,
            &g.public_key,
            now,
        )?;
        let info = CertInfo::parse(&cert_der)?;
        let picture = SealAppearance::new(&self.font, seal.holder, seal.inscription)
            .map_err(|e| RegistryError::Picture(e.to_string()))?
            .to_png(SEAL_DIAMETER_MM as f32, PRINT_DPI)
            .map_err(|e| RegistryError::Picture(e.to_string()))?;
        let spec = SealSpec {
            es_id: seal.seal_id,
            seal_type: SEAL_TYPE_ORGANISATION,
            name: seal.holder,
            certs: vec![cert_der.clone()],
            create_date: now,
            valid_start: now,
            valid_end: info.not_after,
            picture_type: "png",
            picture,
            width_mm: SEAL_DIAMETER_MM,
            height_mm: SEAL_DIAMETER_MM,
        };
        let esl_der =
            make_seal(&spec, &issuers.maker).map_err(|e| RegistryError::Seal(e.to_string()))?;
        Ok(Sm2Prepared {
            row: Sm2Row {
                seal_id: seal.seal_id.to_string(),
                generation,
                serial_hex: info.serial_hex,
                cert_der,
                key_label: g.key.label.clone(),
                esl_der,
                status: "current".into(),
                not_before: info.not_before.unix_timestamp(),
                not_after: info.not_after.unix_timestamp(),
                created_at: now.unix_timestamp(),
                revoked_at: None,
                revoke_reason: None,
            },
            key: g.key,
        })
    }
}
