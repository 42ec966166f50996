//! `audit_head` and `audit_log`: the rows of the audit chain. The chain
//! logic (hashing, verification) lives in `crate::audit`.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub seal_id: Option<String>,
    pub document_id: Option<String>,
    pub application_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn audit_row(r: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        seal_id: r.try_get(4)?,
        document_id: r.try_get(5)?,
        application_id: r.try_get(6)?,
        detail: r.try_get(7)?,
        prev_hash: r.try_get(8)?,
        hash: r.try_get(9)?,
    })
}

/// Claim the next sequence number: bumps the head row and returns the new
/// seq with the hash of the entry before it. The head row stays locked until
/// the transaction ends, so concurrent appenders (any number of processes)
/// queue here and never fork the chain.
pub async fn claim_next(tx: &mut sqlx::Transaction<'_, Any>) -> Result<(i64, String), StoreError> {
    claim(tx, 1).await
}

/// Claim `n` consecutive sequence numbers; returns the first and the hash
/// of the entry before it.
pub async fn claim(
    tx: &mut sqlx::Transaction<'_, Any>,
    n: i64,
) -> Result<(i64, String), StoreError> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
    let last: i64 = row.try_get(0)?;
    Ok((last - n + 1, row.try_get(1)?))
}

/// Insert an entry without moving the head (see [`advance`]).
pub async fn insert(tx: &mut sqlx::Transaction<'_, Any>, e: &AuditRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, seal_id, document_id, application_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.seq)
    .bind(e.at)
    .bind(e.actor.clone())
    .bind(e.action.clone())
    .bind(e.seal_id.clone())
    .bind(e.document_id.clone())
    .bind(e.application_id.clone())
    .bind(e.detail.clone())
    .bind(e.prev_hash.clone())
    .bind(e.hash.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Point the head at entry `seq` with `hash` (the last one inserted).
pub async fn advance(
    tx: &mut sqlx::Transaction<'_, Any>,
    seq: i64,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1 AND seq = $2")
        .bind(hash.to_string())
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn insert_and_advance(
    tx: &mut sqlx::Transaction<'_, Any>,
    e: &AuditRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, seal_id, document_id, application_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.seq)
    .bind(e.at)
    .bind(e.actor.clone())
    .bind(e.action.clone())
    .bind(e.seal_id.clone())
    .bind(e.document_id.clone())
    .bind(e.application_id.clone())
    .bind(e.detail.clone())
    .bind(e.prev_hash.clone())
    .bind(e.hash.clone())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1 AND seq = $2")
        .bind(e.hash.clone())
        .bind(e.seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The head: (seq, hash) of the last entry.
pub async fn head<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<(i64, String), StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(ex)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Up to `limit` entries with `seq > after`, in stored order of seq.
pub async fn page<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, seal_id, document_id, application_id, detail, prev_hash, hash \
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
}

/// Entries touching one application or document, in order.
pub async fn for_subject<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    application_id: &str,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, seal_id, document_id, application_id, detail, prev_hash, hash \
         FROM audit_log WHERE application_id = $1 ORDER BY seq",
    )
    .bind(application_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
}

/// A timestamp of the chain head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorRow {
    pub seq: i64,
    pub hash: String,
    pub token: Vec<u8>,
    pub at: i64,
}

/// Record a timestamp of entry `seq` (a second one for the same entry is
/// ignored: another process anchored it first).
pub async fn insert_anchor<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    a: &AnchorRow,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_anchors (seq, hash, token, at) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING")
        .bind(a.seq)
        .bind(a.hash.clone())
        .bind(a.token.clone())
        .bind(a.at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every anchor, oldest first.
pub async fn anchors<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<AnchorRow>, StoreError> {
    let rows = sqlx::query("SELECT seq, hash, token, at FROM audit_anchors ORDER BY seq")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AnchorRow {
                seq: r.try_get(0)?,
                hash: r.try_get(1)?,
                token: r.try_get(2)?,
                at: r.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The hash of entry `seq`, if it exists.
pub async fn hash_at<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seq: i64,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}
