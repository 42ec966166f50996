//! Clerk and admin accounts: creation by the admin CLI, password login with
//! back-off, browser sessions and bearer API tokens.
//!
//! A clerk is bound to the seals of their office and may act only on them; a
//! district admin sees everything read-only and never issues.

pub mod password;

use crate::audit::{self, Event};
use crate::crypto::sha256;
use crate::domain::SealId;
use crate::admission::Admission;
use crate::store::login_attempts;
use crate::store::users::{self, UserRow};
use crate::store::{Store, StoreError, now_unix};

/// Failures below this many in a row cost nothing extra.
pub const FREE_FAILURES: i64 = 5;
/// Longest lock-out after repeated failures.
pub const MAX_LOCK_SECS: i64 = 3600;
/// How long a browser session lives.
pub const SESSION_SECS: i64 = 8 * 3600;

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
    fn from_row(u: &UserRow) -> Result<Self, StoreError> {
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

fn check_username(u: &str) -> Result<(), AccountError> {
    let ok = (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadUsername(u.to_string()))
    }
}

/// Minimum password length accepted from an admin.
pub const MIN_PASSWORD_LEN: usize = 12;

fn check_password(p: &str) -> Result<(), AccountError> {
    if p.chars().count() < MIN_PASSWORD_LEN {
        return Err(AccountError::Invalid(format!(
            "password too short: at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

async fn hash_blocking(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AccountError::Task(e.to_string()))?
        .map_err(AccountError::from)
}

/// Create an account. Clerks need at least one seal; admins take none.
pub async fn add_user(
    store: &Store,
    username: &str,
    role: Role,
    seals: &[SealId],
    password: &str,
    actor: &str,
) -> Result<(), AccountError> {
    check_username(username)?;
    check_password(password)?;
    match role {
        Role::Clerk if seals.is_empty() => {
            return Err(AccountError::Invalid(
                "a clerk needs at least one --seal".into(),
            ));
        }
        Role::Admin if !seals.is_empty() => {
            return Err(AccountError::Invalid(
                "an admin is not bound to seals".into(),
            ));
        }
        _ => {}
    }
    for s in seals {
        if crate::store::seals::get_seal(&store.pool, s.as_str())
            .await?
            .is_none()
        {
            return Err(AccountError::UnknownSeal(s.to_string()));
        }
    }
    let hash = hash_blocking(password.to_string()).await?;
    let now = now_unix();
    let mut seal_ids: Vec<String> = seals.iter().map(|s| s.to_string()).collect();
    seal_ids.sort();
    seal_ids.dedup();
    let row = UserRow {
        username: username.to_string(),
        role: role.as_str().to_string(),
        password_hash: hash,
        status: "active".into(),
        failed_logins: 0,
        locked_until: 0,
        created_at: now,
        seals: seal_ids.clone(),
    };
    // Write first (no read before it), so SQLite takes the write lock at
    // once; a duplicate name surfaces as a unique violation.
    let mut tx = store.begin_write().await?;
    match users::insert(&mut tx, &row, now).await {
        Err(StoreError::Db(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            return Err(AccountError::Exists(username.to_string()));
        }
        other => other?,
    }
    let detail = format!("role={} seals={}", role.as_str(), seal_ids.join(","));
    audit::append(
        &mut tx,
        &Event {
            actor,
            action: "user.add",
            detail: &detail,
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disable an account and end its sessions; its API tokens stop working.
pub async fn disable_user(store: &Store, username: &str, actor: &str) -> Result<(), AccountError> {
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !users::set_status(&mut **tx, username, "disabled").await? {
        return Err(AccountError::UnknownUser(username.to_string()));
    }
    end_sessions_and_audit(tx, username, actor, "user.disable", now).await
}

/// End an account's sessions, audit the change and commit.
async fn end_sessions_and_audit(
    mut tx: crate::store::WriteTx,
    username: &str,
    actor: &str,
    action: &str,
    now: i64,
) -> Result<(), AccountError> {
    users::delete_sessions_of(&mut **tx, username).await?;
    let detail = format!("username={username}");
    audit::append(
        &mut tx,
        &Event {
            actor,
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

/// Set a new password, clear the lock-out and end the account's sessions.
pub async fn reset_password(
    store: &Store,
    username: &str,
    password: &str,
    actor: &str,
) -> Result<(), AccountError> {
    check_password(password)?;
    let hash = hash_blocking(password.to_string()).await?;
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !users::set_password(&mut **tx, username, &hash, now).await? {
        return Err(AccountError::UnknownUser(username.to_string()));
    }
    login_attempts::clear(&mut **tx, &attempt_key(username)).await?;
    end_sessions_and_audit(tx, username, actor, "user.reset_password", now).await
}

/// Seconds an account stays locked after its `failures`-th failure in a row:
/// nothing for the first few, then doubling from 30 s up to an hour.
pub fn lock_secs(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(12) as u32;
    (30_i64 << doublings).min(MAX_LOCK_SECS)
}

/// An active account, if it exists and is not disabled.
pub async fn active_account(
    store: &Store,
    username: &str,
) -> Result<Option<Account>, AccountError> {
    let mut conn = store.pool.acquire().await?;
    let Some(u) = users::get(&mut conn, username).await? else {
        return Ok(None);
    };
    if u.status != "active" {
        return Ok(None);
    }
    Ok(Some(Account::from_row(&u)?))
}

/// The key of a username's attempt count: the SHA-256 of the name as typed.
fn attempt_key(username: &str) -> String {
    hex::encode(sha256(username.as_bytes()))
}

/// Check a username and password, with back-off after repeated failures.
///
/// The attempt is counted (atomically, in the database) and the lock-out
/// checked *before* the password is hashed, so parallel guesses cannot
/// outrun the count: at most [`FREE_FAILURES`] wrong passwords in a row are
/// ever evaluated before the lock. Unknown usernames are counted and locked
/// the same way and hashed against a dummy hash of the same cost: the status
/// sequence and the time do not tell whether an account exists. Hashing runs
/// on the bounded `hashing` pool; when it is full the answer is
/// [`AccountError::Busy`] and nothing is counted.
pub async fn authenticate(
    store: &Store,
    hashing: &Admission,
    username: &str,
    password: &str,
) -> Result<Account, AccountError> {
    let key = attempt_key(username);
    let now = now_unix();
    let until = login_attempts::locked_until(&store.pool, &key).await?;
    if until > now {
        return Err(AccountError::Locked(until - now));
    }
    let permit = hashing.enter().await.map_err(|_| AccountError::Busy)?;
    let user = {
        let mut conn = store.pool.acquire().await?;
        users::get(&mut conn, username).await?
    };
    count_attempt(store, &key, user.as_ref(), now).await?;
    let phc = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        // The slot is held until the hash is done, even if the request is
        // dropped meanwhile.
        let _permit = permit;
        password::verify(&pw, &phc)
    })
    .await
    .map_err(|e| AccountError::Task(e.to_string()))?;
    match user {
        Some(u) if ok && u.status == "active" => {
            login_attempts::clear(&store.pool, &key).await?;
            Ok(Account::from_row(&u)?)
        }
        _ => Err(AccountError::BadCredentials),
    }
}

/// Count one attempt at `key`; lock it from the [`FREE_FAILURES`]-th on
/// (the lock is set in the same transaction, before any of these attempts
/// is evaluated). A lock on an existing account is audited.
async fn count_attempt(
    store: &Store,
    key: &str,
    user: Option<&UserRow>,
    now: i64,
) -> Result<(), AccountError> {
    let mut tx = store.begin_write().await?;
    let Some(n) = login_attempts::count(&mut **tx, key, now).await? else {
        let until = login_attempts::locked_until(&mut **tx, key).await?;
        return Err(AccountError::Locked((until - now).max(1)));
    };
    let lock = lock_secs(n);
    if lock > 0 {
        login_attempts::lock(&mut **tx, key, now + lock).await?;
        if let Some(u) = user {
            let detail = format!("username={} failures={n} locked_secs={lock}", u.username);
            audit::append(
                &mut tx,
                &Event {
                    actor: "system",
                    action: "user.locked",
                    detail: &detail,
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

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

/// A newly created API token; `token` is shown once and never stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub token_id: String,
    pub name: String,
    pub token: String,
}

pub async fn create_token(
    store: &Store,
    account: &Account,
    name: &str,
) -> Result<NewToken, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AccountError::Invalid("令牌名称须为 1 到 64 个字符".into()));
    }
    let token_id = crate::crypto::random_token(9)?;
    let token = format!("esk_{token_id}_{}", crate::crypto::random_token(32)?);
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    users::insert_token(
        &mut **tx,
        &token_id,
        &account.username,
        name,
        &hex::encode(sha256(token.as_bytes())),
        now,
    )
    .await?;
    let detail = format!("token_id={token_id}");
    let actor = account.actor();
    audit::append(
        &mut tx,
        &Event {
            actor: &actor,
            action: "token.create",
            detail: &detail,
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken {
        token_id,
        name: name.to_string(),
        token,
    })
}

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
    let detail = format!("token_id={token_id}");
    let actor = account.actor();
    audit::append(
        &mut tx,
        &Event {
            actor: &actor,
            action: "token.revoke",
            detail: &detail,
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The account behind a bearer token, if the token is live and the account active.
pub async fn token_account(store: &Store, token: &str) -> Result<Option<Account>, AccountError> {
    let Some(username) =
        users::token_owner(&store.pool, &hex::encode(sha256(token.as_bytes()))).await?
    else {
        return Ok(None);
    };
    active_account(store, &username).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_and_is_capped() {
        assert_eq!(lock_secs(1), 0);
        assert_eq!(lock_secs(FREE_FAILURES - 1), 0);
        assert_eq!(lock_secs(FREE_FAILURES), 30);
        assert_eq!(lock_secs(FREE_FAILURES + 1), 60);
        assert_eq!(lock_secs(1000), MAX_LOCK_SECS);
    }

    #[test]
    fn usernames_are_checked() {
        assert!(check_username("clerk.qk-01").is_ok());
        for bad in ["ab", "Clerk", "名字", "a b c", &"x".repeat(33)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }
}
