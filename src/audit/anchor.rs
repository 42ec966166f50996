//! Dating the audit log: the tree's root is timestamped by an RFC 3161
//! authority (the installation's own, or the configured external one), so
//! every entry in it provably existed by the token's time, and a log
//! rewritten consistently afterwards (entries, tree and all) no longer has
//! the root its timestamps cover. The service timestamps at start-up and
//! then periodically; `eseal audit anchor` does it on demand; `eseal audit
//! verify` checks every timestamp, and those of single entries from before
//! the log was a tree.

use super::check::walk_leaves;
use super::integrate;
use super::tree::{Frontier, hex_of, record_hash};
use crate::store::audit::{self as rows, CheckpointRow};
use crate::store::{Store, StoreError};
use crate::tsa::TimestampClient;

/// Errors timestamping the log.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("timestamping the audit log failed: {0}")]
    Tsa(#[from] crate::tsa::TsaError),
    #[error("the audit tree's root is not a SHA-256 value")]
    BadHead,
    #[error("timestamping was interrupted: {0}")]
    Interrupted(String),
}

/// Integrate what is committed, then timestamp the tree unless it is empty
/// or already timestamped at this size. Returns the tree size timestamped.
pub async fn anchor_head(
    store: &Store,
    tsa: std::sync::Arc<dyn TimestampClient>,
) -> Result<Option<i64>, AnchorError> {
    integrate(store).await?;
    let tree = rows::tree(&store.pool).await?;
    if tree.size == 0 {
        return Ok(None);
    }
    if rows::checkpoints(&store.pool)
        .await?
        .last()
        .is_some_and(|c| c.size == tree.size)
    {
        return Ok(None);
    }
    let digest = digest_of(&tree.root).ok_or(AnchorError::BadHead)?;
    // A TSA call may block (an external authority): off the async threads.
    let token = tokio::task::spawn_blocking(move || tsa.timestamp(&digest))
        .await
        .map_err(|e| AnchorError::Interrupted(e.to_string()))??;
    rows::insert_checkpoint(
        &store.pool,
        &CheckpointRow {
            size: tree.size,
            root: tree.root,
            token,
            at: crate::store::now_unix(),
        },
    )
    .await?;
    Ok(Some(tree.size))
}

fn digest_of(hex_hash: &str) -> Option<[u8; 32]> {
    hex::decode(hex_hash).ok()?.try_into().ok()
}

/// What checking the timestamps found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnchorReport {
    pub anchors: usize,
    /// The latest good one: (entries covered, genTime as Unix seconds).
    pub latest: Option<(i64, i64)>,
    /// The first timestamp that fails, and why.
    pub problem: Option<String>,
}

/// Check every timestamp: the log still has the hash it covers (the root
/// recomputed from the entries themselves, or the one entry's hash), and
/// the token is intact over it and issued by a TSA chaining to
/// `trust_anchors`.
pub async fn verify_anchors(
    store: &Store,
    trust_anchors: &[Vec<u8>],
) -> Result<AnchorReport, StoreError> {
    let legacy = rows::anchors(&store.pool).await?;
    let checkpoints = rows::checkpoints(&store.pool).await?;
    let mut report = AnchorReport {
        anchors: legacy.len() + checkpoints.len(),
        latest: None,
        problem: None,
    };
    for a in &legacy {
        let now = rows::hash_at(&store.pool, a.seq).await?;
        if now.as_deref() != Some(a.hash.as_str()) {
            report.problem = Some(format!(
                "entry {} no longer has the hash its timestamp covers",
                a.seq
            ));
            return Ok(report);
        }
        match check(a.seq, &a.hash, &a.token, trust_anchors) {
            Ok(t) => report.latest = Some((a.seq, t)),
            Err(p) => {
                report.problem = Some(p);
                return Ok(report);
            }
        }
    }

    // The roots the entries give today, at each timestamped size.
    let sizes: Vec<i64> = checkpoints.iter().map(|c| c.size).collect();
    let mut roots = Vec::with_capacity(sizes.len());
    let mut frontier = Frontier::default();
    walk_leaves(store, |leaf| {
        let Some(hash) = leaf.entry.and_then(record_hash) else {
            return false;
        };
        frontier.push(hash);
        while roots.len() < sizes.len() && sizes[roots.len()] == frontier.size() as i64 {
            roots.push(hex_of(&frontier.root()));
        }
        roots.len() < sizes.len()
    })
    .await?;
    for (i, c) in checkpoints.iter().enumerate() {
        if roots.get(i) != Some(&c.root) {
            report.problem = Some(format!(
                "the log of {} entries no longer has the hash its timestamp covers",
                c.size
            ));
            return Ok(report);
        }
        match check(c.size, &c.root, &c.token, trust_anchors) {
            Ok(t) => report.latest = Some((c.size, t)),
            Err(p) => {
                report.problem = Some(p);
                return Ok(report);
            }
        }
    }
    Ok(report)
}

/// The token over `hash` from a TSA under `trust_anchors`: its genTime.
fn check(covered: i64, hash: &str, token: &[u8], trust_anchors: &[Vec<u8>]) -> Result<i64, String> {
    let digest = digest_of(hash).ok_or(format!("timestamp {covered} has a malformed hash"))?;
    let out = crate::verify::check_token(token, &digest, &[], trust_anchors);
    match out.gen_time {
        Some(t) if out.trusted => Ok(t),
        _ => {
            let why: Vec<String> = out.reasons.iter().map(|r| r.en()).collect();
            Err(format!(
                "the timestamp of entry {covered} does not verify: {}",
                why.join("; ")
            ))
        }
    }
}
