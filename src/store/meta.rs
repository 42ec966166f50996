//! `meta`: installation-wide settings and counters.

use sqlx::{Any, Executor, Row};

use super::StoreError;

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
}

pub async fn set<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(ex)
    .await?;
    Ok(())
}
