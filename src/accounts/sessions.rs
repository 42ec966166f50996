//! Browser sessions: a random cookie (only its SHA-256 is stored) with a
//! CSRF token, living [`SESSION_SECS`].

use super::{Account, AccountError, active_account};
use crate::crypto::sha256;
use crate::store::users;
use crate::store::{Store, now_unix};

/// How long a browser session lives.
pub const SESSION_SECS: i64 = 8 * 3600;

/// A new browser session: (cookie value, CSRF token).
pub async fn start_session(
    store: &Store,
    account: &Account,
) -> Result<(String, String), AccountError> {
    let cookie = crate::crypto::random_token(32)?;
    let csrf = crate::crypto::random_token(24)?;
    let now = now_unix();
    users::insert_session(
        &store.pool,
        &hex::encode(sha256(cookie.as_bytes())),
        &account.username,
        &csrf,
        now,
        now + SESSION_SECS,
    )
    .await?;
    Ok((cookie, csrf))
}

/// The account and CSRF token behind a session cookie.
pub async fn session_account(
    store: &Store,
    cookie: &str,
) -> Result<Option<(Account, String)>, AccountError> {
    let Some((username, csrf)) = users::session(
        &store.pool,
        &hex::encode(sha256(cookie.as_bytes())),
        now_unix(),
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(active_account(store, &username).await?.map(|a| (a, csrf)))
}

pub async fn end_session(store: &Store, cookie: &str) -> Result<(), AccountError> {
    users::delete_session(&store.pool, &hex::encode(sha256(cookie.as_bytes()))).await?;
    Ok(())
}
