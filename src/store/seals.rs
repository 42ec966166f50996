//! `seals` and `seal_certs`: the seal registry's rows.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;
use crate::crypto::KeyRef;

/// A row of `seals`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SealRow {
    pub seal_id: String,
    pub level: String,
    pub area_code: String,
    pub town: String,
    pub village: Option<String>,
    pub holder: String,
    pub inscription: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

/// A row of `seal_certs` (without the wrapped key).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertRow {
    pub seal_id: String,
    pub generation: i64,
    pub serial_hex: String,
    #[serde(skip)]
    pub cert_der: Vec<u8>,
    pub key_label: String,
    pub status: String,
    pub not_before: i64,
    pub not_after: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

macro_rules! seal_cols {
    () => {
        "seal_id, level, area_code, town, village, holder, inscription, status, created_at, revoked_at, revoke_reason"
    };
}
macro_rules! cert_cols {
    () => {
        "seal_id, generation, serial_hex, cert_der, key_label, status, not_before, not_after, created_at, revoked_at, revoke_reason"
    };
}

fn seal_row(r: &AnyRow) -> Result<SealRow, sqlx::Error> {
    Ok(SealRow {
        seal_id: r.try_get(0)?,
        level: r.try_get(1)?,
        area_code: r.try_get(2)?,
        town: r.try_get(3)?,
        village: r.try_get(4)?,
        holder: r.try_get(5)?,
        inscription: r.try_get(6)?,
        status: r.try_get(7)?,
        created_at: r.try_get(8)?,
        revoked_at: r.try_get(9)?,
        revoke_reason: r.try_get(10)?,
    })
}

fn cert_row(r: &AnyRow) -> Result<CertRow, sqlx::Error> {
    Ok(CertRow {
        seal_id: r.try_get(0)?,
        generation: r.try_get(1)?,
        serial_hex: r.try_get(2)?,
        cert_der: r.try_get(3)?,
        key_label: r.try_get(4)?,
        status: r.try_get(5)?,
        not_before: r.try_get(6)?,
        not_after: r.try_get(7)?,
        created_at: r.try_get(8)?,
        revoked_at: r.try_get(9)?,
        revoke_reason: r.try_get(10)?,
    })
}

pub async fn insert_seal<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    s: &SealRow,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO seals (",
        seal_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(s.seal_id.clone())
    .bind(s.level.clone())
    .bind(s.area_code.clone())
    .bind(s.town.clone())
    .bind(s.village.clone())
    .bind(s.holder.clone())
    .bind(s.inscription.clone())
    .bind(s.status.clone())
    .bind(s.created_at)
    .bind(s.revoked_at)
    .bind(s.revoke_reason.clone())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn insert_cert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    c: &CertRow,
    key: &KeyRef,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO seal_certs (seal_id, generation, serial_hex, cert_der, key_label, key_wrapped, status, \
         not_before, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(c.seal_id.clone())
    .bind(c.generation)
    .bind(c.serial_hex.clone())
    .bind(c.cert_der.clone())
    .bind(key.label.clone())
    .bind(key.wrapped.clone())
    .bind(c.status.clone())
    .bind(c.not_before)
    .bind(c.not_after)
    .bind(c.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn all_seals<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<SealRow>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        seal_cols!(),
        " FROM seals ORDER BY seal_id"
    ))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(seal_row).collect::<Result<_, _>>()?)
}

pub async fn get_seal<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<SealRow>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        seal_cols!(),
        " FROM seals WHERE seal_id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(seal_row).transpose()?)
}

pub async fn certs_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Vec<CertRow>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cert_cols!(),
        " FROM seal_certs WHERE seal_id = $1 ORDER BY generation"
    ))
    .bind(id)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(cert_row).collect::<Result<_, _>>()?)
}

/// The current cert of a seal and its key, if the seal can sign.
pub async fn current_key<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<(CertRow, KeyRef)>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        cert_cols!(),
        ", key_wrapped FROM seal_certs WHERE seal_id = $1 AND status = 'current' \
         AND key_wrapped IS NOT NULL"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let cert = cert_row(&row)?;
    let key = KeyRef {
        label: cert.key_label.clone(),
        wrapped: row.try_get(11)?,
    };
    Ok(Some((cert, key)))
}

/// Every revoked seal cert (for the CRL).
pub async fn revoked_certs<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<CertRow>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cert_cols!(),
        " FROM seal_certs WHERE status = 'revoked' ORDER BY revoked_at, serial_hex"
    ))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(cert_row).collect::<Result<_, _>>()?)
}

/// Mark the current cert revoked, destroy its key, mark the seal revoked.
pub async fn revoke_current(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    reason: &str,
    at: i64,
) -> Result<u64, StoreError> {
    let n = sqlx::query(
        "UPDATE seal_certs SET status = 'revoked', revoked_at = $1, revoke_reason = $2, key_wrapped = NULL \
         WHERE seal_id = $3 AND status = 'current'",
    )
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE seals SET status = 'revoked', revoked_at = $1, revoke_reason = $2 WHERE seal_id = $3")
        .bind(at)
        .bind(reason)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(n)
}

/// Retire the current cert (kept for verification, key destroyed).
pub async fn supersede_current(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE seal_certs SET status = 'superseded', key_wrapped = NULL WHERE seal_id = $1 AND status = 'current'",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE seals SET status = 'active', revoked_at = NULL, revoke_reason = NULL WHERE seal_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn max_generation(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(generation), 0) FROM seal_certs WHERE seal_id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get::<i64, _>(0)?)
}
