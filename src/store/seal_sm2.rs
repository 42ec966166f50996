//! `seal_sm2`: each seal generation's SM2 cert, wrapped SM2 key and
//! GB/T 38540 SES_Seal.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;
use crate::crypto::KeyRef;

/// A row of `seal_sm2` (without the wrapped key).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sm2Row {
    pub seal_id: String,
    pub generation: i64,
    pub serial_hex: String,
    #[serde(skip)]
    pub cert_der: Vec<u8>,
    pub key_label: String,
    #[serde(skip)]
    pub esl_der: Vec<u8>,
    pub status: String,
    pub not_before: i64,
    pub not_after: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

macro_rules! cols {
    () => {
        "seal_id, generation, serial_hex, cert_der, key_label, esl_der, status, not_before, not_after, created_at, revoked_at, revoke_reason"
    };
}

fn row(r: &AnyRow) -> Result<Sm2Row, sqlx::Error> {
    Ok(Sm2Row {
        seal_id: r.try_get(0)?,
        generation: r.try_get(1)?,
        serial_hex: r.try_get(2)?,
        cert_der: r.try_get(3)?,
        key_label: r.try_get(4)?,
        esl_der: r.try_get(5)?,
        status: r.try_get(6)?,
        not_before: r.try_get(7)?,
        not_after: r.try_get(8)?,
        created_at: r.try_get(9)?,
        revoked_at: r.try_get(10)?,
        revoke_reason: r.try_get(11)?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    c: &Sm2Row,
    key: &KeyRef,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO seal_sm2 (seal_id, generation, serial_hex, cert_der, key_label, key_wrapped, esl_der, \
         status, not_before, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(c.seal_id.clone())
    .bind(c.generation)
    .bind(c.serial_hex.clone())
    .bind(c.cert_der.clone())
    .bind(key.label.clone())
    .bind(key.wrapped.clone())
    .bind(c.esl_der.clone())
    .bind(c.status.clone())
    .bind(c.not_before)
    .bind(c.not_after)
    .bind(c.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// Every SM2 generation of a seal, oldest first.
pub async fn of_seal<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Vec<Sm2Row>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM seal_sm2 WHERE seal_id = $1 ORDER BY generation"
    ))
    .bind(id)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
}

/// Seal ids that have a current SM2 identity.
pub async fn current_ids<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT seal_id FROM seal_sm2 WHERE status = 'current'")
        .fetch_all(ex)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?)
}

/// The current SM2 cert of a seal and its key, if the seal can sign.
pub async fn current_key<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<(Sm2Row, KeyRef)>, StoreError> {
    let r = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        ", key_wrapped FROM seal_sm2 WHERE seal_id = $1 AND status = 'current' AND key_wrapped IS NOT NULL"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let c = row(&r)?;
    let key = KeyRef {
        label: c.key_label.clone(),
        wrapped: r.try_get(12)?,
    };
    Ok(Some((c, key)))
}

/// Every revoked SM2 seal cert (for the SM2 CRL).
pub async fn revoked<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<Sm2Row>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM seal_sm2 WHERE status = 'revoked' ORDER BY revoked_at, serial_hex"
    ))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
}

/// Mark the current SM2 cert revoked and destroy its key.
pub async fn revoke_current(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    reason: &str,
    at: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE seal_sm2 SET status = 'revoked', revoked_at = $1, revoke_reason = $2, key_wrapped = NULL \
         WHERE seal_id = $3 AND status = 'current'",
    )
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Retire the current SM2 cert (kept with its SES_Seal, key destroyed).
pub async fn supersede_current(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE seal_sm2 SET status = 'superseded', key_wrapped = NULL WHERE seal_id = $1 AND status = 'current'",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
