//! SQLite's WAL, checkpointed by a background task instead of by writers.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past
//! 1,000 pages. Each issued document adds about 30 pages (its PDF), so
//! every ~33rd approval paid for copying ~4 MB back into the database while
//! it held the one write lock, and every writer queued behind it (8.9% of
//! the server's CPU under load, all of it inside the lock, measured with
//! `perf` on `scripts/load-bench.sh`). Connections here set
//! `wal_autocheckpoint = 0`, and the web service runs (through
//! `Store::checkpoint_in_background`) a PASSIVE checkpoint, which never
//! waits for nor blocks readers or the writer, every [`EVERY`]. Should
//! readers keep the WAL from being recycled, a WAL past [`TRUNCATE_FRAMES`]
//! frames gets a TRUNCATE checkpoint, which waits for them briefly. When the last connection closes (a CLI command, the end
//! of `eseal serve`), SQLite checkpoints the rest itself.

use std::time::Duration;

use sqlx::{AnyPool, Row};

/// How often the WAL is checkpointed.
pub const EVERY: Duration = Duration::from_millis(250);
/// A WAL this long (frames of 4 KiB: 64 MiB) is truncated, not only copied back.
pub const TRUNCATE_FRAMES: i64 = 16_384;

/// Checkpoint `pool`'s WAL in the background until the pool closes.
pub fn spawn(pool: AnyPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !pool.is_closed() {
            tick.tick().await;
            if let Err(e) = once(&pool).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
            }
        }
    });
}

/// One checkpoint: PASSIVE, then TRUNCATE if the WAL is still too long.
/// Returns the WAL's length in frames after it.
pub async fn once(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    let frames: i64 = row.try_get(1)?;
    if frames < TRUNCATE_FRAMES {
        return Ok(frames);
    }
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(pool)
        .await?;
    row.try_get(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::{Store, meta, sqlite_url};

    fn wal_len(dir: &std::path::Path) -> u64 {
        std::fs::metadata(dir.join("eseal.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn writers_leave_the_wal_to_the_checkpointer_which_empties_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&sqlite_url(dir.path())).await.unwrap();
        let page = "x".repeat(4000);
        // ~2,000 pages: SQLite's own default would have checkpointed
        // (and recycled the WAL) inside one of these commits.
        for i in 0..2_000 {
            let mut tx = store.begin_write().await.unwrap();
            meta::set(&mut **tx, &format!("k{i}"), &page).await.unwrap();
            tx.commit().await.unwrap();
        }
        let before = wal_len(dir.path());
        assert!(before > 2_000 * 4096, "the WAL grew: {before} bytes");
        // Everything is copied back; the background task does this every EVERY.
        let frames = once(&store.pool).await.unwrap();
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let (log, done): (i64, i64) = (row.try_get(1).unwrap(), row.try_get(2).unwrap());
        assert_eq!(log, done, "all {frames} frames checkpointed");
        store.close().await;
    }
}
