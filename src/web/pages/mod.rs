//! Server-rendered pages in Simplified Chinese, mobile-first (they work on
//! a 375 px wide phone). Templates are compiled into the binary
//! (`src/web/templates/`) and auto-escaped.

mod clerk;
mod resident;
mod user;
mod verify;

pub use user::PageUser;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Environment;

use super::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(resident::router())
        .merge(clerk::router())
        .merge(verify::router())
}

fn datetime(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .map(|d| d.to_offset(time::macros::offset!(+8)))
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_default()
}

macro_rules! templates {
    ($env:ident, $($name:literal),*) => {
        $( $env.add_template($name, include_str!(concat!("../templates/", $name)))?; )*
    };
}

fn build_env() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.add_filter("datetime", datetime);
    templates!(
        env,
        "base.html",
        "index.html",
        "seals.html",
        "form.html",
        "submitted.html",
        "status.html",
        "track.html",
        "error.html",
        "login.html",
        "clerk_queue.html",
        "clerk_application.html",
        "verify.html",
        "landing.html"
    );
    Ok(env)
}

fn env() -> Result<&'static Environment<'static>, ApiError> {
    static ENV: std::sync::OnceLock<Result<Environment<'static>, String>> =
        std::sync::OnceLock::new();
    ENV.get_or_init(|| build_env().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("templates: {e}")))
}

/// Render a template to HTML.
pub fn render(name: &str, ctx: minijinja::Value) -> Result<Html<String>, ApiError> {
    let t = env()?.get_template(name).map_err(ApiError::internal)?;
    t.render(ctx).map(Html).map_err(ApiError::internal)
}

/// An error on a page: the same errors as the API, shown as HTML; "not
/// logged in" sends the clerk to the login page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl<E> From<E> for PageError
where
    ApiError: From<E>,
    E: NotApiError,
{
    fn from(e: E) -> Self {
        Self(ApiError::from(e))
    }
}

/// Marker for the error types convertible into [`ApiError`] (keeps the
/// blanket conversion above from overlapping `From<ApiError>`).
pub trait NotApiError {}
impl NotApiError for crate::application::ServiceError {}
impl NotApiError for crate::accounts::AccountError {}
impl NotApiError for crate::store::StoreError {}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if matches!(
            e,
            ApiError::Unauthorized {
                code: "unauthenticated",
                ..
            }
        ) {
            return Redirect::to("/clerk/login").into_response();
        }
        let status = e.status();
        let title = match status {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
            s if s.is_server_error() => "服务暂时不可用",
            _ => "请求有误",
        };
        let body = e.body();
        if status.is_server_error() {
            // Logs the cause (ApiError's IntoResponse does the logging).
            let _ = e.into_response();
        }
        match render(
            "error.html",
            minijinja::context! { title, message => body.message },
        ) {
            Ok(html) => (status, html).into_response(),
            Err(_) => (status, body.message).into_response(),
        }
    }
}

/// `Form<T>` whose rejections are [`PageError`]s; every name and value is
/// checked for control characters first ([`crate::web::text_input`]).
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let bad_form = || {
            PageError(ApiError::bad_request(
                "invalid_form",
                "表单内容不完整或格式不正确，请返回重新填写",
            ))
        };
        let axum::extract::RawForm(bytes) = axum::extract::RawForm::from_request(req, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => PageError(ApiError::PayloadTooLarge),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => PageError(ApiError::UnsupportedMediaType),
                _ => bad_form(),
            })?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        crate::web::text_input::check_form(state.catalog(), &pairs).map_err(PageError)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| bad_form())
    }
}

/// The fallback for unknown paths: JSON under `/api/`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound.into_response()
    } else {
        PageError(ApiError::NotFound).into_response()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_compiles() {
        super::build_env().unwrap();
    }

    #[test]
    fn dates_show_in_beijing_time() {
        assert_eq!(super::datetime(0), "1970-01-01 08:00");
    }
}
