//! Checking the log: every leaf of the tree against the entry it stands for,
//! the tree's root against its leaves, and the entries not yet integrated
//! against their own hashes.

use std::collections::HashMap;

use tlog_tiles::tlog::stored_hash_index;

use super::tree::{Frontier, hex_of, record_hash};
use super::{entry_hash, integrate};
use crate::store::audit::{self as rows, AuditRow};
use crate::store::{Store, StoreError};

/// The first thing wrong with the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The entry's content no longer matches its hash.
    Edited { seq: i64 },
    /// The entry a leaf stands for is gone (`seq` is the next one found).
    Deleted { seq: i64, expected: i64 },
    /// The entry is self-consistent but is not the one the tree holds at its
    /// place (reordered or replaced).
    Reordered { seq: i64 },
    /// Entries gone from the end: the tree's last leaf stands for
    /// `head_seq`, the log ends at `last_seq`.
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// The tree's recorded root is not the root of its leaves.
    RootMismatch { size: i64 },
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
                "entry {seq} is not the entry the tree holds at its place (reordered or replaced)"
            ),
            Self::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "the tree's last entry is {head_seq} but the log ends at {last_seq} (entries deleted from the end)"
            ),
            Self::RootMismatch { size } => write!(
                f,
                "the tree's recorded root for {size} entries is not the root of its leaves"
            ),
        }
    }
}

/// The result of checking the log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainReport {
    /// Entries checked (integrated and pending).
    pub entries: i64,
    /// The tree's root (hex) over its integrated entries.
    pub head_hash: String,
    /// Entries committed but not yet in the tree.
    pub pending: i64,
    pub problem: Option<ChainProblem>,
}

/// Leaves per page while walking.
const PAGE: i64 = 1000;

/// One leaf of the tree as stored, with the entry it stands for.
pub(crate) struct Leaf<'a> {
    pub index: i64,
    pub seq: i64,
    /// `None` when the entry is gone.
    pub entry: Option<&'a AuditRow>,
    /// The record hash the tree stores for this leaf.
    pub stored: Option<[u8; 32]>,
}

/// Walk the tree's leaves in order; `visit` stops the walk by returning
/// `false`.
pub(crate) async fn walk_leaves<F>(store: &Store, mut visit: F) -> Result<(), StoreError>
where
    F: FnMut(Leaf<'_>) -> bool,
{
    let mut from = 0;
    loop {
        let leaves = rows::leaves(&store.pool, from, PAGE).await?;
        if leaves.is_empty() {
            return Ok(());
        }
        let seqs: Vec<i64> = leaves.iter().map(|l| l.1).collect();
        let entries = rows::by_seqs(&store.pool, &seqs).await?;
        let idx: Vec<i64> = leaves
            .iter()
            .map(|l| stored_hash_index(0, l.0 as u64) as i64)
            .collect();
        let stored: HashMap<i64, Vec<u8>> = rows::tree_hashes(&store.pool, &idx)
            .await?
            .into_iter()
            .collect();
        for ((index, seq), hash_idx) in leaves.iter().zip(&idx) {
            let entry = entries
                .binary_search_by_key(seq, |e| e.seq)
                .ok()
                .map(|k| &entries[k]);
            let stored = stored
                .get(hash_idx)
                .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok());
            if !visit(Leaf {
                index: *index,
                seq: *seq,
                entry,
                stored,
            }) {
                return Ok(());
            }
        }
        from = leaves.last().map_or(from, |l| l.0 + 1);
    }
}

/// Integrate what is committed, then check the whole log.
pub async fn verify(store: &Store) -> Result<ChainReport, StoreError> {
    integrate(store).await?;
    let tree = rows::tree(&store.pool).await?;

    let mut frontier = Frontier::default();
    let mut found: Option<Result<ChainProblem, i64>> = None;
    let mut count = 0i64;
    let mut expected_index = 0i64;
    walk_leaves(store, |leaf| {
        count += 1;
        let seq = leaf.seq;
        if leaf.index != expected_index {
            found = Some(Ok(ChainProblem::RootMismatch { size: tree.size }));
            return false;
        }
        expected_index += 1;
        let Some(e) = leaf.entry else {
            found = Some(Err(seq));
            return false;
        };
        let hash = match record_hash(e) {
            Some(h) if entry_hash(e) == e.hash => h,
            _ => {
                found = Some(Ok(ChainProblem::Edited { seq }));
                return false;
            }
        };
        if leaf.stored != Some(hash.0) {
            found = Some(Ok(ChainProblem::Reordered { seq }));
            return false;
        }
        frontier.push(hash);
        true
    })
    .await?;
    let problem = match found {
        Some(Ok(p)) => Some(p),
        Some(Err(missing)) => {
            let (next, last) = rows::next_and_last_seq(&store.pool, missing).await?;
            Some(match next {
                Some(next) => ChainProblem::Deleted {
                    seq: next,
                    expected: missing,
                },
                None => ChainProblem::HeadMismatch {
                    head_seq: tree.last_seq.max(missing),
                    last_seq: last.unwrap_or(0),
                },
            })
        }
        None if frontier.size() as i64 != tree.size || hex_of(&frontier.root()) != tree.root => {
            Some(ChainProblem::RootMismatch { size: tree.size })
        }
        None => None,
    };
    if let Some(p) = problem {
        return Ok(report(count, tree.root, 0, Some(p)));
    }

    // Entries not yet in the tree (a young gap holds them back: all of them
    // come after the tree's last entry taken in order): each must at least
    // match its own hash.
    let mut pending = 0;
    let mut after = tree.last_seq;
    loop {
        let page = rows::page(&store.pool, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            pending += 1;
            if entry_hash(e) != e.hash {
                return Ok(report(
                    count + pending,
                    tree.root,
                    pending,
                    Some(ChainProblem::Edited { seq: e.seq }),
                ));
            }
        }
    }
    Ok(report(count + pending, tree.root, pending, None))
}

fn report(entries: i64, head_hash: String, pending: i64, p: Option<ChainProblem>) -> ChainReport {
    ChainReport {
        entries,
        head_hash,
        pending,
        problem: p,
    }
}
