//! The root's CRLs signed ahead. With the root offline no process can sign
//! a root CRL when one falls due, so each ceremony (and `init`) signs a run:
//! one CRL every half lifetime (45 days; each is good for 90), from now to
//! the end of the period (`root_crl_days`, default two years) and one
//! beyond, numbered on from the last. They are stored in `root_crls`; the
//! service publishes the newest whose thisUpdate has come
//! ([`crate::seal::crl_publication`]), so a relying party always finds a
//! CRL with at least 45 days to run. A new run replaces the CRLs of the
//! old one not yet in force.

use time::{Duration, OffsetDateTime};

use super::CustodyError;
use crate::crypto::Signer;
use crate::pki::{Pki, ROOT_CRL_LIFETIME, RevocationReason, RevokedEntry};
use crate::store::root_crls::{self, PresignedCrl};
use crate::store::{StoreError, from_unix};

/// The `issuer` of the ECDSA root's CRLs in `root_crls`.
pub const ROOT: &str = "root";
/// Time between two CRLs of a run: half a CRL's life.
pub const STEP: Duration = Duration::days(ROOT_CRL_LIFETIME.whole_days() / 2);
/// Meta key: the number of the root CRL last published (signed online by
/// an online root, or a pre-signed one come into force).
pub const PUBLISHED_NUMBER: &str = "root_crl_number";
/// Default period a run covers.
pub const DEFAULT_DAYS: u32 = 730;

/// Sign a run covering `days` from `start`, numbered from `first_number`,
/// listing `revoked`; `pki.root` must carry its key (in `signer`).
pub fn sign(
    pki: &Pki,
    signer: &dyn Signer,
    revoked: &[RevokedEntry],
    first_number: u64,
    start: OffsetDateTime,
    days: u32,
) -> Result<Vec<PresignedCrl>, CustodyError> {
    let count = u32::try_from(STEP.whole_days()).map_or(1, |step| days.div_ceil(step) + 1);
    (0..count)
        .map(|k| {
            let this_update = start + STEP * k;
            let number = first_number + u64::from(k);
            let der = pki.root_crl(signer, revoked, number, this_update)?;
            Ok(PresignedCrl {
                number: number as i64,
                this_update: this_update.unix_timestamp(),
                next_update: (this_update + ROOT_CRL_LIFETIME).unix_timestamp(),
                der,
            })
        })
        .collect()
}

/// The number a new run starts at: after every CRL signed ahead so far and
/// after `published` (the last number published by an online root).
pub async fn next_number(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    published: u64,
) -> Result<u64, StoreError> {
    let (max, _) = root_crls::run_end(&mut **tx, ROOT).await?;
    Ok(max.map_or(0, |m| m as u64).max(published) + 1)
}

/// In `tx`: sign a new run from `now` for `days`, numbered after every
/// root CRL so far and listing every revoked intermediate, and store it
/// (see [`store_in`]). `pki.root` must carry its key (in `signer`).
pub async fn sign_and_store_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    pki: &Pki,
    signer: &dyn Signer,
    now: i64,
    days: u32,
) -> Result<Vec<PresignedCrl>, CustodyError> {
    let published = crate::store::meta::get(&mut **tx, PUBLISHED_NUMBER)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let first = next_number(tx, published).await?;
    let revoked = revoked(&mut **tx).await?;
    let run = sign(pki, signer, &revoked, first, from_unix(now)?, days)?;
    store_in(tx, &run, now).await?;
    Ok(run)
}

/// Store `run` in `tx`, replacing the CRLs of an earlier run not yet in
/// force at `now`.
pub async fn store_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    run: &[PresignedCrl],
    now: i64,
) -> Result<(), StoreError> {
    root_crls::delete_after(&mut **tx, ROOT, now).await?;
    for crl in run {
        root_crls::insert(&mut **tx, ROOT, crl, now).await?;
    }
    Ok(())
}

/// The intermediates revoked so far, as the root's CRL lists them.
pub async fn revoked(
    ex: impl sqlx::Executor<'_, Database = sqlx::Any>,
) -> Result<Vec<RevokedEntry>, StoreError> {
    root_crls::revoked_intermediates(ex)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RevokedEntry {
                serial: hex::decode(&r.serial_hex)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                revoked_at: from_unix(r.revoked_at)?,
                reason: RevocationReason::parse(&r.reason).unwrap_or(RevocationReason::Unspecified),
            })
        })
        .collect()
}

/// A one-line account of a run for the audit log and the operator.
pub fn describe(run: &[PresignedCrl]) -> String {
    match (run.first(), run.last()) {
        (Some(a), Some(b)) => format!(
            "root_crls={}..{} until={}",
            a.number, b.number, b.next_update
        ),
        _ => "root_crls=none".into(),
    }
}
