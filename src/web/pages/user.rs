//! The logged-in clerk or admin on the pages: the session cookie only, and
//! the session's CSRF token carried by every form as a hidden field. A
//! missing or expired session renders the login page (a [`PageError`]),
//! never JSON.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::PageError;
use crate::accounts::{self, Account};
use crate::web::auth::{SESSION_COOKIE, cookie, csrf_failed, same_secret};
use crate::web::{ApiError, AppState};

/// A logged-in clerk or admin on the pages.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub account: Account,
    pub csrf: String,
}

impl PageUser {
    pub fn check_csrf(&self, form_token: &str) -> Result<(), ApiError> {
        if same_secret(form_token, &self.csrf) {
            Ok(())
        } else {
            Err(csrf_failed())
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(c) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthenticated().into());
        };
        match accounts::session_account(state.store(), &c)
            .await
            .map_err(ApiError::from)?
        {
            Some((account, csrf)) => Ok(Self { account, csrf }),
            None => Err(ApiError::unauthenticated().into()),
        }
    }
}
