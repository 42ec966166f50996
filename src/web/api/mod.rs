//! The JSON API under `/api/v1/`, and its OpenAPI document generated from
//! the handlers' annotations (`GET /api/v1/openapi.json`).

mod clerk;
mod resident;
mod session;
mod verify;

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use super::{ApiError, AppState};

/// `Json<T>` whose rejections are [`ApiError`]s (JSON, stable codes); every
/// string in the body is checked for control characters first
/// ([`crate::web::text_input`]).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let bad_json = || ApiError::bad_request("invalid_json", "请求内容不是所需格式的 JSON");
        let v = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            Err(r) => {
                return Err(match r.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
                    _ => bad_json(),
                });
            }
        };
        crate::web::text_input::check_json(state.catalog(), &v)?;
        serde_json::from_value(v).map(Self).map_err(|_| bad_json())
    }
}

/// The OpenAPI description of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "eseal", description = "赣榆区电子印章与村级证明服务 API"),
    paths(
        resident::kinds,
        resident::seals_for_kind,
        resident::submit,
        resident::track,
        resident::track_by_code,
        resident::track_document,
        session::login,
        session::logout,
        session::me,
        session::list_tokens,
        session::create_token,
        session::revoke_token,
        clerk::list_applications,
        clerk::queue_counts,
        clerk::reject_many,
        clerk::get_application,
        clerk::accept,
        clerk::approve,
        clerk::reject,
        clerk::get_document,
        clerk::document_pdf,
        clerk::document_ofd,
        clerk::void,
        clerk::walk_in,
        verify::verify,
        verify::status,
    ),
    components(schemas(super::ErrorBody, crate::issuance::records::DocumentStatus)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(resident::router())
        .merge(session::router())
        .merge(clerk::router())
        .merge(verify::router())
        .fallback(api_not_found)
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound
}
