//! Query strings are text a request carries too: each name and value is
//! checked for the characters no input may hold ([`super::text_input`])
//! before any handler or `Query` extractor sees it, with the same Chinese
//! 422 as a form field (JSON under `/api/`, a page elsewhere).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::pages::PageError;
use super::state::AppState;

/// Refuse a request whose query string holds a refused character.
pub(crate) async fn checked_query(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    // A query that does not decode is left to the route's extractor, which
    // answers it with its own 400.
    if let Some(query) = req.uri().query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        && let Err(e) = super::text_input::check_form(state.catalog(), &pairs)
    {
        return if req.uri().path().starts_with("/api/") {
            e.into_response()
        } else {
            PageError(e).into_response()
        };
    }
    next.run(req).await
}
