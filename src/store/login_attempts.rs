//! `login_attempts`: failed-login counts and lock-outs per username (known
//! or not), keyed by the SHA-256 of the name.

use sqlx::{Any, Executor, Row};

use super::StoreError;

/// Count one attempt at `key` unless it is locked at `now`: the new count,
/// or `None` if locked. One statement, so concurrent attempts (in any
/// process) each get their own number.
pub async fn count<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO login_attempts (username_sha256, failures, locked_until, updated_at) VALUES ($1, 1, 0, $2) \
         ON CONFLICT (username_sha256) DO UPDATE SET failures = login_attempts.failures + 1, updated_at = $2 \
         WHERE login_attempts.locked_until <= $2 RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?)
}

/// Until when `key` is locked (0 if not, or unknown).
pub async fn locked_until<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT locked_until FROM login_attempts WHERE username_sha256 = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
}

pub async fn lock<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
    until: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE login_attempts SET locked_until = $1 WHERE username_sha256 = $2")
        .bind(until)
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// Forget `key`'s failures (a successful login, a password reset).
pub async fn clear<'e, E: Executor<'e, Database = Any>>(ex: E, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_attempts WHERE username_sha256 = $1")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// Forget counts untouched since `before` whose lock has ended (bounds the
/// table under a flood of made-up usernames).
pub async fn purge<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    before: i64,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM login_attempts WHERE updated_at < $1 AND locked_until < $1")
            .bind(before)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}
