//! Resident pages: pick a kind, pick the village or community, fill in the
//! form, get the receipt, follow the application.

use std::collections::BTreeMap;

use crate::web::client::ClientAddr;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use super::{PageError, PageForm, render};
use crate::application::{self as service, ServiceError, Submission};
use crate::web::auth::{anon_csrf, check_anon_csrf};
use crate::web::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/apply/{kind}", get(pick_seal))
        .route("/apply/{kind}/{seal_id}", get(form).post(submit))
        .route("/a/{token}", get(status))
        .route("/a/{token}/document.pdf", get(download))
        .route("/a/{token}/document.ofd", get(download_ofd))
        .route("/track", get(track_form).post(track))
}

/// HTML with the anonymous CSRF cookie set when it was missing.
fn with_cookie(html: impl IntoResponse, cookie: Option<axum::http::HeaderValue>) -> Response {
    let mut resp = html.into_response();
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

async fn index(State(state): State<AppState>) -> Result<Response, PageError> {
    Ok(render("index.html", context! { kinds => state.catalog().kinds() })?.into_response())
}

#[derive(Debug, serde::Deserialize)]
struct SealQuery {
    q: Option<String>,
}

async fn pick_seal(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query<SealQuery>,
) -> Result<Response, PageError> {
    let spec = state.catalog().kind(&kind).ok_or(ApiError::NotFound)?;
    let q: String = q.q.unwrap_or_default().chars().take(30).collect();
    let seals = state
        .catalog()
        .eligible_seals(state.store(), &kind, Some(&q), 100)
        .await?;
    Ok(render("seals.html", context! { kind => spec, seals, q })?.into_response())
}

async fn seal_for(
    state: &AppState,
    kind: &str,
    seal_id: &str,
) -> Result<crate::seal::Seal, PageError> {
    let seals = state
        .catalog()
        .eligible_seals(state.store(), kind, None, usize::MAX)
        .await?;
    seals
        .into_iter()
        .find(|s| s.seal_id.as_str() == seal_id)
        .ok_or(PageError(ApiError::NotFound))
}

async fn form(
    State(state): State<AppState>,
    Path((kind, seal_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let spec = state.catalog().kind(&kind).ok_or(ApiError::NotFound)?;
    let seal = seal_for(&state, &kind, &seal_id).await?;
    let (csrf, cookie) = anon_csrf(&state, &headers)?;
    let values: BTreeMap<String, String> = BTreeMap::new();
    let html = render(
        "form.html",
        context! { kind => spec, seal, csrf, values, rows => list_rows() },
    )?;
    Ok(with_cookie(html, cookie))
}

/// Row indices a list field offers on the form.
fn list_rows() -> Vec<usize> {
    (0..service::form::LIST_ROWS).collect()
}

async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path((kind, seal_id)): Path<(String, String)>,
    headers: HeaderMap,
    PageForm(input): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let spec = state.catalog().kind(&kind).ok_or(ApiError::NotFound)?;
    let seal = seal_for(&state, &kind, &seal_id).await?;
    let (csrf, input): (Vec<_>, Vec<_>) = input.into_iter().partition(|(k, _)| k == "csrf");
    let csrf = csrf.into_iter().next().map(|(_, v)| v).unwrap_or_default();
    check_anon_csrf(&headers, &csrf)?;
    let fields: BTreeMap<String, String> = input.iter().cloned().collect();
    let sub = Submission {
        kind: kind.clone(),
        seal_id: seal_id.clone(),
        fields: service::from_form_pairs(spec, &input),
    };
    crate::web::limits::submission(&state, &client, &sub).await?;
    match service::submit(state.store(), state.catalog(), &sub).await {
        Ok(r) => {
            let tracking_url = format!(
                "{}/a/{}",
                state.services.public_url.trim_end_matches('/'),
                r.tracking_token
            );
            let html = render(
                "submitted.html",
                context! { number => r.number, access_code => r.access_code, tracking_url },
            )?;
            Ok((StatusCode::CREATED, html).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let mut field_errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for e in &errors {
                field_errors
                    .entry(e.field.clone())
                    .or_default()
                    .push(e.message.clone());
            }
            let error = format!("有 {} 处需要修改，请查看标红的项目", errors.len());
            let html = render(
                "form.html",
                context! { kind => spec, seal, csrf, values => fields, error, field_errors, rows => list_rows() },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn show_status(
    state: &AppState,
    a: &crate::domain::Application,
    download_url: String,
) -> Result<Response, PageError> {
    let app = service::view(state.store(), state.catalog(), a).await?;
    // The OFD twin, when the document has one (the same link, .ofd).
    let ofd_url = match a.document_id.as_deref() {
        Some(id)
            if !download_url.is_empty()
                && crate::store::document_ofd::exists(&state.store().pool, id).await? =>
        {
            Some(download_url.replace("/document.pdf", "/document.ofd"))
        }
        _ => None,
    };
    let mut resp = render("status.html", context! { app, download_url, ofd_url })?.into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

async fn status(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let a = service::by_tracking(state.store(), &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    show_status(&state, &a, format!("/a/{token}/document.pdf")).await
}

async fn download(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let a = service::by_tracking(state.store(), &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (d, pdf) = service::pdf_of(state.store(), &a)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(crate::web::download::pdf_response(&d.number, pdf))
}

async fn download_ofd(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let a = service::by_tracking(state.store(), &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let id = a.document_id.as_deref().ok_or(ApiError::NotFound)?;
    let d = crate::store::documents::get(&state.store().pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let ofd = crate::store::document_ofd::ofd(&state.store().pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(crate::web::download::ofd_response(&d.number, ofd))
}

async fn track_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, cookie) = anon_csrf(&state, &headers)?;
    Ok(with_cookie(
        render("track.html", context! { csrf, number => "" })?,
        cookie,
    ))
}

#[derive(Debug, serde::Deserialize)]
struct TrackForm {
    #[serde(default)]
    csrf: String,
    number: String,
    access_code: String,
}

async fn track(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageForm(f): PageForm<TrackForm>,
) -> Result<Response, PageError> {
    check_anon_csrf(&headers, &f.csrf)?;
    match crate::web::code_lookup::application(&state, &client, &f.number, &f.access_code).await {
        // The page has no secret link to offer for the download: the
        // resident downloads from the private link (or the QR landing).
        Ok(a) => show_status(&state, &a, String::new()).await,
        Err(ApiError::NotFound) => {
            let html = render(
                "track.html",
                context! { csrf => f.csrf, number => f.number, error => "申请编号或查询码不正确" },
            )?;
            Ok((StatusCode::NOT_FOUND, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
