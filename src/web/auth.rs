//! Who is asking: a bearer token, a session cookie, or nobody.
//!
//! - [`ApiUser`]: JSON API. `Authorization: Bearer` (no CSRF needed: the
//!   browser never sends it on its own), or the session cookie, in which case
//!   unsafe methods must echo the session's CSRF token in `X-CSRF-Token`.
//! - `pages::PageUser`: clerk pages. Session cookie only; forms carry the
//!   CSRF token as a hidden field.
//! - Anonymous forms (resident pages, login) use a double-submit token: an
//!   HttpOnly, SameSite=Strict cookie and the same value in the form.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};

use super::{ApiError, AppState};
use crate::accounts::{self, Account};

pub const SESSION_COOKIE: &str = "eseal_session";
pub const CSRF_COOKIE: &str = "eseal_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict (`Secure` is added over
/// https by [`super::edge_headers::secure_cookies`], which knows the request).
pub fn set_cookie(_state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    // Names and values are URL-safe base64 or fixed ASCII, always valid header text.
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Constant-time string comparison for secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The anonymous CSRF token: the cookie's, or a new one to set.
pub fn anon_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Option<HeaderValue>), ApiError> {
    if let Some(t) = cookie(headers, CSRF_COOKIE).filter(|t| t.len() >= 22 && t.len() <= 64) {
        return Ok((t, None));
    }
    let t = crate::crypto::random_token(24).map_err(ApiError::internal)?;
    let c = set_cookie(state, CSRF_COOKIE, &t, 24 * 3600);
    Ok((t, Some(c)))
}

/// Check a form's anonymous CSRF token against the cookie.
pub fn check_anon_csrf(headers: &HeaderMap, form_token: &str) -> Result<(), ApiError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(c) if !form_token.is_empty() && same_secret(&c, form_token) => Ok(()),
        _ => Err(csrf_failed()),
    }
}

pub fn csrf_failed() -> ApiError {
    ApiError::Forbidden {
        code: "csrf_failed",
        message: "页面已过期或来源不明，请刷新页面后重试".into(),
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Account);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
            let token = h
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= 128)
                .ok_or_else(invalid_token)?;
            return match accounts::token_account(state.store(), token).await? {
                Some(a) => Ok(Self(a)),
                None => Err(invalid_token()),
            };
        }
        let Some(c) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthenticated());
        };
        let Some((account, csrf)) = accounts::session_account(state.store(), &c).await? else {
            return Err(ApiError::unauthenticated());
        };
        if !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent, &csrf) {
                return Err(csrf_failed());
            }
        }
        Ok(Self(account))
    }
}

fn invalid_token() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_token",
        message: "访问令牌无效或已吊销".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookies_among_several() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; eseal_session=abc"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("eseal_csrf=xyz"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, CSRF_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "eseal"), None);
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
