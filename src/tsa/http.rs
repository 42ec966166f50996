//! `POST /tsa`: RFC 3161 over HTTP (RFC 3161 §3.4).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::TimestampAuthority;

pub const QUERY_TYPE: &str = "application/timestamp-query";
pub const REPLY_TYPE: &str = "application/timestamp-reply";
/// Requests are tiny; anything larger is not a timestamp query.
const MAX_REQUEST: usize = 16 * 1024;

/// The router to mount: `POST /tsa`.
pub fn router(tsa: Arc<TimestampAuthority>) -> Router {
    Router::new().route("/tsa", post(handle)).with_state(tsa)
}

async fn handle(
    State(tsa): State<Arc<TimestampAuthority>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with(QUERY_TYPE) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send {QUERY_TYPE}\n"),
        )
            .into_response();
    }
    if body.len() > MAX_REQUEST {
        return (StatusCode::PAYLOAD_TOO_LARGE, "timestamp query too large\n").into_response();
    }
    // Signing is CPU work: keep it off the async threads.
    let reply = tokio::task::spawn_blocking(move || tsa.respond(&body)).await;
    match reply {
        Ok(der) => ([(header::CONTENT_TYPE, REPLY_TYPE)], der).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "timestamp task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
