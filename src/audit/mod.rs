//! The audit chain: an append-only log where every entry carries the hash of
//! the one before it.
//!
//! Every state change and every use of a seal calls [`append`] inside the
//! transaction that makes the change, so the entry exists if and only if the
//! change does. Appends are serialised by the head row (see
//! [`crate::store::audit::claim_next`]): several processes on one PostgreSQL
//! extend one unbroken chain. [`verify`] walks the chain and names the first
//! entry that was edited, deleted or reordered.
//!
//! An entry's hash is SHA-256 over a canonical JSON array of its fields and
//! the previous hash, so a change to any field, or to the order, breaks the
//! link to every later entry.

pub mod anchor;

use sqlx::Any;

pub use anchor::{AnchorReport, anchor_head, verify_anchors};

use crate::store::audit::{self as rows, AuditRow};
use crate::store::{Store, StoreError};

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, by whom, to what.
#[derive(Debug, Clone, Default)]
pub struct Event<'a> {
    /// `user:NAME`, `resident`, `system`, `cli`.
    pub actor: &'a str,
    /// A stable dotted name: `application.submit`, `seal.use`, `denied.approve`...
    pub action: &'a str,
    pub seal_id: Option<&'a str>,
    pub document_id: Option<&'a str>,
    pub application_id: Option<&'a str>,
    /// Free text without personal data (reasons, counts).
    pub detail: &'a str,
}

/// The hash an entry must carry (public so tests and tools can recompute it).
pub fn entry_hash(e: &AuditRow) -> String {
    let canonical = serde_json::json!([
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.seal_id,
        e.document_id,
        e.application_id,
        e.detail,
        e.prev_hash
    ]);
    hex::encode(crate::crypto::sha256(canonical.to_string().as_bytes()))
}

/// Append `event` to the chain inside `tx`. Call it last in the transaction
/// (after the domain rows it describes are locked) so the head row is held
/// as briefly as possible and locks are always taken in the same order.
pub async fn append(
    tx: &mut sqlx::Transaction<'_, Any>,
    event: &Event<'_>,
    at: i64,
) -> Result<i64, StoreError> {
    let (seq, prev_hash) = rows::claim_next(tx).await?;
    let mut row = AuditRow {
        seq,
        at,
        actor: event.actor.to_string(),
        action: event.action.to_string(),
        seal_id: event.seal_id.map(str::to_string),
        document_id: event.document_id.map(str::to_string),
        application_id: event.application_id.map(str::to_string),
        detail: event.detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(&row);
    rows::insert_and_advance(tx, &row).await?;
    Ok(seq)
}

/// Append several events in order inside `tx`, claiming their sequence
/// numbers and moving the head once (see [`append`]).
pub async fn append_all(
    tx: &mut sqlx::Transaction<'_, Any>,
    events: &[Event<'_>],
    at: i64,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(events.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let (first, mut prev_hash) = rows::claim(tx, n).await?;
    let mut seq = first;
    for event in events {
        let mut row = AuditRow {
            seq,
            at,
            actor: event.actor.to_string(),
            action: event.action.to_string(),
            seal_id: event.seal_id.map(str::to_string),
            document_id: event.document_id.map(str::to_string),
            application_id: event.application_id.map(str::to_string),
            detail: event.detail.to_string(),
            prev_hash: prev_hash.clone(),
            hash: String::new(),
        };
        row.hash = entry_hash(&row);
        rows::insert(tx, &row).await?;
        prev_hash = row.hash;
        seq += 1;
    }
    rows::advance(tx, seq - 1, &prev_hash).await
}

/// Append one event in a transaction of its own (for refusals, logins).
pub async fn append_alone(store: &Store, event: &Event<'_>) -> Result<i64, StoreError> {
    let mut tx = store.begin_write().await?;
    let seq = append(&mut tx, event, crate::store::now_unix()).await?;
    tx.commit().await?;
    Ok(seq)
}

/// The first thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The entry's content no longer matches its hash.
    Edited { seq: i64 },
    /// Entries are missing before `seq` (expected `expected`).
    Deleted { seq: i64, expected: i64 },
    /// The entry does not link to the one stored before it.
    Reordered { seq: i64 },
    /// The head row does not match the last entry (entries removed from the end).
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Edited { seq } => write!(f, "entry {seq} was edited (its hash does not match)"),
            Self::Deleted { seq, expected } => {
                write!(
                    f,
                    "entries deleted: found {seq} where {expected} was expected"
                )
            }
            Self::Reordered { seq } => write!(
                f,
                "entry {seq} does not link to the entry before it (reordered or replaced)"
            ),
            Self::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "the chain head says {head_seq} entries but the log ends at {last_seq} (entries deleted from the end, or the head edited)"
            ),
        }
    }
}

/// The result of walking the chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainReport {
    pub entries: i64,
    pub head_hash: String,
    pub problem: Option<ChainProblem>,
}

/// Walk the whole chain from the first entry.
pub async fn verify(store: &Store) -> Result<ChainReport, StoreError> {
    let (head_seq, head_hash) = rows::head(&store.pool).await?;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_string();
    let mut after = 0;
    let mut count = 0;
    loop {
        let page = rows::page(&store.pool, after, 1000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            count += 1;
            after = e.seq;
            if e.seq != expected_seq {
                return Ok(report(
                    count,
                    head_hash,
                    ChainProblem::Deleted {
                        seq: e.seq,
                        expected: expected_seq,
                    },
                ));
            }
            if entry_hash(e) != e.hash {
                return Ok(report(
                    count,
                    head_hash,
                    ChainProblem::Edited { seq: e.seq },
                ));
            }
            if e.prev_hash != prev_hash {
                return Ok(report(
                    count,
                    head_hash,
                    ChainProblem::Reordered { seq: e.seq },
                ));
            }
            prev_hash = e.hash.clone();
            expected_seq += 1;
        }
    }
    let last_seq = expected_seq - 1;
    if last_seq != head_seq || prev_hash != head_hash {
        return Ok(report(
            count,
            head_hash,
            ChainProblem::HeadMismatch { head_seq, last_seq },
        ));
    }
    Ok(ChainReport {
        entries: count,
        head_hash,
        problem: None,
    })
}

fn report(entries: i64, head_hash: String, p: ChainProblem) -> ChainReport {
    ChainReport {
        entries,
        head_hash,
        problem: Some(p),
    }
}
