//! Rate limits on anonymous and guessable work, counted in the database
//! *before* the work (one atomic upsert per hit, see
//! [`crate::store::rate_limits`]), so concurrent requests cannot slip past a
//! check-then-act gap and every process on a PostgreSQL database shares the
//! same counts (on SQLite, all processes on the one file do).
//!
//! Clients are counted by [`super::client::Client::block`] (an IPv4 address
//! or an IPv6 /64); applications also by the applicant's ID number (its
//! SHA-256, so no ID number is stored in the table).

use super::ApiError;
use crate::store::{Store, now_unix, rate_limits};

/// One limit: at most `max` hits per `window` seconds per key.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Prefix of the bucket names (`login`, `code`, `apply`, `apply_id`).
    pub name: &'static str,
    pub max: i64,
    pub window: i64,
    /// What the client is told (Chinese).
    pub message: &'static str,
}

/// A hit that was allowed; [`Taken::refund`] gives it back.
#[derive(Debug)]
pub struct Taken {
    bucket: String,
}

impl Limit {
    /// Count a hit for `key`; 429 with `Retry-After` when over the limit.
    pub async fn take(&self, store: &Store, key: &str) -> Result<Taken, ApiError> {
        let bucket = format!("{}:{key}", self.name);
        let now = now_unix();
        let mut tx = store.begin_write().await?;
        let (hits, start) = rate_limits::hit(&mut **tx, &bucket, now, self.window).await?;
        tx.commit().await?;
        self.check(hits, start, now)?;
        Ok(Taken { bucket })
    }

    /// 429 with `Retry-After` once `hits` in the window from `start` pass
    /// the limit.
    fn check(&self, hits: i64, start: i64, now: i64) -> Result<(), ApiError> {
        if hits > self.max {
            return Err(ApiError::TooManyRequests {
                retry_after: (start + self.window - now).max(1),
                message: self.message.into(),
            });
        }
        Ok(())
    }
}

impl Taken {
    /// The attempt was legitimate (a right code, a successful login): it
    /// does not count against the client.
    pub async fn refund(self, store: &Store) -> Result<(), ApiError> {
        let mut tx = store.begin_write().await?;
        rate_limits::refund(&mut **tx, &self.bucket).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The limits of one installation (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub login: Limit,
    pub code: Limit,
    pub apply_per_client: Limit,
    pub apply_per_id_number: Limit,
    pub timestamps_per_client: Limit,
}

impl Limits {
    pub fn from_settings(s: &crate::configuration::Settings) -> Self {
        Self {
            login: Limit {
                name: "login",
                max: s.logins_per_client_10min,
                window: 600,
                message: "登录尝试过多，请稍后再试",
            },
            code: Limit {
                name: "code",
                max: s.code_guesses_per_client_10min,
                window: 600,
                message: "查询次数过多，请稍后再试",
            },
            apply_per_client: Limit {
                name: "apply",
                max: s.applications_per_client_hour,
                window: 3600,
                message: "提交申请过于频繁，请稍后再试",
            },
            apply_per_id_number: Limit {
                name: "apply_id",
                max: s.applications_per_id_number_day,
                window: 86_400,
                message: "该身份证号今日提交的申请已达上限，请明天再试或到村（社区）办理",
            },
            timestamps_per_client: Limit {
                name: "tsa",
                max: s.timestamps_per_client_minute,
                window: 60,
                message: "时间戳请求过于频繁，请稍后再试",
            },
        }
    }
}

/// The limits on an anonymous application, counted before it is checked:
/// per client, then per applicant ID number (the kind's first ID-number
/// field, if filled in).
pub(crate) async fn submission(
    state: &super::AppState,
    client: &super::client::Client,
    sub: &crate::application::Submission,
) -> Result<(), ApiError> {
    let limits = &state.limits;
    limits
        .apply_per_client
        .take(state.store(), &client.block())
        .await?;
    let id_number = state
        .catalog()
        .kind(&sub.kind)
        .and_then(|k| {
            k.fields
                .iter()
                .find(|f| f.kind == crate::document::FieldKind::IdNumber)
        })
        .and_then(|f| sub.fields.get(&f.name))
        .and_then(|v| v.as_str())
        .map(|v| v.trim().to_ascii_uppercase())
        .filter(|v| !v.is_empty());
    if let Some(id) = id_number {
        let key = hex::encode(&crate::crypto::sha256(id.as_bytes())[..16]);
        limits.apply_per_id_number.take(state.store(), &key).await?;
    }
    Ok(())
}

/// Before the public timestamp authority signs: the client's limit hit and
/// the request counted for the audit log ([`crate::audit::tsa_use`]), in
/// one transaction, so no token is signed that the log will not account for.
pub(crate) async fn timestamp(
    state: &super::AppState,
    client: &super::client::Client,
) -> Result<(), ApiError> {
    let limit = &state.limits.timestamps_per_client;
    let bucket = format!("{}:{}", limit.name, client.block());
    let now = now_unix();
    let mut tx = state.store().begin_write().await?;
    let (hits, start) = rate_limits::hit(&mut **tx, &bucket, now, limit.window).await?;
    let allowed = limit.check(hits, start, now);
    if allowed.is_ok() {
        crate::store::tsa_usage::count(&mut **tx, now).await?;
    }
    tx.commit().await?;
    allowed
}

/// Forget rate-limit windows and login-attempt counts untouched for
/// `idle_secs` (bounds both tables under floods of made-up clients and
/// usernames).
pub async fn purge_counters(store: &Store, idle_secs: i64) -> Result<(), crate::store::StoreError> {
    let before = now_unix() - idle_secs;
    let mut tx = store.begin_write().await?;
    rate_limits::purge(&mut **tx, before).await?;
    crate::store::login_attempts::purge(&mut **tx, before).await?;
    tx.commit().await?;
    Ok(())
}
