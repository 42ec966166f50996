//! `root_crls`: the root's CRLs signed ahead (a run per ceremony), and
//! `revoked_intermediates`, the CA certs those CRLs list.

use sqlx::{Any, Executor, Row};

use super::StoreError;

/// One CRL of a run.
#[derive(Debug, Clone)]
pub struct PresignedCrl {
    pub number: i64,
    pub this_update: i64,
    pub next_update: i64,
    pub der: Vec<u8>,
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    issuer: &str,
    crl: &PresignedCrl,
    signed_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO root_crls (issuer, crl_number, this_update, next_update, crl_der, signed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(issuer)
    .bind(crl.number)
    .bind(crl.this_update)
    .bind(crl.next_update)
    .bind(crl.der.clone())
    .bind(signed_at)
    .execute(ex)
    .await?;
    Ok(())
}

fn row(r: &sqlx::any::AnyRow) -> Result<PresignedCrl, StoreError> {
    Ok(PresignedCrl {
        number: r.try_get(0)?,
        this_update: r.try_get(1)?,
        next_update: r.try_get(2)?,
        der: r.try_get(3)?,
    })
}

/// The CRL in force at `now`: the newest whose thisUpdate has come.
pub async fn in_force<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    issuer: &str,
    now: i64,
) -> Result<Option<PresignedCrl>, StoreError> {
    let r = sqlx::query(
        "SELECT crl_number, this_update, next_update, crl_der FROM root_crls \
         WHERE issuer = $1 AND this_update <= $2 ORDER BY crl_number DESC LIMIT 1",
    )
    .bind(issuer)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    r.as_ref().map(row).transpose()
}

/// When the next CRL of the run comes into force, if one is left.
pub async fn next_after<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    issuer: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query(
        "SELECT MIN(this_update) FROM root_crls WHERE issuer = $1 AND this_update > $2",
    )
    .bind(issuer)
    .bind(now)
    .fetch_one(ex)
    .await?;
    Ok(r.try_get::<Option<i64>, _>(0)?)
}

/// (highest number, latest nextUpdate) of every CRL signed ahead so far.
pub async fn run_end<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    issuer: &str,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let r =
        sqlx::query("SELECT MAX(crl_number), MAX(next_update) FROM root_crls WHERE issuer = $1")
            .bind(issuer)
            .fetch_one(ex)
            .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// Drop the CRLs not yet in force (a new run replaces them).
pub async fn delete_after<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    issuer: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM root_crls WHERE issuer = $1 AND this_update > $2")
            .bind(issuer)
            .bind(now)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// A revoked CA cert (seal CA, TSA) listed on the root's CRLs.
#[derive(Debug, Clone)]
pub struct RevokedIntermediate {
    pub serial_hex: String,
    pub kind: String,
    pub revoked_at: i64,
    pub reason: String,
}

pub async fn revoke_intermediate<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    r: &RevokedIntermediate,
    cert_der: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO revoked_intermediates (serial_hex, kind, cert_der, revoked_at, reason) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(r.serial_hex.clone())
    .bind(r.kind.clone())
    .bind(cert_der.to_vec())
    .bind(r.revoked_at)
    .bind(r.reason.clone())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn revoked_intermediates<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<RevokedIntermediate>, StoreError> {
    let rows = sqlx::query(
        "SELECT serial_hex, kind, revoked_at, reason FROM revoked_intermediates ORDER BY revoked_at, serial_hex",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RevokedIntermediate {
                serial_hex: r.try_get(0)?,
                kind: r.try_get(1)?,
                revoked_at: r.try_get(2)?,
                reason: r.try_get(3)?,
            })
        })
        .collect()
}
