//! The integrator: appends committed entries to the tree, in `seq` order.
//!
//! It holds the `audit_tree` row (PostgreSQL) or the write lock (SQLite) for
//! one batch, so there is one integrator at a time however many processes
//! run one; appenders never wait for it. A number with no entry (a
//! transaction still running, or rolled back: PostgreSQL sequences do not
//! roll back) holds integration up for [`GAP_GRACE_SECS`], then is passed
//! over and recorded; should its entry still arrive, it is integrated then,
//! out of order. An entry whose content no longer matches its hash is never
//! integrated: integration stops before it until it is put right, and
//! [`super::verify`] names it.

use tlog_tiles::tlog;

use super::entry_hash;
use super::tree::{MemoryHashes, frontier_indexes, hex_of, record_hash};
use crate::store::audit::{self as rows, AuditRow};
use crate::store::{Store, StoreError};

/// How long a missing number may hold integration up. Issuing transactions
/// take milliseconds; a minute leaves a wide margin.
pub const GAP_GRACE_SECS: i64 = 60;
/// Entries integrated per transaction: small enough that an approval
/// queued behind one waits briefly, large enough for a backlog.
const BATCH: i64 = 200;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrated {
    /// Entries added to the tree.
    pub added: u64,
    /// The tree's size afterwards.
    pub size: u64,
    /// An entry integration stopped before because it was edited.
    pub stopped_at: Option<i64>,
}

/// Integrate everything committed so far.
pub async fn integrate(store: &Store) -> Result<Integrated, StoreError> {
    let mut total = Integrated::default();
    loop {
        let run = integrate_batch(store).await?;
        total.added += run.added;
        total.size = run.size;
        total.stopped_at = run.stopped_at;
        if run.added < BATCH as u64 || run.stopped_at.is_some() {
            return Ok(total);
        }
    }
}

async fn integrate_batch(store: &Store) -> Result<Integrated, StoreError> {
    let mut tx = store.begin_write().await?;
    let tree = rows::lock_tree(&mut tx, store.backend).await?;
    let now = crate::store::now_unix();

    // In order: late arrivals first, then the entries after `last_seq` up to
    // the first young gap.
    let mut take: Vec<AuditRow> = rows::late_arrivals(&mut **tx).await?;
    let late: Vec<i64> = take.iter().map(|e| e.seq).collect();
    let mut last_seq = tree.last_seq;
    let mut gaps = Vec::new();
    for e in rows::page(&mut **tx, tree.last_seq, BATCH).await? {
        if e.seq != last_seq + 1 {
            if e.at > now - GAP_GRACE_SECS {
                break;
            }
            gaps.extend(last_seq + 1..e.seq);
        }
        last_seq = e.seq;
        take.push(e);
    }

    let size = u64::try_from(tree.size).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut hashes = MemoryHashes::default();
    let want: Vec<i64> = frontier_indexes(size).iter().map(|&i| i as i64).collect();
    for (i, h) in rows::tree_hashes(&mut **tx, &want).await? {
        let h: [u8; 32] = h
            .try_into()
            .map_err(|_| StoreError::Corrupt(format!("audit tree hash {i} is not 32 bytes")))?;
        hashes.0.insert(i as u64, tlog::Hash(h));
    }

    let mut n = size;
    let mut stopped_at = None;
    let mut integrated_last = tree.last_seq;
    // Written together after the loop, a few hundred rows per statement.
    let mut new_hashes: Vec<(i64, [u8; 32])> = Vec::new();
    let mut new_leaves: Vec<(i64, i64)> = Vec::new();
    for e in &take {
        let leaf = match record_hash(e) {
            Some(h) if entry_hash(e) == e.hash => h,
            _ => {
                tracing::error!(
                    seq = e.seq,
                    "audit entry does not match its hash; not integrated"
                );
                stopped_at = Some(e.seq);
                break;
            }
        };
        let new = tlog::stored_hashes_for_record_hash(n, leaf, &hashes)
            .map_err(|err| StoreError::Corrupt(format!("audit tree: {err}")))?;
        let base = tlog::stored_hash_index(0, n);
        for (k, h) in new.into_iter().enumerate() {
            let idx = base + k as u64;
            new_hashes.push((idx as i64, h.0));
            hashes.0.insert(idx, h);
        }
        new_leaves.push((n as i64, e.seq));
        if late.contains(&e.seq) {
            rows::delete_gap(&mut tx, e.seq).await?;
        } else {
            // The gaps before this entry are passed over only with it.
            for g in gaps.iter().filter(|&&g| g > integrated_last && g < e.seq) {
                rows::insert_gap(&mut tx, *g).await?;
            }
            integrated_last = e.seq;
        }
        n += 1;
    }
    rows::insert_tree_hashes(&mut tx, &new_hashes).await?;
    rows::insert_leaves(&mut tx, &new_leaves).await?;
    if n > size {
        let root = tlog::tree_hash(n, &hashes)
            .map_err(|err| StoreError::Corrupt(format!("audit tree: {err}")))?;
        rows::set_tree(
            &mut tx,
            &rows::TreeRow {
                size: n as i64,
                root: hex_of(&root),
                last_seq: integrated_last,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Integrated {
        added: n - size,
        size: n,
        stopped_at,
    })
}
