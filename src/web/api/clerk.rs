//! Clerk and admin endpoints: the review queue, review actions, documents.
//! Clerks act only on their seals' applications (attempts on others are
//! refused and audited); admins read everything and act on nothing.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::application::{
    self as service, ApplicationStatus, ApplicationView, Approval, BulkRejected, DocumentView,
    QueueCounts, Submission, WalkIn,
};
use crate::web::auth::ApiUser;
use crate::web::download::{ofd_response, pdf_response};
use crate::web::{ApiError, AppState, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/applications/counts", get(queue_counts))
        .route("/api/v1/applications/reject", post(reject_many))
        .route("/api/v1/applications/{id}", get(get_application))
        .route("/api/v1/applications/{id}/accept", post(accept))
        .route("/api/v1/applications/{id}/approve", post(approve))
        .route("/api/v1/applications/{id}/reject", post(reject))
        .route("/api/v1/documents", post(walk_in))
        .route("/api/v1/documents/{id}", get(get_document))
        .route("/api/v1/documents/{id}/pdf", get(document_pdf))
        .route("/api/v1/documents/{id}/ofd", get(document_ofd))
        .route("/api/v1/documents/{id}/void", post(void))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// `submitted`, `under_review`, `issued` or `rejected`.
    pub status: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Applications per page (at most 200; default 50).
    pub per_page: Option<i64>,
}

pub(crate) fn queue_status(s: Option<&str>) -> Result<Option<ApplicationStatus>, ApiError> {
    match s {
        None | Some("") => Ok(None),
        Some(s) => ApplicationStatus::parse(s)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("invalid_status", "无效的状态筛选")),
    }
}

/// One page of the review queue: the clerk's seals (an admin: all seals),
/// oldest first. `X-Total-Count` is the number in the filter across all
/// pages; `GET /api/v1/applications/counts` gives the count per status.
#[utoipa::path(get, path = "/api/v1/applications", tag = "clerk", security(("bearer" = [])), params(QueueQuery),
    responses((status = 200, body = Vec<ApplicationView>, headers(("x-total-count" = i64))), (status = 401, body = ErrorBody)))]
pub async fn list_applications(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ApiError> {
    let status = queue_status(q.status.as_deref())?;
    let rows = service::queue(
        state.store(),
        &a,
        status,
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(50),
    )
    .await?;
    let total = service::queue_counts(state.store(), &a).await?.of(status);
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(service::view(state.store(), state.catalog(), r).await?);
    }
    let mut resp = Json(out).into_response();
    resp.headers_mut()
        .insert("x-total-count", axum::http::HeaderValue::from(total));
    Ok(resp)
}

/// How many applications of the queue are in each status.
#[utoipa::path(get, path = "/api/v1/applications/counts", tag = "clerk", security(("bearer" = [])),
    responses((status = 200, body = QueueCounts), (status = 401, body = ErrorBody)))]
pub async fn queue_counts(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
) -> Result<Json<QueueCounts>, ApiError> {
    Ok(Json(service::queue_counts(state.store(), &a).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct BulkReject {
    /// The applications (at most 500).
    pub ids: Vec<String>,
    /// Shown to each resident.
    pub reason: String,
}

/// Reject many applications at once (a flood of junk), each audited.
#[utoipa::path(post, path = "/api/v1/applications/reject", tag = "clerk", security(("bearer" = [])),
    request_body = BulkReject,
    responses((status = 200, body = BulkRejected), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject_many(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(r): ApiJson<BulkReject>,
) -> Result<Json<BulkRejected>, ApiError> {
    Ok(Json(
        service::reject_many(state.store(), &a, &r.ids, &r.reason).await?,
    ))
}

/// One application (own seal, or any for an admin).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let row = service::get_readable(state.store(), &a, &id).await?;
    Ok(Json(
        service::view(state.store(), state.catalog(), &row).await?,
    ))
}

/// Accept for review (submitted → under review).
#[utoipa::path(post, path = "/api/v1/applications/{id}/accept", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::accept(state.store(), &a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Approve and issue the document. Idempotent: a repeat returns the same
/// document with `already_issued: true` and status 200 (201 when issued now).
#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = Approval), (status = 200, body = Approval), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Approval>), ApiError> {
    let r = service::approve(state.store(), &state.services.issuer, &a, &id).await?;
    let code = if r.already_issued {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((code, Json(r)))
}

/// Issue directly for a walk-in resident: the form is checked like a
/// resident's, recorded as an application, and issued at once. The answer
/// carries the resident's tracking link secret and access code.
#[utoipa::path(post, path = "/api/v1/documents", tag = "clerk", security(("bearer" = [])),
    request_body = Submission,
    responses((status = 201, body = WalkIn), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn walk_in(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(sub): ApiJson<Submission>,
) -> Result<(StatusCode, Json<WalkIn>), ApiError> {
    let r = service::issue_walk_in(
        state.store(),
        state.catalog(),
        &state.services.issuer,
        &a,
        &sub,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// Shown to the resident (reject) or in verification (void).
    pub reason: String,
}

/// Reject with a reason the resident sees.
#[utoipa::path(post, path = "/api/v1/applications/{id}/reject", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Reason,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Reason>,
) -> Result<StatusCode, ApiError> {
    service::reject(state.store(), &a, &id, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An issued document's record (own seal, or any for an admin).
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = DocumentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_document(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DocumentView>, ApiError> {
    let d = service::document_for(state.store(), &a, &id).await?;
    Ok(Json(DocumentView::from(&d)))
}

/// An issued document's sealed PDF (own seal, or any for an admin).
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn document_pdf(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (d, pdf) = service::document_pdf(state.store(), &a, &id).await?;
    Ok(pdf_response(&d.number, pdf))
}

/// The document's OFD twin (GB/T 33190, sealed with a GB/T 38540
/// electronic signature), as an attachment.
#[utoipa::path(get, path = "/api/v1/documents/{id}/ofd", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/ofd", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn document_ofd(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (d, ofd) = service::document_ofd(state.store(), &a, &id).await?;
    Ok(ofd_response(&d.number, ofd))
}

/// Void an issued document, with a reason.
#[utoipa::path(post, path = "/api/v1/documents/{id}/void", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Reason,
    responses((status = 200, body = DocumentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn void(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Reason>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(
        service::void(state.store(), &a, &id, &r.reason).await?,
    ))
}
