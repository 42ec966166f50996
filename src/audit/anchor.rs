//! Dating the audit chain: the head's hash is timestamped by an RFC 3161
//! authority (the installation's own, or the configured external one), so
//! every entry up to it provably existed by the token's time. The service
//! anchors at start-up and then periodically; `eseal audit anchor` does it
//! on demand. `eseal audit verify` checks every anchor.

use crate::store::audit::{self as rows, AnchorRow};
use crate::store::{Store, StoreError};
use crate::tsa::TimestampClient;

/// Errors anchoring the head.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("timestamping the audit head failed: {0}")]
    Tsa(#[from] crate::tsa::TsaError),
    #[error("the audit head hash is not a SHA-256 value")]
    BadHead,
}

/// Timestamp the current head unless it is empty or already anchored.
/// Returns the anchored entry's seq.
pub async fn anchor_head(
    store: &Store,
    tsa: &dyn TimestampClient,
) -> Result<Option<i64>, AnchorError> {
    let (seq, hash) = rows::head(&store.pool).await?;
    if seq == 0 {
        return Ok(None);
    }
    if rows::anchors(&store.pool)
        .await?
        .last()
        .is_some_and(|a| a.seq == seq)
    {
        return Ok(None);
    }
    let digest: [u8; 32] = hex::decode(&hash)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or(AnchorError::BadHead)?;
    let token = tsa.timestamp(&digest)?;
    rows::insert_anchor(
        &store.pool,
        &AnchorRow {
            seq,
            hash,
            token,
            at: crate::store::now_unix(),
        },
    )
    .await?;
    Ok(Some(seq))
}

/// What checking the anchors found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnchorReport {
    pub anchors: usize,
    /// The latest good anchor: (seq, genTime as Unix seconds).
    pub latest: Option<(i64, i64)>,
    /// The first anchor that fails, and why.
    pub problem: Option<String>,
}

/// Check each anchor: its entry still has the anchored hash, and the token
/// is intact over that hash and issued by a TSA chaining to `anchors`.
pub async fn verify_anchors(
    store: &Store,
    trust_anchors: &[Vec<u8>],
) -> Result<AnchorReport, StoreError> {
    let all = rows::anchors(&store.pool).await?;
    let mut report = AnchorReport {
        anchors: all.len(),
        latest: None,
        problem: None,
    };
    for a in &all {
        let now = rows::hash_at(&store.pool, a.seq).await?;
        if now.as_deref() != Some(a.hash.as_str()) {
            report.problem = Some(format!(
                "entry {} no longer has the hash its timestamp covers",
                a.seq
            ));
            return Ok(report);
        }
        let Some(digest) = hex::decode(&a.hash)
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
        else {
            report.problem = Some(format!("anchor {} has a malformed hash", a.seq));
            return Ok(report);
        };
        let out = crate::verify::check_token(&a.token, &digest, &[], trust_anchors);
        match out.gen_time {
            Some(t) if out.trusted => report.latest = Some((a.seq, t)),
            _ => {
                let why: Vec<String> = out.reasons.iter().map(|r| r.en()).collect();
                report.problem = Some(format!(
                    "the timestamp of entry {} does not verify: {}",
                    a.seq,
                    why.join("; ")
                ));
                return Ok(report);
            }
        }
    }
    Ok(report)
}
