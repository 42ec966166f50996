//! Clerk and admin accounts: creation by the admin CLI, password login with
//! back-off, browser sessions and bearer API tokens.
//!
//! A clerk is bound to the seals of their office and may act only on them; a
//! district admin sees everything read-only and never issues.

mod login;
pub mod password;
mod sessions;
mod tokens;
mod users;

pub use login::{FREE_FAILURES, MAX_LOCK_SECS, authenticate, lock_secs};
pub use sessions::{SESSION_SECS, end_session, session_account, start_session};
pub use tokens::{
    NewToken, TokenState, TokenView, create_token, revoke_token, token_account, tokens_of,
};
pub use users::{MIN_PASSWORD_LEN, add_user, disable_user, reset_password};

use crate::store::users::UserRow;
use crate::store::{Store, StoreError};

/// Errors from account operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("invalid username {0:?}: 3-32 characters a-z, 0-9, '.', '_' or '-'")]
    BadUsername(String),
    #[error("user {0} already exists")]
    Exists(String),
    #[error("unknown user {0}")]
    UnknownUser(String),
    #[error("unknown seal {0}")]
    UnknownSeal(String),
    #[error("{0}")]
    Invalid(String),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {0} s")]
    Locked(i64),
    #[error("too many logins at once; try again shortly")]
    Busy,
    #[error("internal task failed: {0}")]
    Task(String),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

/// What an account may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reviews and issues for the seals of their office.
    Clerk,
    /// District admin: sees everything, changes nothing through the service.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "clerk" => Ok(Self::Clerk),
            "admin" => Ok(Self::Admin),
            _ => Err(format!("invalid role {s:?}: expected clerk or admin")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::Admin => "admin",
        }
    }
}

/// An authenticated, active account.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Account {
    pub username: String,
    pub role: Role,
    /// The seals a clerk works for (empty for admins).
    pub seals: Vec<String>,
}

impl Account {
    pub(crate) fn from_row(u: &UserRow) -> Result<Self, StoreError> {
        Ok(Self {
            username: u.username.clone(),
            role: Role::parse(&u.role).map_err(StoreError::Corrupt)?,
            seals: u.seals.clone(),
        })
    }

    /// The audit actor name.
    pub fn actor(&self) -> String {
        format!("user:{}", self.username)
    }

    /// May see applications and documents of `seal_id`.
    pub fn can_read(&self, seal_id: &str) -> bool {
        self.role == Role::Admin || self.seals.iter().any(|s| s == seal_id)
    }

    /// May review, issue and void for `seal_id`.
    pub fn can_act(&self, seal_id: &str) -> bool {
        self.role == Role::Clerk && self.seals.iter().any(|s| s == seal_id)
    }
}

/// An active account, if it exists and is not disabled.
pub async fn active_account(
    store: &Store,
    username: &str,
) -> Result<Option<Account>, AccountError> {
    let mut conn = store.pool.acquire().await?;
    let Some(u) = crate::store::users::get(&mut conn, username).await? else {
        return Ok(None);
    };
    if u.status != "active" {
        return Ok(None);
    }
    Ok(Some(Account::from_row(&u)?))
}
