//! Login, logout, who am I, and bearer API tokens.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::accounts::{self, Account, NewToken, TokenView};
use crate::web::auth::{self, ApiUser, SESSION_COOKIE};
use crate::web::client::ClientAddr;
use crate::web::login;
use crate::web::{ApiError, AppState, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(login).delete(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{token_id}", delete(revoke_token))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The logged-in account and the CSRF token to echo in `X-CSRF-Token`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub account: Account,
    pub csrf_token: String,
}

/// Log in: sets the session cookie (HttpOnly, SameSite=Strict, Secure over https).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Credentials,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let (account, cookie, csrf) =
        login::password(&state, &client, &c.username, &c.password).await?;
    let mut resp = Json(SessionInfo {
        account,
        csrf_token: csrf,
    })
    .into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, &cookie, accounts::SESSION_SECS),
    );
    Ok(resp)
}

/// Log out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    _user: ApiUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(c) = auth::cookie(&headers, SESSION_COOKIE) {
        accounts::end_session(state.store(), &c).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(resp)
}

/// The authenticated account.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(a): ApiUser) -> Json<Account> {
    Json(a)
}

/// The caller's API tokens (without their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(accounts::tokens_of(state.store(), &a).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewTokenRequest {
    /// What the token is for, e.g. the client program's name.
    pub name: String,
}

/// Create a bearer token; its secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", security(("bearer" = [])), request_body = NewTokenRequest,
    responses((status = 201, body = NewToken), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(r): ApiJson<NewTokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(accounts::create_token(state.store(), &a, &r.name, state.api_token_days).await?),
    ))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{token_id}", tag = "session", security(("bearer" = [])),
    params(("token_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(a): ApiUser,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if accounts::revoke_token(state.store(), &a, &token_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
