//! Clerk pages: login, the review queue, one application with its actions.
//! Every form carries the session's CSRF token.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;

use super::PageUser;
use super::{PageError, PageForm, render};
use crate::accounts;
use crate::application::{self as service, ApplicationStatus, ServiceError};
use crate::web::auth::{self, SESSION_COOKIE, anon_csrf, check_anon_csrf};
use crate::web::client::ClientAddr;
use crate::web::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clerk/login", get(login_form).post(login))
        .route("/clerk/logout", post(logout))
        .route("/clerk", get(queue))
        .route("/clerk/reject-selected", post(reject_selected))
        .route("/clerk/applications/{id}", get(application))
        .route("/clerk/applications/{id}/{action}", post(act))
        .route("/clerk/documents/{id}/pdf", get(pdf))
        .route("/clerk/documents/{id}/void", post(void))
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, cookie) = anon_csrf(&state, &headers)?;
    let mut resp = render("login.html", context! { csrf })?.into_response();
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    check_anon_csrf(&headers, &f.csrf)?;
    match crate::web::login::password(&state, &client, f.username.trim(), &f.password).await {
        Ok((_, cookie, _)) => {
            let mut resp = Redirect::to("/clerk").into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                auth::set_cookie(&state, SESSION_COOKIE, &cookie, accounts::SESSION_SECS),
            );
            Ok(resp)
        }
        Err(
            e @ (ApiError::Unauthorized { .. }
            | ApiError::TooManyRequests { .. }
            | ApiError::Busy { .. }),
        ) => {
            let status = e.status();
            let html = render(
                "login.html",
                context! { csrf => f.csrf, error => e.body().message },
            )?;
            Ok((status, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: PageUser,
    headers: HeaderMap,
    PageForm(f): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    if let Some(c) = auth::cookie(&headers, SESSION_COOKIE) {
        accounts::end_session(state.store(), &c).await?;
    }
    let mut resp = Redirect::to("/clerk/login").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(resp)
}

#[derive(Debug, serde::Deserialize)]
struct QueueQuery {
    status: Option<String>,
    page: Option<i64>,
}

/// Applications per page of the clerk's queue.
const PAGE: i64 = 50;

async fn queue(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    queue_page(
        &state,
        &user,
        q.status.as_deref(),
        q.page.unwrap_or(1),
        None,
    )
    .await
}

async fn queue_page(
    state: &AppState,
    user: &PageUser,
    status_filter: Option<&str>,
    page: i64,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let status = status_filter.and_then(ApplicationStatus::parse);
    let counts = service::queue_counts(state.store(), &user.account).await?;
    let total = counts.of(status);
    let pages = ((total + PAGE - 1) / PAGE).max(1);
    let page = page.clamp(1, pages);
    let rows = service::queue(state.store(), &user.account, status, page, PAGE).await?;
    let mut apps = Vec::with_capacity(rows.len());
    for r in &rows {
        apps.push(service::view(state.store(), state.catalog(), r).await?);
    }
    let filters = [
        ("submitted", "待受理", counts.submitted),
        ("under_review", "审核中", counts.under_review),
        ("issued", "已出具", counts.issued),
        ("rejected", "未通过", counts.rejected),
        ("", "全部", counts.of(None)),
    ];
    let can_reject = user.account.role == crate::accounts::Role::Clerk
        && matches!(
            status,
            Some(ApplicationStatus::Submitted | ApplicationStatus::UnderReview) | None
        );
    Ok(render(
        "clerk_queue.html",
        context! {
            account => user.account, csrf => user.csrf, apps, filters, total, page, pages,
            status => status.map(ApplicationStatus::as_str).unwrap_or(""), can_reject, notice,
        },
    )?
    .into_response())
}

/// Reject the ticked applications of a queue page with one reason.
async fn reject_selected(
    State(state): State<AppState>,
    user: PageUser,
    PageForm(input): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| {
        input
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    user.check_csrf(&get("csrf"))?;
    let ids: Vec<String> = input
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    let status = get("status");
    let page = get("page").parse().unwrap_or(1);
    let notice =
        match service::reject_many(state.store(), &user.account, &ids, &get("reason")).await {
            Ok(r) => format!("已驳回 {} 件申请", r.rejected.len()),
            Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
                ApiError::from(e).body().message
            }
            Err(e) => return Err(e.into()),
        };
    queue_page(&state, &user, Some(&status), page, Some(notice)).await
}

async fn show(
    state: &AppState,
    user: &PageUser,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let row = service::get_readable(state.store(), &user.account, id).await?;
    let app = service::view(state.store(), state.catalog(), &row).await?;
    let fields = state
        .catalog()
        .kind(&row.kind)
        .map(|k| k.fields.clone())
        .unwrap_or_default();
    let can_act = user.account.can_act(&row.seal_id);
    let html = render(
        "clerk_application.html",
        context! { app, fields, can_act, csrf => user.csrf.clone(), error },
    )?;
    Ok((status, html).into_response())
}

async fn application(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show(&state, &user, &id, None, StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    application_id: String,
}

async fn act(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(String, String)>,
    PageForm(f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let store = state.store();
    let result = match action.as_str() {
        "accept" => service::accept(store, &user.account, &id).await,
        "approve" => service::approve(store, &state.services.issuer, &user.account, &id)
            .await
            .map(|_| ()),
        "reject" => service::reject(store, &user.account, &id, &f.reason).await,
        _ => return Err(ApiError::NotFound.into()),
    };
    after_action(&state, &user, &id, result).await
}

async fn after_action(
    state: &AppState,
    user: &PageUser,
    id: &str,
    result: Result<(), ServiceError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/clerk/applications/{id}")).into_response()),
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_) | ServiceError::Issue(_)),
        ) => {
            let e = ApiError::from(e);
            let status = e.status();
            show(state, user, id, Some(e.body().message), status).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn void(
    State(state): State<AppState>,
    user: PageUser,
    Path(document_id): Path<String>,
    PageForm(f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let r = service::void(state.store(), &user.account, &document_id, &f.reason)
        .await
        .map(|_| ());
    let app_id = match service::application_of(state.store(), &document_id).await? {
        Some(a) => a.unwrap_or(f.application_id),
        None => return Err(ApiError::NotFound.into()),
    };
    after_action(&state, &user, &app_id, r).await
}

async fn pdf(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (d, pdf) = service::document_pdf(state.store(), &user.account, &id).await?;
    Ok(crate::web::download::pdf_response(&d.number, pdf))
}
