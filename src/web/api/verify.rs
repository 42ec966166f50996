//! Verification for anyone: `POST /api/v1/verify` (a PDF in, the report
//! out) and `GET /api/v1/documents/{id}/status?c=CODE` (the registry's word
//! on one document: the document-level equivalent of OCSP).

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::issuance::records::DocumentStatus;
use crate::web::client::ClientAddr;
use crate::web::code_lookup::{self, CodeQuery};
use crate::web::verification::{UPLOAD_LIMIT, receive, verify_upload};
use crate::web::{ApiError, AppState, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/verify",
            post(verify).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/api/v1/documents/{id}/status", get(status))
}

/// Verify a signed PDF: its seals, timestamps, revocation, later changes
/// and the registry. The body is the PDF (`application/pdf`) or a
/// `multipart/form-data` upload; at most 32 MiB.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verify",
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses(
        (status = 200, description = "The verification report (verdict VALID, VALID_WITH_WARNINGS, INVALID or INDETERMINATE, with every reason in Chinese and English)", body = Object),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<crate::verify::Report>, ApiError> {
    let upload = receive(&state, req).await?;
    Ok(Json(verify_upload(&state, upload).await?.report))
}

/// The registry status of a document: valid, voided (when and why). A
/// wrong code and an unknown id both answer 404; repeated wrong codes are
/// rate-limited per client.
#[utoipa::path(get, path = "/api/v1/documents/{id}/status", tag = "verify",
    params(("id" = String, Path), CodeQuery),
    responses((status = 200, body = DocumentStatus), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Json<DocumentStatus>, ApiError> {
    let d = code_lookup::document(&state, &client, &id, &q.c).await?;
    Ok(Json(DocumentStatus::from(&d)))
}
