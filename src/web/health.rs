//! `GET /healthz` (the process answers), `GET /readyz` (the database
//! answers) and `GET /metrics` (Prometheus text format).

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    let check = sqlx::query("SELECT 1").fetch_one(&state.store().pool);
    match tokio::time::timeout(std::time::Duration::from_secs(3), check).await {
        Ok(Ok(_)) => Ok("ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            Err(ApiError::Unavailable {
                code: "database_unavailable",
                message: "数据库不可用".into(),
            })
        }
        Err(_) => Err(ApiError::Unavailable {
            code: "database_unavailable",
            message: "数据库无响应".into(),
        }),
    }
}

async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::metrics().encode(),
    )
}
