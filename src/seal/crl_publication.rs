//! CRL publication. The seal CA's and the root's CRLs are signed only on
//! the service's own schedule, never because someone asked for one:
//!
//! - by `eseal serve` at start-up, when a CRL is missing or past half its
//!   life, and then by its background task before each reaches half its
//!   life ([`publish_due`]);
//! - by a revocation, in the revocation's own transaction ([`publish_seal_ca_in`]);
//! - by the operator's CLI commands that need a current CRL (`eseal issue`,
//!   `eseal pki crl`).
//!
//! Every signing is an audit entry (`crl.sign`). Public requests (verify,
//! `/pki/*.crl`) read the stored CRLs ([`stored`]) and never open the
//! keystore; when none has been published yet they say so (503).

use time::OffsetDateTime;

use super::registry::RegistryError;
use crate::audit::{self, Event};
use crate::crypto::Signer;
use crate::pki::{Pki, RevocationReason, RevokedEntry};
use crate::store::{Store, StoreError, meta, now_unix, seals};

const SEAL_CA_CRL: &str = "crl_der_b64";
const SEAL_CA_NUMBER: &str = "crl_number";
const ROOT_CRL: &str = "root_crl_der_b64";
const ROOT_NUMBER: &str = "root_crl_number";

/// Which CA's CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlIssuer {
    SealCa,
    Root,
}

impl CrlIssuer {
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Self::SealCa => (SEAL_CA_CRL, SEAL_CA_NUMBER),
            Self::Root => (ROOT_CRL, ROOT_NUMBER),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SealCa => "seal_ca",
            Self::Root => "root",
        }
    }
}

/// The published CRLs (DER).
#[derive(Debug, Clone)]
pub struct Crls {
    pub seal_ca: Vec<u8>,
    pub root: Vec<u8>,
}

async fn stored_one(
    ex: impl sqlx::Executor<'_, Database = sqlx::Any>,
    which: CrlIssuer,
) -> Result<Option<Vec<u8>>, StoreError> {
    use base64::Engine;
    Ok(meta::get(ex, which.keys().0)
        .await?
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok()))
}

/// The CRLs as last published; `None` until both have been.
pub async fn stored(store: &Store) -> Result<Option<Crls>, StoreError> {
    let seal_ca = stored_one(&store.pool, CrlIssuer::SealCa).await?;
    let root = stored_one(&store.pool, CrlIssuer::Root).await?;
    Ok(seal_ca.zip(root).map(|(seal_ca, root)| Crls { seal_ca, root }))
}

/// (thisUpdate, nextUpdate) of a CRL, unix seconds.
fn validity(der: &[u8]) -> Option<(i64, i64)> {
    use x509_parser::prelude::FromDer;
    let (_, crl) =
        x509_parser::revocation_list::CertificateRevocationList::from_der(der).ok()?;
    Some((
        crl.last_update().timestamp(),
        crl.next_update()?.timestamp(),
    ))
}

/// When a CRL must be re-signed: at half its life.
fn half_life(der: &[u8]) -> i64 {
    validity(der).map_or(0, |(this, next)| this + (next - this) / 2)
}

/// Sign and store a new CRL of `which` in `tx`, audited as `actor`.
async fn sign_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signer: &dyn Signer,
    pki: &Pki,
    which: CrlIssuer,
    actor: &str,
    why: &str,
) -> Result<Vec<u8>, RegistryError> {
    use base64::Engine;
    let (der_key, number_key) = which.keys();
    let number: u64 = meta::get(&mut **tx, number_key)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + 1;
    let now = OffsetDateTime::now_utc();
    let der = match which {
        CrlIssuer::SealCa => pki.crl(signer, &revoked_entries(tx).await?, number, now)?,
        CrlIssuer::Root => pki.root_crl(signer, number, now)?,
    };
    meta::set(&mut **tx, number_key, &number.to_string()).await?;
    meta::set(
        &mut **tx,
        der_key,
        &base64::engine::general_purpose::STANDARD.encode(&der),
    )
    .await?;
    let next = validity(&der).map_or(0, |(_, n)| n);
    let detail = format!(
        "issuer={} crl_number={number} next_update={next} reason={why}",
        which.as_str()
    );
    audit::append(
        tx,
        &Event {
            actor,
            action: "crl.sign",
            detail: &detail,
            ..Default::default()
        },
        now.unix_timestamp(),
    )
    .await?;
    tracing::info!(issuer = which.as_str(), crl_number = number, reason = why, "CRL signed");
    Ok(der)
}

async fn revoked_entries(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<Vec<RevokedEntry>, StoreError> {
    seals::revoked_certs(&mut **tx)
        .await?
        .into_iter()
        .map(|c| {
            Ok(RevokedEntry {
                serial: hex::decode(&c.serial_hex)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                revoked_at: crate::store::from_unix(c.revoked_at.unwrap_or(c.created_at))?,
                reason: RevocationReason::parse(
                    c.revoke_reason.as_deref().unwrap_or("unspecified"),
                )
                .unwrap_or(RevocationReason::Unspecified),
            })
        })
        .collect()
}

/// Re-sign the seal CA's CRL inside a revocation's transaction.
pub(crate) async fn publish_seal_ca_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signer: &dyn Signer,
    pki: &Pki,
    actor: &str,
) -> Result<Vec<u8>, RegistryError> {
    sign_in(tx, signer, pki, CrlIssuer::SealCa, actor, "revocation").await
}

/// Sign each CRL that is missing or past half its life; the CRLs now
/// published. Re-checked under the write lock, so processes starting
/// together sign once.
pub async fn publish_due(
    store: &Store,
    signer: &dyn Signer,
    pki: &Pki,
    actor: &str,
) -> Result<Crls, RegistryError> {
    let mut out = Vec::with_capacity(2);
    for which in [CrlIssuer::SealCa, CrlIssuer::Root] {
        let now = now_unix();
        if let Some(der) = stored_one(&store.pool, which).await?
            && half_life(&der) > now
        {
            out.push(der);
            continue;
        }
        let mut tx = store.begin_write().await.map_err(StoreError::from)?;
        // Take the row lock (PostgreSQL) before looking again.
        let (_, number_key) = which.keys();
        let number = meta::get(&mut **tx, number_key).await?.unwrap_or_default();
        meta::set(&mut **tx, number_key, &number).await?;
        let der = match stored_one(&mut **tx, which).await? {
            Some(der) if half_life(&der) > now => der,
            Some(_) => sign_in(&mut tx, signer, pki, which, actor, "half_life").await?,
            None => sign_in(&mut tx, signer, pki, which, actor, "first").await?,
        };
        tx.commit().await.map_err(StoreError::from)?;
        out.push(der);
    }
    let root = out.pop().unwrap_or_default();
    let seal_ca = out.pop().unwrap_or_default();
    Ok(Crls { seal_ca, root })
}

/// Seconds until the first stored CRL reaches half its life (0: now).
pub async fn secs_until_due(store: &Store) -> Result<i64, StoreError> {
    let now = now_unix();
    let mut due = i64::MAX;
    for which in [CrlIssuer::SealCa, CrlIssuer::Root] {
        due = due.min(match stored_one(&store.pool, which).await? {
            Some(der) => half_life(&der),
            None => 0,
        });
    }
    Ok((due - now).max(0))
}

/// The CRLs last published, as stored; empty if none (offline tools).
pub async fn published(store: &Store) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut out = Vec::new();
    for which in [CrlIssuer::SealCa, CrlIssuer::Root] {
        if let Some(der) = stored_one(&store.pool, which).await? {
            out.push(der);
        }
    }
    Ok(out)
}

/// The service's schedule: sign each CRL again before it reaches half its
/// life (checked at least hourly, retried a minute after a failure).
pub async fn run_schedule(inst: std::sync::Arc<crate::configuration::installation::Installation>) {
    loop {
        let wait = match secs_until_due(&inst.store).await {
            Ok(s) => s.clamp(1, 3600),
            Err(e) => {
                tracing::warn!(error = %e, "CRL schedule: cannot read the published CRLs");
                60
            }
        };
        tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
        if let Err(e) = publish_due(&inst.store, inst.signer.as_ref(), &inst.pki, "system").await {
            tracing::error!(error = %e, "CRL schedule: not published; retrying in a minute");
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }
}
