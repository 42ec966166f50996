//! Lookups by a secret printed on paper (an application's access code, a
//! document's verification code), for the API and the pages alike. Each
//! wrong guess spends the client's budget; the budget is taken before the
//! lookup (atomic in the database, so concurrent guesses cannot slip
//! through) and a right code gives it back.

use std::future::Future;

use crate::domain::{Application, IssuedDocument};
use crate::web::client::Client;
use crate::web::{ApiError, AppState};

/// `?c=CODE` on a QR link.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct CodeQuery {
    /// The verification code printed on the document.
    #[serde(default)]
    pub c: String,
}

/// The application with this number and access code.
pub(crate) async fn application(
    state: &AppState,
    client: &Client,
    number: &str,
    code: &str,
) -> Result<Application, ApiError> {
    guarded(
        state,
        client,
        crate::application::by_code(state.store(), number, code),
    )
    .await
}

/// The issued document behind a QR link.
pub(crate) async fn document(
    state: &AppState,
    client: &Client,
    id: &str,
    code: &str,
) -> Result<IssuedDocument, ApiError> {
    guarded(
        state,
        client,
        crate::issuance::records::with_code(state.store(), id, code),
    )
    .await
}

/// `lookup` under the client's guess budget: 404 for a miss (an unknown
/// id and a wrong code look the same), the budget refunded on a hit.
async fn guarded<T, E>(
    state: &AppState,
    client: &Client,
    lookup: impl Future<Output = Result<Option<T>, E>>,
) -> Result<T, ApiError>
where
    ApiError: From<E>,
{
    let taken = state
        .limits
        .code
        .take(state.store(), &client.block())
        .await?;
    let found = lookup.await?.ok_or(ApiError::NotFound)?;
    taken.refund(state.store()).await?;
    Ok(found)
}
