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
