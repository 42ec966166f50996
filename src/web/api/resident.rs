//! Resident endpoints: no account; a private tracking token or a number and
//! access code open one application and nothing else.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::application::{self as service, ApplicationView, KindSpec, Receipt, Submission};
use crate::seal::Seal;
use crate::web::client::ClientAddr;
use crate::web::code_lookup;
use crate::web::download::pdf_response;
use crate::web::{ApiError, AppState, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/kinds", get(kinds))
        .route("/api/v1/kinds/{kind}/seals", get(seals_for_kind))
        .route(
            "/api/v1/applications",
            post(submit).get(super::clerk::list_applications),
        )
        .route("/api/v1/track", post(track_by_code))
        .route("/api/v1/track/{token}", get(track))
        .route("/api/v1/track/{token}/document", get(track_document))
}

/// The document kinds residents may apply for, with their forms.
#[utoipa::path(get, path = "/api/v1/kinds", tag = "resident",
    responses((status = 200, body = Vec<KindSpec>)))]
pub async fn kinds(State(state): State<AppState>) -> Json<Vec<KindSpec>> {
    Json(state.catalog().kinds().to_vec())
}

/// A seal a resident may pick.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SealChoice {
    pub seal_id: String,
    pub holder: String,
    pub town: String,
    pub village: Option<String>,
    /// `district`, `town` or `village`.
    pub level: String,
}

impl From<&Seal> for SealChoice {
    fn from(s: &Seal) -> Self {
        Self {
            seal_id: s.seal_id.to_string(),
            holder: s.holder.clone(),
            town: s.town.clone(),
            village: s.village.clone(),
            level: s.level.as_str().into(),
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct SealQuery {
    /// Part of the village, community, town or office name.
    pub q: Option<String>,
}

/// Seals that may issue `kind`, searched by name (at most 50).
#[utoipa::path(get, path = "/api/v1/kinds/{kind}/seals", tag = "resident",
    params(("kind" = String, Path), SealQuery),
    responses((status = 200, body = Vec<SealChoice>), (status = 422, body = ErrorBody)))]
pub async fn seals_for_kind(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query<SealQuery>,
) -> Result<Json<Vec<SealChoice>>, ApiError> {
    let q = q.q.filter(|q| q.chars().count() <= 30);
    let seals = state
        .catalog()
        .eligible_seals(state.store(), &kind, q.as_deref(), 50)
        .await?;
    Ok(Json(seals.iter().map(SealChoice::from).collect()))
}

/// The receipt of a submission: shown once; only hashes are stored.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SubmitResponse {
    pub number: String,
    /// The secret of the private tracking link.
    pub tracking_token: String,
    /// With the number, opens the status page (`POST /api/v1/track`).
    pub access_code: String,
    /// The private tracking link (keep it secret).
    pub tracking_url: String,
}

impl SubmitResponse {
    fn new(r: Receipt, public_url: &str) -> Self {
        let tracking_url = format!(
            "{}/a/{}",
            public_url.trim_end_matches('/'),
            r.tracking_token
        );
        Self {
            number: r.number,
            tracking_token: r.tracking_token,
            access_code: r.access_code,
            tracking_url,
        }
    }
}

/// Submit an application.
#[utoipa::path(post, path = "/api/v1/applications", tag = "resident", request_body = Submission,
    responses((status = 201, body = SubmitResponse), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(sub): ApiJson<Submission>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    crate::web::limits::submission(&state, &client, &sub).await?;
    let r = service::submit(state.store(), state.catalog(), &sub).await?;
    Ok((
        StatusCode::CREATED,
        Json(SubmitResponse::new(r, &state.services.public_url)),
    ))
}

/// An application's status by its private tracking token.
#[utoipa::path(get, path = "/api/v1/track/{token}", tag = "resident",
    params(("token" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn track(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let a = service::by_tracking(state.store(), &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        service::view(state.store(), state.catalog(), &a).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct CodeLookup {
    pub number: String,
    pub access_code: String,
}

/// An application's status by its number and access code (rate-limited).
#[utoipa::path(post, path = "/api/v1/track", tag = "resident", request_body = CodeLookup,
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn track_by_code(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(q): ApiJson<CodeLookup>,
) -> Result<Json<ApplicationView>, ApiError> {
    let a = code_lookup::application(&state, &client, &q.number, &q.access_code).await?;
    Ok(Json(
        service::view(state.store(), state.catalog(), &a).await?,
    ))
}

/// Download the sealed PDF of an issued application.
#[utoipa::path(get, path = "/api/v1/track/{token}/document", tag = "resident",
    params(("token" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn track_document(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let a = service::by_tracking(state.store(), &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (d, pdf) = service::pdf_of(state.store(), &a)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(pdf_response(&d.number, pdf))
}
