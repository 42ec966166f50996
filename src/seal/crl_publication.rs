//! CRL publication. The seal CA's and the root's CRLs, and the SM2 seal
//! CA's when the installation has the SM2 hierarchy, are signed only on the
//! service's own schedule, never because someone asked for one:
//!
//! - by `eseal serve` at start-up, when a CRL is missing or past half its
//!   life, and then by its background task before each reaches half its
//!   life ([`publish_due`]);
//! - by a revocation, in the revocation's own transaction ([`publish_revocation_in`]:
//!   the seal CA's and the SM2 seal CA's);
//! - by the operator's CLI commands that need a current CRL (`eseal issue`,
//!   `eseal sign`, `eseal pki crl [--sm2]`).
//!
//! With the root offline (issue 16) its CRLs are signed ahead in the
//! ceremony ([`crate::custody::root_crl_run`]); the schedule then publishes
//! the pre-signed CRL in force instead of signing one ([`publish_presigned_root`]).
//!
//! Every signing is an audit entry (`crl.sign`, naming the issuer; for a
//! pre-signed root CRL, its publication, with `presigned=1`). Public
//! requests (verify, `/pki/*.crl`, `/pki/sm2/seal-ca.crl`) read the stored
//! CRLs ([`stored`], [`stored_sm2`]) and never open the keystore; when none
//! has been published yet they say so (503).

use time::OffsetDateTime;

use super::registry::RegistryError;
use crate::audit::{self, Event};
use crate::crypto::Signer;
use crate::pki::{Pki, RevocationReason, RevokedEntry, Sm2Pki};
use crate::store::{Store, StoreError, meta, now_unix, seal_sm2, seals};

const SEAL_CA_CRL: &str = "crl_der_b64";
const SEAL_CA_NUMBER: &str = "crl_number";
const ROOT_CRL: &str = "root_crl_der_b64";
/// Meta key: the number of the root CRL last published.
pub const ROOT_NUMBER: &str = crate::custody::root_crl_run::PUBLISHED_NUMBER;
const SM2_SEAL_CA_CRL: &str = "sm2_crl_der_b64";
const SM2_SEAL_CA_NUMBER: &str = "sm2_crl_number";

/// Which CA's CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlIssuer {
    SealCa,
    Root,
    /// The SM2 seal CA (GB/T 20518), in installations with the SM2 hierarchy.
    Sm2SealCa,
}

impl CrlIssuer {
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Self::SealCa => (SEAL_CA_CRL, SEAL_CA_NUMBER),
            Self::Root => (ROOT_CRL, ROOT_NUMBER),
            Self::Sm2SealCa => (SM2_SEAL_CA_CRL, SM2_SEAL_CA_NUMBER),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SealCa => "seal_ca",
            Self::Root => "root",
            Self::Sm2SealCa => "sm2_seal_ca",
        }
    }
}

/// The CA material CRLs are signed with: the ECDSA hierarchy, and the SM2
/// one if the installation has it.
#[derive(Debug, Clone, Copy)]
pub struct Authorities<'a> {
    pub pki: &'a Pki,
    pub sm2: Option<&'a Sm2Pki>,
}

impl<'a> Authorities<'a> {
    /// Those of an opened installation.
    pub fn of(inst: &'a crate::configuration::installation::Installation) -> Self {
        Self {
            pki: &inst.pki,
            sm2: inst.sm2.as_ref(),
        }
    }

    /// The CRLs this installation publishes.
    fn issuers(&self) -> Vec<CrlIssuer> {
        let mut v = vec![CrlIssuer::SealCa, CrlIssuer::Root];
        if self.sm2.is_some() {
            v.push(CrlIssuer::Sm2SealCa);
        }
        v
    }
}

/// The published CRLs (DER).
#[derive(Debug, Clone)]
pub struct Crls {
    pub seal_ca: Vec<u8>,
    pub root: Vec<u8>,
    /// The SM2 seal CA's, when the installation has the SM2 hierarchy.
    pub sm2_seal_ca: Option<Vec<u8>>,
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

/// The CRLs as last published; `None` until the seal CA's and the root's
/// both have been.
pub async fn stored(store: &Store) -> Result<Option<Crls>, StoreError> {
    let seal_ca = stored_one(&store.pool, CrlIssuer::SealCa).await?;
    let root = stored_one(&store.pool, CrlIssuer::Root).await?;
    let sm2_seal_ca = stored_sm2(store).await?;
    Ok(seal_ca.zip(root).map(|(seal_ca, root)| Crls {
        seal_ca,
        root,
        sm2_seal_ca,
    }))
}

/// The SM2 seal CA's CRL as last published, if it has been.
pub async fn stored_sm2(store: &Store) -> Result<Option<Vec<u8>>, StoreError> {
    stored_one(&store.pool, CrlIssuer::Sm2SealCa).await
}

/// (thisUpdate, nextUpdate) of a CRL, unix seconds.
fn validity(der: &[u8]) -> Option<(i64, i64)> {
    use x509_parser::prelude::FromDer;
    let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(der).ok()?;
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
    ca: Authorities<'_>,
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
        CrlIssuer::SealCa => ca
            .pki
            .crl(signer, &revoked_entries(tx, which).await?, number, now)?,
        CrlIssuer::Root => {
            let revoked = crate::custody::root_crl_run::revoked(&mut **tx).await?;
            ca.pki.root_crl(signer, &revoked, number, now)?
        }
        CrlIssuer::Sm2SealCa => {
            let sm2 = ca.sm2.ok_or_else(|| {
                RegistryError::Seal("the SM2 hierarchy is not loaded: no SM2 CRL to sign".into())
            })?;
            sm2.crl(signer, &revoked_entries(tx, which).await?, number, now)?
        }
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
    tracing::info!(
        issuer = which.as_str(),
        crl_number = number,
        reason = why,
        "CRL signed"
    );
    Ok(der)
}

/// A revoked cert's CRL entry from its row's (serial, revoked_at,
/// created_at, reason).
fn revoked_entry(
    (serial_hex, revoked_at, created_at, reason): (&str, Option<i64>, i64, Option<&str>),
) -> Result<RevokedEntry, StoreError> {
    Ok(RevokedEntry {
        serial: hex::decode(serial_hex).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        revoked_at: crate::store::from_unix(revoked_at.unwrap_or(created_at))?,
        reason: RevocationReason::parse(reason.unwrap_or("unspecified"))
            .unwrap_or(RevocationReason::Unspecified),
    })
}

/// The revoked certs `which` lists.
async fn revoked_entries(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    which: CrlIssuer,
) -> Result<Vec<RevokedEntry>, StoreError> {
    // (serial, revoked at, created at, reason) of either kind of seal cert.
    let rows: Vec<(String, Option<i64>, i64, Option<String>)> = match which {
        CrlIssuer::SealCa => seals::revoked_certs(&mut **tx)
            .await?
            .into_iter()
            .map(|c| (c.serial_hex, c.revoked_at, c.created_at, c.revoke_reason))
            .collect(),
        CrlIssuer::Sm2SealCa => seal_sm2::revoked(&mut **tx)
            .await?
            .into_iter()
            .map(|c| (c.serial_hex, c.revoked_at, c.created_at, c.revoke_reason))
            .collect(),
        // The root's CRL lists no seal certs (it covers the seal CA and TSA).
        CrlIssuer::Root => Vec::new(),
    };
    rows.iter()
        .map(|(serial, revoked_at, created_at, reason)| {
            revoked_entry((serial, *revoked_at, *created_at, reason.as_deref()))
        })
        .collect()
}

/// Re-sign, inside a revocation's transaction, the seal CA's CRL and (with
/// the SM2 hierarchy) the SM2 seal CA's.
pub(crate) async fn publish_revocation_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signer: &dyn Signer,
    ca: Authorities<'_>,
    actor: &str,
) -> Result<(), RegistryError> {
    sign_in(tx, signer, ca, CrlIssuer::SealCa, actor, "revocation").await?;
    if ca.sm2.is_some() {
        sign_in(tx, signer, ca, CrlIssuer::Sm2SealCa, actor, "revocation").await?;
    }
    Ok(())
}

/// Sign a new CRL of `which` now, whatever the stored one's age (a new
/// seal CA from the ceremony signs its first CRL); audited as `actor`.
pub async fn publish_now(
    store: &Store,
    signer: &dyn Signer,
    ca: Authorities<'_>,
    which: CrlIssuer,
    actor: &str,
    why: &str,
) -> Result<Vec<u8>, RegistryError> {
    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    let der = sign_in(&mut tx, signer, ca, which, actor, why).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(der)
}

/// Sign each CRL that is missing or past half its life; the CRLs now
/// published. Re-checked under the write lock, so processes starting
/// together sign once.
pub async fn publish_due(
    store: &Store,
    signer: &dyn Signer,
    ca: Authorities<'_>,
    actor: &str,
) -> Result<Crls, RegistryError> {
    let mut crls = Crls {
        seal_ca: Vec::new(),
        root: Vec::new(),
        sm2_seal_ca: None,
    };
    for which in ca.issuers() {
        let der = publish_one_due(store, signer, ca, which, actor).await?;
        match which {
            CrlIssuer::SealCa => crls.seal_ca = der,
            CrlIssuer::Root => crls.root = der,
            CrlIssuer::Sm2SealCa => crls.sm2_seal_ca = Some(der),
        }
    }
    Ok(crls)
}

async fn publish_one_due(
    store: &Store,
    signer: &dyn Signer,
    ca: Authorities<'_>,
    which: CrlIssuer,
    actor: &str,
) -> Result<Vec<u8>, RegistryError> {
    if which == CrlIssuer::Root && ca.pki.root_offline() {
        return publish_presigned_root(store, actor).await;
    }
    let now = now_unix();
    if let Some(der) = stored_one(&store.pool, which).await?
        && half_life(&der) > now
    {
        return Ok(der);
    }
    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    // Take the row lock (PostgreSQL) before looking again.
    let (_, number_key) = which.keys();
    let number = meta::get(&mut **tx, number_key).await?.unwrap_or_default();
    meta::set(&mut **tx, number_key, &number).await?;
    let der = match stored_one(&mut **tx, which).await? {
        Some(der) if half_life(&der) > now => der,
        Some(_) => sign_in(&mut tx, signer, ca, which, actor, "half_life").await?,
        None => sign_in(&mut tx, signer, ca, which, actor, "first").await?,
    };
    tx.commit().await.map_err(StoreError::from)?;
    Ok(der)
}

/// With the root offline: publish the newest pre-signed root CRL whose
/// thisUpdate has come, if it is newer than the one published; the root
/// CRL now published. Audited as `crl.sign ... presigned=1` (the CRL comes
/// into force; its signature was made, and audited, in the ceremony).
pub async fn publish_presigned_root(store: &Store, actor: &str) -> Result<Vec<u8>, RegistryError> {
    use crate::custody::{CustodyError, root_crl_run};
    let now = now_unix();
    let published = |n: Option<String>| n.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let due = match crate::store::root_crls::in_force(&store.pool, root_crl_run::ROOT, now).await? {
        Some(c) => c.number > published(meta::get(&store.pool, ROOT_NUMBER).await?),
        None => false,
    };
    if !due {
        return match stored_one(&store.pool, CrlIssuer::Root).await? {
            Some(der) if validity(&der).is_some_and(|(_, next)| next > now) => Ok(der),
            _ => Err(CustodyError::RootCrls(
                "none of the root CRLs signed ahead is in force: hold a ceremony \
                 (`eseal pki ceremony crls --share FILE...`) to sign a new run"
                    .into(),
            )
            .into()),
        };
    }
    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    // Take the row lock (PostgreSQL) before looking again.
    let number = meta::get(&mut **tx, ROOT_NUMBER).await?;
    let first = number.is_none();
    meta::set(&mut **tx, ROOT_NUMBER, number.as_deref().unwrap_or("0")).await?;
    let Some(crl) = crate::store::root_crls::in_force(&mut **tx, root_crl_run::ROOT, now).await?
    else {
        return Err(CustodyError::RootCrls("the run of root CRLs vanished".into()).into());
    };
    if crl.number > published(number) {
        use base64::Engine;
        meta::set(&mut **tx, ROOT_NUMBER, &crl.number.to_string()).await?;
        meta::set(
            &mut **tx,
            ROOT_CRL,
            &base64::engine::general_purpose::STANDARD.encode(&crl.der),
        )
        .await?;
        let detail = format!(
            "issuer=root crl_number={} next_update={} reason={} presigned=1",
            crl.number,
            crl.next_update,
            if first { "first" } else { "half_life" }
        );
        audit::append(
            &mut tx,
            &Event {
                actor,
                action: "crl.sign",
                detail: &detail,
                ..Default::default()
            },
            now,
        )
        .await?;
        tracing::info!(
            issuer = "root",
            crl_number = crl.number,
            "pre-signed CRL published"
        );
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(crl.der)
}

/// Seconds until the first stored CRL of `ca` reaches half its life, or
/// (root offline) the next pre-signed root CRL comes into force (0: now).
pub async fn secs_until_due(store: &Store, ca: Authorities<'_>) -> Result<i64, StoreError> {
    let now = now_unix();
    let mut due = i64::MAX;
    for which in ca.issuers() {
        if which == CrlIssuer::Root && ca.pki.root_offline() {
            let next = crate::store::root_crls::next_after(
                &store.pool,
                crate::custody::root_crl_run::ROOT,
                now,
            )
            .await?;
            due = due.min(next.unwrap_or(now + 3600));
            continue;
        }
        due = due.min(match stored_one(&store.pool, which).await? {
            Some(der) => half_life(&der),
            None => 0,
        });
    }
    Ok((due - now).max(0))
}

/// The seal CA's, the root's and the SM2 seal CA's CRLs last published,
/// as stored; empty if none (offline tools checking PAdES and OFD
/// signatures).
pub async fn published(store: &Store) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut out = Vec::new();
    for which in [CrlIssuer::SealCa, CrlIssuer::Root, CrlIssuer::Sm2SealCa] {
        if let Some(der) = stored_one(&store.pool, which).await? {
            out.push(der);
        }
    }
    Ok(out)
}

/// The service's schedule: sign each CRL again before it reaches half its
/// life (checked at least hourly, retried a minute after a failure).
pub async fn run_schedule(inst: std::sync::Arc<crate::configuration::installation::Installation>) {
    let ca = Authorities::of(&inst);
    loop {
        let wait = match secs_until_due(&inst.store, ca).await {
            Ok(s) => s.clamp(1, 3600),
            Err(e) => {
                tracing::warn!(error = %e, "CRL schedule: cannot read the published CRLs");
                60
            }
        };
        tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
        if let Err(e) = publish_due(&inst.store, inst.signer.as_ref(), ca, "system").await {
            tracing::error!(error = %e, "CRL schedule: not published; retrying in a minute");
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }
}
