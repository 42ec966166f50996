//! Bearer API tokens: shown once at creation (only their SHA-256 is
//! stored), expiring after the configured lifetime (`api_token_days`,
//! default 90), revoked by their owner, by a password reset or by the
//! account being disabled, with their last use listed.

use super::{Account, AccountError, active_account};
use crate::audit::{self, Event};
use crate::crypto::sha256;
use crate::store::users::{self, TokenRow};
use crate::store::{Store, now_unix};

/// How precisely a token's last use is recorded.
pub const LAST_USE_RESOLUTION_SECS: i64 = 60;

/// A newly created API token; `token` is shown once and never stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub token_id: String,
    pub name: String,
    pub token: String,
    /// Unix seconds after which the token no longer works.
    pub expires_at: i64,
}

/// A new API token for `account`, valid for `lifetime_days`
/// (setting `api_token_days`).
pub async fn create_token(
    store: &Store,
    account: &Account,
    name: &str,
    lifetime_days: i64,
) -> Result<NewToken, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AccountError::Invalid("令牌名称须为 1 到 64 个字符".into()));
    }
    let token_id = crate::crypto::random_token(9)?;
    let token = format!("esk_{token_id}_{}", crate::crypto::random_token(32)?);
    let now = now_unix();
    let expires_at = now + lifetime_days.max(1) * 86_400;
    let mut tx = store.begin_write().await?;
    users::insert_token(
        &mut **tx,
        &token_id,
        &account.username,
        name,
        &hex::encode(sha256(token.as_bytes())),
        now,
        expires_at,
    )
    .await?;
    audit_and_commit(tx, account, "token.create", &token_id, now).await?;
    Ok(NewToken {
        token_id,
        name: name.to_string(),
        token,
        expires_at,
    })
}

/// Revoke one of the caller's tokens; false if it is not theirs or
/// already revoked.
pub async fn revoke_token(
    store: &Store,
    account: &Account,
    token_id: &str,
) -> Result<bool, AccountError> {
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !users::revoke_token(&mut **tx, &account.username, token_id, now).await? {
        return Ok(false);
    }
    audit_and_commit(tx, account, "token.revoke", token_id, now).await?;
    Ok(true)
}

/// Append `action` on `token_id` by `account` to the audit log and commit.
async fn audit_and_commit(
    mut tx: crate::store::WriteTx,
    account: &Account,
    action: &str,
    token_id: &str,
    now: i64,
) -> Result<(), AccountError> {
    let detail = format!("token_id={token_id}");
    let actor = account.actor();
    audit::append(
        &mut tx,
        &Event {
            actor: &actor,
            action,
            detail: &detail,
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The account behind a bearer token, if the token is live (not revoked,
/// not expired) and the account active. The token's last use is recorded
/// at most once a minute ([`LAST_USE_RESOLUTION_SECS`]), so a busy client
/// does not turn every read into a write.
pub async fn token_account(store: &Store, token: &str) -> Result<Option<Account>, AccountError> {
    let sha = hex::encode(sha256(token.as_bytes()));
    let now = now_unix();
    let Some((username, last_used)) = users::token_owner(&store.pool, &sha, now).await? else {
        return Ok(None);
    };
    // Read first, write only when stale: a write per request would queue
    // every API read behind the database's single writer.
    if last_used.is_none_or(|t| t <= now - LAST_USE_RESOLUTION_SECS) {
        let mut tx = store.begin_write().await?;
        users::touch_token(&mut **tx, &sha, now).await?;
        tx.commit().await?;
    }
    active_account(store, &username).await
}

/// The caller's API tokens, newest last, without their secrets.
pub async fn tokens_of(store: &Store, account: &Account) -> Result<Vec<TokenView>, AccountError> {
    let now = now_unix();
    Ok(users::tokens_of(&store.pool, &account.username)
        .await?
        .into_iter()
        .map(|r| TokenView::new(r, now))
        .collect())
}

/// Whether a token works now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

/// An API token as its owner sees it in the list (never its secret).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub token_id: String,
    pub name: String,
    pub state: TokenState,
    pub created_at: i64,
    pub expires_at: i64,
    /// Last use, to the minute; `null` if never used.
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenView {
    fn new(r: TokenRow, now: i64) -> Self {
        let state = if r.revoked_at.is_some() {
            TokenState::Revoked
        } else if r.expires_at <= now {
            TokenState::Expired
        } else {
            TokenState::Active
        };
        Self {
            token_id: r.token_id,
            name: r.name,
            state,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}
