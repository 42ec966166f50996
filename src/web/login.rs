//! Logging in with a password, the same for the API and the clerk pages:
//! the attempt is counted against the client's budget before anything
//! else, the hash runs on the bounded hashing pool, and a session starts.

use crate::accounts::{self, Account};
use crate::web::client::Client;
use crate::web::{ApiError, AppState};

/// Password check with the per-client budget and the per-account back-off.
pub(crate) async fn password(
    state: &AppState,
    client: &Client,
    username: &str,
    password: &str,
) -> Result<(Account, String, String), ApiError> {
    // Counted before anything else; a successful login gives it back.
    let taken = state
        .limits
        .login
        .take(state.store(), &client.block())
        .await?;
    if username.len() > 64 || password.len() > 256 {
        return Err(accounts::AccountError::BadCredentials.into());
    }
    let account = accounts::authenticate(state.store(), &state.hashing, username, password).await?;
    taken.refund(state.store()).await?;
    let (cookie, csrf) = accounts::start_session(state.store(), &account).await?;
    tracing::info!(role = account.role.as_str(), "login");
    Ok((account, cookie, csrf))
}
