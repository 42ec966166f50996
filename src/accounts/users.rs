//! Accounts as the admin manages them: created with their seals, disabled,
//! given a new password. Disabling or resetting ends the account's sessions
//! and revokes its API tokens in the same transaction, audited.

use super::{AccountError, Role, password};
use crate::audit::{self, Event};
use crate::domain::SealId;
use crate::store::login_attempts;
use crate::store::users::{self, UserRow};
use crate::store::{Store, StoreError, now_unix};

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

/// Disable an account: its sessions end and its API tokens are revoked
/// (they stay revoked if the account is enabled again).
pub async fn disable_user(store: &Store, username: &str, actor: &str) -> Result<(), AccountError> {
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !users::set_status(&mut **tx, username, "disabled").await? {
        return Err(AccountError::UnknownUser(username.to_string()));
    }
    end_sessions_and_audit(tx, username, actor, "user.disable", now).await
}

/// End an account's sessions, revoke its API tokens, audit the change and
/// commit.
async fn end_sessions_and_audit(
    mut tx: crate::store::WriteTx,
    username: &str,
    actor: &str,
    action: &str,
    now: i64,
) -> Result<(), AccountError> {
    users::delete_sessions_of(&mut **tx, username).await?;
    let revoked = users::revoke_tokens_of(&mut **tx, username, now).await?;
    let detail = format!("username={username} tokens_revoked={revoked}");
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

/// Set a new password, clear the lock-out, end the account's sessions and
/// revoke its API tokens (a leaked password may have minted them).
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
    login_attempts::clear(&mut **tx, &super::login::attempt_key(username)).await?;
    end_sessions_and_audit(tx, username, actor, "user.reset_password", now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked() {
        assert!(check_username("clerk.qk-01").is_ok());
        for bad in ["ab", "Clerk", "名字", "a b c", &"x".repeat(33)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }
}
