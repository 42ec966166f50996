//! A seal's national-standard identity beside its ECDSA one: per generation
//! an SM2 key in the signing core, an SM2 seal cert with the same subject,
//! and its GB/T 38540 `SES_Seal` made and signed by the seal maker, with
//! the seal's appearance as a 300 dpi PNG; and the SM2 seal CA's CRL.

use std::sync::Arc;

use time::OffsetDateTime;
use x509_cert::name::Name;

use super::SealAppearance;
use super::picture::{PRINT_DPI, SEAL_DIAMETER_MM};
use super::registry::RegistryError;
use crate::crypto::{KeyAlgorithm, KeyRef, Signer};
use crate::font::FontBook;
use crate::pki::sm2::Sm2CoreSigner;
use crate::pki::{CertInfo, PkiError, RevocationReason, RevokedEntry, SealSubject, Sm2Pki};
use crate::ses::make::{SEAL_TYPE_ORGANISATION, SealSpec};
use crate::ses::{Maker, make_seal};
use crate::store::seal_sm2::{self, Sm2Row};
use crate::store::{Store, StoreError, meta};

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

const CRL_META: &str = "sm2_crl_der_b64";
const CRL_NUMBER_META: &str = "sm2_crl_number";

async fn next_crl_number(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    number_key: &str,
) -> Result<u64, StoreError> {
    Ok(meta::get(&mut **tx, number_key)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + 1)
}

async fn save_crl(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    (number_key, der_key): (&str, &str),
    number: u64,
    der: &[u8],
) -> Result<(), StoreError> {
    use base64::Engine;
    meta::set(&mut **tx, number_key, &number.to_string()).await?;
    meta::set(
        &mut **tx,
        der_key,
        &base64::engine::general_purpose::STANDARD.encode(der),
    )
    .await
}

/// The SM2 seal CA's CRL as last published, if any (public requests read
/// this and never open the keystore).
pub async fn stored_crl(store: &Store) -> Result<Option<Vec<u8>>, StoreError> {
    use base64::Engine;
    Ok(meta::get(&store.pool, CRL_META)
        .await?
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok()))
}

async fn fresh_stored_crl(store: &Store, _key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(stored_crl(store).await?.filter(|der| crl_is_fresh(der)))
}

fn crl_is_fresh(der: &[u8]) -> bool {
    use x509_parser::prelude::FromDer;
    let Ok((_, crl)) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
    else {
        return false;
    };
    let this = crl.last_update().timestamp();
    let Some(next) = crl.next_update().map(|t| t.timestamp()) else {
        return false;
    };
    crate::store::now_unix() < this + (next - this) / 2
}

fn revoked_entry(
    serial_hex: &str,
    revoked_at: Option<i64>,
    created_at: i64,
    reason: Option<&str>,
) -> Result<RevokedEntry, StoreError> {
    Ok(RevokedEntry {
        serial: hex::decode(serial_hex).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        revoked_at: crate::store::from_unix(revoked_at.unwrap_or(created_at))?,
        reason: RevocationReason::parse(reason.unwrap_or("unspecified"))
            .unwrap_or(RevocationReason::Unspecified),
    })
}

/// Re-sign the SM2 seal CA's CRL inside `tx` (after a revocation).
pub async fn refresh_crl_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signer: &dyn Signer,
    sm2: &Sm2Pki,
) -> Result<Vec<u8>, RegistryError> {
    let number = next_crl_number(tx, CRL_NUMBER_META).await?;
    let revoked = seal_sm2::revoked(&mut **tx)
        .await?
        .iter()
        .map(|c| {
            revoked_entry(
                &c.serial_hex,
                c.revoked_at,
                c.created_at,
                c.revoke_reason.as_deref(),
            )
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let der = sm2.crl(signer, &revoked, number, OffsetDateTime::now_utc())?;
    save_crl(tx, (CRL_NUMBER_META, CRL_META), number, &der).await?;
    Ok(der)
}

/// The SM2 seal CA's current CRL (DER), re-signed when none exists or the
/// stored one is past half its lifetime (operator commands only).
pub async fn current_crl(
    store: &Store,
    signer: &dyn Signer,
    sm2: &Sm2Pki,
) -> Result<Vec<u8>, RegistryError> {
    if let Some(der) = fresh_stored_crl(store, CRL_META).await? {
        return Ok(der);
    }
    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    let der = refresh_crl_in(&mut tx, signer, sm2).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(der)
}
