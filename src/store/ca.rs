//! `ca_keys`: the root CA, seal CA and TSA certs with their wrapped keys.

use sqlx::{Any, Executor, Row};

use super::StoreError;
use crate::crypto::KeyRef;
use crate::pki::{CaKind, CaMaterial};

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    m: &CaMaterial,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO ca_keys (kind, cert_der, key_label, key_wrapped, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(m.kind.as_str())
        .bind(m.cert_der.clone())
        .bind(m.key.label.clone())
        .bind(m.key.wrapped.clone())
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    kind: CaKind,
) -> Result<Option<CaMaterial>, StoreError> {
    let row = sqlx::query("SELECT cert_der, key_label, key_wrapped FROM ca_keys WHERE kind = $1")
        .bind(kind.as_str())
        .fetch_optional(ex)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(CaMaterial {
        kind,
        cert_der: row.try_get(0)?,
        key: KeyRef {
            label: row.try_get(1)?,
            wrapped: row.try_get(2)?,
        },
    }))
}

/// Replace a CA's cert and key (a new seal CA from the ceremony), keeping
/// the old cert in `ca_history`.
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    old: &CaMaterial,
    old_serial_hex: &str,
    new: &CaMaterial,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ca_history (kind, serial_hex, cert_der, replaced_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(old.kind.as_str())
    .bind(old_serial_hex)
    .bind(old.cert_der.clone())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE ca_keys SET cert_der = $1, key_label = $2, key_wrapped = $3, created_at = $4 WHERE kind = $5",
    )
    .bind(new.cert_der.clone())
    .bind(new.key.label.clone())
    .bind(new.key.wrapped.clone())
    .bind(now)
    .bind(new.kind.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Certs of CAs replaced so far (public material), oldest first.
pub async fn history<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    kind: CaKind,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let rows = sqlx::query(
        "SELECT cert_der FROM ca_history WHERE kind = $1 ORDER BY replaced_at, serial_hex",
    )
    .bind(kind.as_str())
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<Vec<u8>, _>(0)?))
        .collect()
}

/// Empty a CA's key blob: the key has gone offline (the root's).
pub async fn clear_key<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    kind: CaKind,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE ca_keys SET key_wrapped = $1 WHERE kind = $2")
        .bind(Vec::<u8>::new())
        .bind(kind.as_str())
        .execute(ex)
        .await?;
    Ok(())
}
