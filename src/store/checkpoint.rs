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
//! waits for nor blocks readers or the writer, every [`EVERY`].
//!
//! Under a steady stream of approvals some reader is always on an older
//! snapshot, so SQLite never restarts the WAL from its beginning and it
//! grows (about 3,000 frames a second at 400 approvals/s). A WAL past
//! [`TRUNCATE_FRAMES`] frames therefore gets a TRUNCATE checkpoint, which
//! waits until no writer is active and every reader is on the newest
//! snapshot. It runs holding this process's write turn
//! (`Store::begin_write`'s lock): writers queue for the few milliseconds
//! the readers need to finish, instead of hitting SQLite's busy handler,
//! whose sleeps of up to 100 ms gave approvals a 200 ms tail every
//! 2.5 seconds (measured on `scripts/load-bench.sh`). When the last
//! connection closes (a CLI command, the end of `eseal serve`), SQLite
//! checkpoints the rest itself.

use std::time::Duration;

use sqlx::{AnyPool, Row};

/// How often the WAL is checkpointed.
pub const EVERY: Duration = Duration::from_millis(250);
/// A WAL this long (frames of 16 KiB: 1 GiB) is truncated, not only copied
/// back: at most every 20 s under the load benchmark's 3,000 frames a
/// second, and never under a district's real load, whose idle moments let
/// SQLite restart the WAL on its own.
pub const TRUNCATE_FRAMES: i64 = 65_536;

/// The write turn of the store's process (see `Store::begin_write`).
pub type WriteTurn = std::sync::Arc<tokio::sync::Mutex<()>>;

/// Checkpoint `pool`'s WAL in the background until the pool closes.
pub fn spawn(pool: AnyPool, turn: WriteTurn) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !pool.is_closed() {
            tick.tick().await;
            if let Err(e) = once(&pool, &turn).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
            }
        }
    });
}

/// One checkpoint: PASSIVE, then TRUNCATE (in the write turn) if the WAL
/// is still too long. Returns the WAL's length in frames after it.
pub async fn once(pool: &AnyPool, turn: &WriteTurn) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    let frames: i64 = row.try_get(1)?;
    if frames < TRUNCATE_FRAMES {
        return Ok(frames);
    }
    let _turn = turn.lock().await;
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
        let frames = once(&store.pool, &store.write_lock).await.unwrap();
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let (log, done): (i64, i64) = (row.try_get(1).unwrap(), row.try_get(2).unwrap());
        assert_eq!(log, done, "all {frames} frames checkpointed");
        store.close().await;
    }
}
