//! `users`, `user_seals`, `sessions` and `api_tokens`: clerk and admin
//! accounts and how they authenticate. Secrets are stored only as hashes.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;

/// A row of `users` with the seals bound to it.
#[derive(Clone)]
pub struct UserRow {
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub status: String,
    pub failed_logins: i64,
    pub locked_until: i64,
    pub created_at: i64,
    pub seals: Vec<String>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("status", &self.status)
            .field("seals", &self.seals)
            .finish_non_exhaustive()
    }
}

fn user_row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        username: r.try_get(0)?,
        role: r.try_get(1)?,
        password_hash: r.try_get(2)?,
        status: r.try_get(3)?,
        failed_logins: r.try_get(4)?,
        locked_until: r.try_get(5)?,
        created_at: r.try_get(6)?,
        seals: Vec::new(),
    })
}

const USER_COLS: &str =
    "username, role, password_hash, status, failed_logins, locked_until, created_at";

pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    u: &UserRow,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO users (username, role, password_hash, status, failed_logins, locked_until, created_at, \
         password_changed_at) VALUES ($1, $2, $3, $4, 0, 0, $5, $5)",
    )
    .bind(u.username.clone())
    .bind(u.role.clone())
    .bind(u.password_hash.clone())
    .bind(u.status.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for s in &u.seals {
        sqlx::query("INSERT INTO user_seals (username, seal_id) VALUES ($1, $2)")
            .bind(u.username.clone())
            .bind(s.clone())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A user and their seals. Both queries run whether or not the user
/// exists, so a login's database work does not tell (see
/// `accounts::authenticate`).
pub async fn get(
    conn: &mut sqlx::AnyConnection,
    username: &str,
) -> Result<Option<UserRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLS} FROM users WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(&mut *conn)
    .await?;
    let seals = sqlx::query("SELECT seal_id FROM user_seals WHERE username = $1 ORDER BY seal_id")
        .bind(username)
        .fetch_all(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut u = user_row(&row)?;
    u.seals = seals
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    Ok(Some(u))
}

pub async fn set_status<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    username: &str,
    status: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE users SET status = $1 WHERE username = $2")
        .bind(status)
        .bind(username)
        .execute(ex)
        .await?
        .rows_affected();
    Ok(n == 1)
}

pub async fn set_password<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    username: &str,
    hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = 0 \
         WHERE username = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(username)
    .execute(ex)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// --- sessions ---

pub async fn insert_session<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    session_sha256: &str,
    username: &str,
    csrf: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (session_sha256, username, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(session_sha256)
    .bind(username)
    .bind(csrf)
    .bind(now)
    .bind(expires_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The (username, csrf token) of a live session.
pub async fn session<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    session_sha256: &str,
    now: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT username, csrf_token FROM sessions WHERE session_sha256 = $1 AND expires_at > $2",
    )
    .bind(session_sha256)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    Ok(row
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?)
}

pub async fn delete_session<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    session_sha256: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE session_sha256 = $1")
        .bind(session_sha256)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete_sessions_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    username: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE username = $1")
        .bind(username)
        .execute(ex)
        .await?;
    Ok(())
}

// --- API tokens ---

/// A row of `api_tokens` (without the hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn insert_token<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token_id: &str,
    username: &str,
    name: &str,
    token_sha256: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_tokens (token_id, username, name, token_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_id)
    .bind(username)
    .bind(name)
    .bind(token_sha256)
    .bind(now)
    .bind(expires_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The owner of a live token (not revoked, not expired at `now`) and the
/// token's last recorded use.
pub async fn token_owner<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token_sha256: &str,
    now: i64,
) -> Result<Option<(String, Option<i64>)>, StoreError> {
    let row = sqlx::query(
        "SELECT username, last_used_at FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_sha256)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    Ok(row
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?)
}

/// Record a token's use at `now`.
pub async fn touch_token<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token_sha256: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_sha256 = $2")
        .bind(now)
        .bind(token_sha256)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every token of `username`, oldest first.
pub async fn tokens_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    username: &str,
) -> Result<Vec<TokenRow>, StoreError> {
    Ok(sqlx::query_as::<_, TokenRow>(
        "SELECT token_id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE username = $1 ORDER BY created_at, token_id",
    )
    .bind(username)
    .fetch_all(ex)
    .await?)
}

/// Revoke every live token of `username` (password reset, disable); the
/// number revoked.
pub async fn revoke_tokens_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    username: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE username = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(username)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Revoke one of `username`'s tokens. False if it is not theirs or already revoked.
pub async fn revoke_token<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    username: &str,
    token_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND username = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(token_id)
    .bind(username)
    .execute(ex)
    .await?
    .rows_affected();
    Ok(n == 1)
}
