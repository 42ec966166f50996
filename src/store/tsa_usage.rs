//! `tsa_usage`: requests to the public timestamp authority per minute,
//! waiting to be folded into the audit log ([`crate::audit::tsa_use`]).

use sqlx::{Any, Executor, Row};

use super::StoreError;

/// The length of a counting period, in seconds.
pub const PERIOD: i64 = 60;

/// Count one request in the period containing `now` (one upsert).
pub async fn count<'e, E: Executor<'e, Database = Any>>(ex: E, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tsa_usage (period_start, requests) VALUES ($1, 1) \
         ON CONFLICT (period_start) DO UPDATE SET requests = tsa_usage.requests + 1",
    )
    .bind(now - now.rem_euclid(PERIOD))
    .execute(ex)
    .await?;
    Ok(())
}

/// Whether any period that started before `before` waits (a read: the
/// writer is taken only when there is something to record).
pub async fn any_before<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    before: i64,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) FROM tsa_usage WHERE period_start < $1")
        .bind(before)
        .fetch_one(ex)
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Take the periods that started before `before` (oldest first), removing
/// them: the caller records them in the same transaction.
pub async fn take_before(
    tx: &mut sqlx::Transaction<'_, Any>,
    before: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT period_start, requests FROM tsa_usage WHERE period_start < $1 ORDER BY period_start",
    )
    .bind(before)
    .fetch_all(&mut **tx)
    .await?;
    let periods = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(i64, i64)>, sqlx::Error>>()?;
    sqlx::query("DELETE FROM tsa_usage WHERE period_start < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    Ok(periods)
}
