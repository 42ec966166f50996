//! The audit log: every state change and every use of a key, in an
//! append-only Merkle tree.
//!
//! Every state change and every use of a seal calls [`append`] inside the
//! transaction that makes the change, so the entry exists if and only if the
//! change does. An entry takes its number (`seq`) from the database and its
//! hash (SHA-256 over a canonical JSON array of its fields) from its own
//! content; appending holds no lock of its own, so writes in different
//! processes no longer queue behind one head row.
//!
//! [`verify_documents`] holds the registry against the log: every document
//! on record has its `seal.use` entry and every `seal.use` names one.
//!
//! Tamper evidence comes from the tree (RFC 6962 hashing, stored in the
//! c2sp.org/tlog-tiles layout): one integrator at a time ([`integrate`])
//! appends committed entries to it in `seq` order; the service runs it every
//! second, and [`verify`] and [`anchor_head`] run it first. An entry
//! committed by a process that dies before integration is simply integrated
//! by the next one. The tree's root is timestamped by the TSA at start-up
//! and every `audit_anchor_secs` ([`anchor_head`]), so a log rewritten
//! consistently, tree and all, is still caught ([`verify_anchors`]).

pub mod anchor;
mod check;
mod documents;
pub mod integrate;
mod tree;
pub mod tsa_use;

use sqlx::Any;

pub use anchor::{AnchorReport, anchor_head, verify_anchors};
pub use check::{ChainProblem, ChainReport, verify};
pub use documents::{DocumentsReport, verify_documents};
pub use integrate::{Integrated, integrate};
pub use tree::Frontier;

use crate::store::audit::{self as rows, AuditRow};
use crate::store::{Backend, Store, StoreError};

/// What `prev_hash` held for the first entry of a log written before the
/// tree (migration 0030); tools that rebuild such a chain start here.
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

fn backend_of(tx: &sqlx::Transaction<'_, Any>) -> Backend {
    if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Append `event` inside `tx`; returns its number.
pub async fn append(
    tx: &mut sqlx::Transaction<'_, Any>,
    event: &Event<'_>,
    at: i64,
) -> Result<i64, StoreError> {
    let seqs = append_all(tx, std::slice::from_ref(event), at).await?;
    seqs.first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("no audit number allocated".into()))
}

/// Append several events in order inside `tx`; returns their numbers.
pub async fn append_all(
    tx: &mut sqlx::Transaction<'_, Any>,
    events: &[Event<'_>],
    at: i64,
) -> Result<Vec<i64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = i64::try_from(events.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let backend = backend_of(tx);
    let seqs = rows::next_seqs(tx, backend, n).await?;
    let mut entries = Vec::with_capacity(events.len());
    for (event, seq) in events.iter().zip(&seqs) {
        let mut row = AuditRow {
            seq: *seq,
            at,
            actor: event.actor.to_string(),
            action: event.action.to_string(),
            seal_id: event.seal_id.map(str::to_string),
            document_id: event.document_id.map(str::to_string),
            application_id: event.application_id.map(str::to_string),
            detail: event.detail.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        row.hash = entry_hash(&row);
        entries.push(row);
    }
    rows::insert_all(tx, &entries).await?;
    Ok(seqs)
}

/// Append one event in a transaction of its own (for refusals, logins).
pub async fn append_alone(store: &Store, event: &Event<'_>) -> Result<i64, StoreError> {
    let mut tx = store.begin_write().await?;
    let seq = append(&mut tx, event, crate::store::now_unix()).await?;
    tx.commit().await?;
    Ok(seq)
}
