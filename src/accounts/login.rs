//! Password login with back-off: every attempt is counted before the
//! password is hashed, and the hash runs on a bounded pool.

use super::{Account, AccountError, password};
use crate::admission::Admission;
use crate::audit::{self, Event};
use crate::crypto::sha256;
use crate::store::login_attempts;
use crate::store::users::{self, UserRow};
use crate::store::{Store, now_unix};

/// Failures below this many in a row cost nothing extra.
pub const FREE_FAILURES: i64 = 5;
/// Longest lock-out after repeated failures.
pub const MAX_LOCK_SECS: i64 = 3600;

/// Seconds an account stays locked after its `failures`-th failure in a row:
/// nothing for the first few, then doubling from 30 s up to an hour.
pub fn lock_secs(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(12) as u32;
    (30_i64 << doublings).min(MAX_LOCK_SECS)
}

/// The key of a username's attempt count: the SHA-256 of the name as typed.
pub(super) fn attempt_key(username: &str) -> String {
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
/// is evaluated). Every lock is audited, of a made-up name too (by the
/// hash of the name as typed, which may be a mistyped password): the
/// attempt that locks costs the same whether or not the account exists,
/// and attempts at guessing names are on record.
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
        let who = match user {
            Some(u) => format!("username={}", u.username),
            None => format!("unknown username_sha256={key}"),
        };
        let detail = format!("{who} failures={n} locked_secs={lock}");
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
    tx.commit().await?;
    Ok(())
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
}
