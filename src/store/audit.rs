//! The audit log's rows: `audit_log` (entries), `audit_leaves`,
//! `audit_tree_hashes` and `audit_tree` (the Merkle tree over them),
//! `audit_gaps`, and the timestamps (`audit_checkpoints`, and the older
//! `audit_anchors`). Hashing, integration and verification live in
//! `crate::audit`.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Backend, StoreError};

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
    /// Entries written before the log became a Merkle tree (migration 0030)
    /// carry the hash of the entry before them; later ones carry "" (their
    /// order is the tree's).
    pub prev_hash: String,
    pub hash: String,
}

macro_rules! audit_cols {
    () => {
        "seq, at, actor, action, seal_id, document_id, application_id, detail, prev_hash, hash"
    };
}

fn audit_row(r: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        seal_id: r.try_get("seal_id")?,
        document_id: r.try_get("document_id")?,
        application_id: r.try_get("application_id")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Create PostgreSQL's sequence for entry numbers (SQLite has none; the
/// migrations are shared) and start it above any existing entry. Starting
/// processes serialise on an advisory lock; the sequence is only ever moved
/// forward, and only while the table is ahead of it (right after an upgrade).
pub async fn prepare_sequence(pool: &sqlx::AnyPool, backend: Backend) -> Result<(), StoreError> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(6962)")
        .execute(&mut *tx)
        .await?;
    sqlx::query("CREATE SEQUENCE IF NOT EXISTS audit_seq")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "SELECT setval('audit_seq', t.m) FROM (SELECT COALESCE(MAX(seq), 0) AS m FROM audit_log) t, audit_seq s \
         WHERE t.m >= (CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `n` new entry numbers, ascending. On PostgreSQL they come from the
/// sequence (no lock is held: a rolled-back transaction leaves a gap); on
/// SQLite from the table inside the write lock the transaction already holds.
pub async fn next_seqs(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    n: i64,
) -> Result<Vec<i64>, StoreError> {
    match backend {
        Backend::Postgres => {
            let rows = sqlx::query("SELECT nextval('audit_seq') FROM generate_series(1, $1)")
                .bind(n)
                .fetch_all(&mut **tx)
                .await?;
            let mut seqs = rows
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<Vec<_>, _>>()?;
            seqs.sort_unstable();
            Ok(seqs)
        }
        Backend::Sqlite => {
            let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
                .fetch_one(&mut **tx)
                .await?;
            let last: i64 = row.try_get(0)?;
            Ok((1..=n).map(|i| last + i).collect())
        }
    }
}

/// Insert entries, in one statement.
pub async fn insert_all(
    tx: &mut sqlx::Transaction<'_, Any>,
    entries: &[AuditRow],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..entries.len())
        .map(|i| {
            let p: Vec<String> = (1..=10).map(|c| format!("${}", i * 10 + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        concat!("INSERT INTO audit_log (", audit_cols!(), ") VALUES {}"),
        values.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for e in entries {
        q = q
            .bind(e.seq)
            .bind(e.at)
            .bind(e.actor.clone())
            .bind(e.action.clone())
            .bind(e.seal_id.clone())
            .bind(e.document_id.clone())
            .bind(e.application_id.clone())
            .bind(e.detail.clone())
            .bind(e.prev_hash.clone())
            .bind(e.hash.clone());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Insert an entry.
pub async fn insert(tx: &mut sqlx::Transaction<'_, Any>, e: &AuditRow) -> Result<(), StoreError> {
    insert_all(tx, std::slice::from_ref(e)).await
}

/// Up to `limit` entries with `seq > after`, in order of seq.
pub async fn page<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
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
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE application_id = $1 ORDER BY seq"
    ))
    .bind(application_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
}

/// The entries a number in `audit_gaps` was waiting for, if they arrived.
pub async fn late_arrivals<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE seq IN (SELECT seq FROM audit_gaps) ORDER BY seq"
    ))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
}

/// The integrator's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub size: i64,
    pub root: String,
    pub last_seq: i64,
}

/// The tree row, locked for the rest of `tx` on PostgreSQL (on SQLite the
/// write lock already excludes other integrators). One integrator at a time.
pub async fn lock_tree(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
) -> Result<TreeRow, StoreError> {
    let sql = match backend {
        Backend::Postgres => "SELECT size, root, last_seq FROM audit_tree WHERE id = 1 FOR UPDATE",
        Backend::Sqlite => "SELECT size, root, last_seq FROM audit_tree WHERE id = 1",
    };
    let r = sqlx::query(sql).fetch_one(&mut **tx).await?;
    Ok(TreeRow {
        size: r.try_get(0)?,
        root: r.try_get(1)?,
        last_seq: r.try_get(2)?,
    })
}

pub async fn tree<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<TreeRow, StoreError> {
    let r = sqlx::query("SELECT size, root, last_seq FROM audit_tree WHERE id = 1")
        .fetch_one(ex)
        .await?;
    Ok(TreeRow {
        size: r.try_get(0)?,
        root: r.try_get(1)?,
        last_seq: r.try_get(2)?,
    })
}

pub async fn set_tree(tx: &mut sqlx::Transaction<'_, Any>, t: &TreeRow) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_tree SET size = $1, root = $2, last_seq = $3 WHERE id = 1")
        .bind(t.size)
        .bind(t.root.clone())
        .bind(t.last_seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Rows per multi-row INSERT (two parameters each: far below SQLite's and
/// PostgreSQL's parameter limits).
const ROWS_PER_INSERT: usize = 400;

/// `INSERT INTO table (a, b) VALUES ($1, $2), ($3, $4), ...` for `n` rows.
fn insert_pairs_sql(table_and_columns: &str, n: usize) -> String {
    let values: Vec<String> = (0..n)
        .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
        .collect();
    format!(
        "INSERT INTO {table_and_columns} VALUES {}",
        values.join(", ")
    )
}

/// Insert leaves (leaf_index, seq), a few hundred per statement: the
/// integrator holds the writer while it does, so one statement per leaf
/// (a round trip each) would stall every issuance behind it.
pub async fn insert_leaves(
    tx: &mut sqlx::Transaction<'_, Any>,
    leaves: &[(i64, i64)],
) -> Result<(), StoreError> {
    for chunk in leaves.chunks(ROWS_PER_INSERT) {
        let sql = insert_pairs_sql("audit_leaves (leaf_index, seq)", chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (leaf_index, seq) in chunk {
            q = q.bind(*leaf_index).bind(*seq);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Insert tree hashes (index, hash), a few hundred per statement.
pub async fn insert_tree_hashes(
    tx: &mut sqlx::Transaction<'_, Any>,
    hashes: &[(i64, [u8; 32])],
) -> Result<(), StoreError> {
    for chunk in hashes.chunks(ROWS_PER_INSERT) {
        let sql = insert_pairs_sql("audit_tree_hashes (idx, hash)", chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (idx, hash) in chunk {
            q = q.bind(*idx).bind(hash.to_vec());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Up to `limit` leaves with `leaf_index >= from`: (leaf_index, seq).
pub async fn leaves<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    from: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT leaf_index, seq FROM audit_leaves WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2",
    )
    .bind(from)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The leaf of entry `seq`, if integrated.
pub async fn leaf_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seq: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT leaf_index FROM audit_leaves WHERE seq = $1")
        .bind(seq)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub async fn insert_gap(tx: &mut sqlx::Transaction<'_, Any>, seq: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_gaps (seq) VALUES ($1) ON CONFLICT (seq) DO NOTHING")
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete_gap(tx: &mut sqlx::Transaction<'_, Any>, seq: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM audit_gaps WHERE seq = $1")
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stored tree hashes by index; missing ones are left out.
pub async fn tree_hashes<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    indexes: &[i64],
) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let list = indexes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // The indexes are integers we computed, never input: safe to inline.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT idx, hash FROM audit_tree_hashes WHERE idx IN ({list})"
    )))
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A timestamp of the tree: the root of its first `size` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: String,
    pub token: Vec<u8>,
    pub at: i64,
}

/// Record a timestamp of the tree at `size` (a second one for the same
/// size is ignored: another process timestamped it first).
pub async fn insert_checkpoint<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    c: &CheckpointRow,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_checkpoints (size, root, token, at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING")
        .bind(c.size)
        .bind(c.root.clone())
        .bind(c.token.clone())
        .bind(c.at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every checkpoint, smallest tree first.
pub async fn checkpoints<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<CheckpointRow>, StoreError> {
    let rows = sqlx::query("SELECT size, root, token, at FROM audit_checkpoints ORDER BY size")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CheckpointRow {
                size: r.try_get(0)?,
                root: r.try_get(1)?,
                token: r.try_get(2)?,
                at: r.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A timestamp of one entry's hash, from before the log was a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorRow {
    pub seq: i64,
    pub hash: String,
    pub token: Vec<u8>,
    pub at: i64,
}

/// Every entry timestamp from before the tree, oldest first.
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

/// The entries with these numbers (those that exist), in order of seq.
pub async fn by_seqs<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seqs: &[i64],
) -> Result<Vec<AuditRow>, StoreError> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let list = seqs
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // Numbers read from our own leaf table, never input: safe to inline.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM audit_log WHERE seq IN ({list}) ORDER BY seq",
        audit_cols!()
    )))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
}

/// The smallest entry number above `seq`, and the largest of all.
pub async fn next_and_last_seq<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seq: i64,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let r = sqlx::query(
        "SELECT (SELECT MIN(seq) FROM audit_log WHERE seq > $1), (SELECT MAX(seq) FROM audit_log)",
    )
    .bind(seq)
    .fetch_one(ex)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// (seq, document_id) of every `seal.use` entry, in order of seq.
pub async fn seal_uses<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, document_id FROM audit_log WHERE action = 'seal.use' ORDER BY seq",
    )
    .fetch_all(ex)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?)
}
