//! `rate_limits`: fixed-window counters per bucket (a client address, an ID
//! number's hash, ...), shared by every process on the database.

use sqlx::{Any, Executor, Row};

use super::StoreError;

/// Count one hit on `bucket` in the window of `window` seconds that
/// contains `now`, atomically (one upsert): the hits in the window so far,
/// this one included, and when the window started.
pub async fn hit<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    bucket: &str,
    now: i64,
    window: i64,
) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits, window_start",
    )
    .bind(bucket)
    .bind(now)
    .bind(window)
    .fetch_one(ex)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Give back one hit (an attempt that turned out legitimate).
pub async fn refund<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    bucket: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0")
        .bind(bucket)
        .execute(ex)
        .await?;
    Ok(())
}

/// Drop windows that ended before `before`.
pub async fn purge<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    before: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(before)
        .execute(ex)
        .await?
        .rows_affected())
}
