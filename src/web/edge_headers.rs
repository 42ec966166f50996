//! Response and request headers every route shares: `Secure` on cookies
//! whenever the client reached the service over https, and request ids a
//! client may choose only when they are short and plain.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::client::client_of;

/// Adds `Secure` to every cookie the response sets when the service is
/// served at an https URL (the `public_url` configured at serve time) or a
/// trusted proxy says the client reached it over https (`X-Forwarded-Proto`
/// from anyone else is ignored).
pub(crate) async fn secure_cookies(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let https = state.served_over_https
        || req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|c| {
                client_of(c.0.ip(), req.headers(), &state.trusted_proxies).forwarded_https
            });
    let mut resp = next.run(req).await;
    if https {
        let cookies: Vec<HeaderValue> = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        resp.headers_mut().remove(header::SET_COOKIE);
        for c in cookies {
            let secure = match c.to_str() {
                Ok(s)
                    if !s
                        .split(';')
                        .any(|a| a.trim().eq_ignore_ascii_case("secure")) =>
                {
                    HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c)
                }
                _ => c,
            };
            resp.headers_mut().append(header::SET_COOKIE, secure);
        }
    }
    resp
}

/// Whether a client's `X-Request-Id` may be kept: 1 to 64 characters of
/// letters, digits, `-`, `_` and `.` (it reaches logs and the response).
pub fn plain_request_id(v: &[u8]) -> bool {
    (1..=64).contains(&v.len())
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
}

/// Drops a client's request id unless it is plain (and single), so one is
/// generated instead.
pub(crate) async fn checked_request_id(mut req: Request, next: Next) -> Response {
    let ids = req.headers().get_all("x-request-id");
    let mut it = ids.iter();
    let keep = matches!((it.next(), it.next()), (Some(v), None) if plain_request_id(v.as_bytes()));
    if !keep {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}
