//! Finding applications and documents: by private link, by number and
//! code, the review queue, and what a reader may see.

use super::{ApplicationStatus, ServiceError, code_hash, token_hash};
use crate::accounts::Account;
use crate::domain::Application;
use crate::store::applications as apps;
use crate::domain::IssuedDocument;
use crate::store::documents;
use crate::store::Store;

/// The application behind a private tracking link.
pub async fn by_tracking(
    store: &Store,
    token: &str,
) -> Result<Option<Application>, ServiceError> {
    if token.len() > 64 {
        return Ok(None);
    }
    Ok(apps::by_tracking(&store.pool, &token_hash(token)).await?)
}

/// The application with this number and access code.
pub async fn by_code(
    store: &Store,
    number: &str,
    code: &str,
) -> Result<Option<Application>, ServiceError> {
    let number = number.trim();
    let code = code.trim().to_ascii_uppercase();
    if number.len() > 32 || code.len() > 16 {
        return Ok(None);
    }
    Ok(apps::by_number_and_code(&store.pool, number, &code_hash(number, &code)).await?)
}

/// The review queue: a clerk's seals, or everything for an admin.
pub async fn queue(
    store: &Store,
    account: &Account,
    status: Option<ApplicationStatus>,
) -> Result<Vec<Application>, ServiceError> {
    let seals = match account.role {
        crate::accounts::Role::Admin => None,
        crate::accounts::Role::Clerk => Some(account.seals.as_slice()),
    };
    Ok(apps::list(&store.pool, seals, status, 500).await?)
}

/// A document a reader may see.
pub async fn document_for(
    store: &Store,
    account: &Account,
    document_id: &str,
) -> Result<IssuedDocument, ServiceError> {
    let d = documents::get(&store.pool, document_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !account.can_read(&d.seal_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(d)
}

/// The PDF of the document issued for an application.
pub async fn pdf_of(
    store: &Store,
    a: &Application,
) -> Result<Option<(IssuedDocument, Vec<u8>)>, ServiceError> {
    let Some(id) = &a.document_id else {
        return Ok(None);
    };
    let Some(d) = documents::get(&store.pool, id).await? else {
        return Ok(None);
    };
    let Some(pdf) = documents::pdf(&store.pool, id).await? else {
        return Ok(None);
    };
    Ok(Some((d, pdf)))
}


/// A document a reader may see, with its sealed PDF.
pub async fn document_pdf(
    store: &Store,
    account: &Account,
    document_id: &str,
) -> Result<(IssuedDocument, Vec<u8>), ServiceError> {
    let d = document_for(store, account, document_id).await?;
    let pdf = documents::pdf(&store.pool, document_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((d, pdf))
}

/// The application a document was issued for, if any (whoever asks: an id
/// is all it tells).
pub async fn application_of(
    store: &Store,
    document_id: &str,
) -> Result<Option<Option<String>>, ServiceError> {
    Ok(documents::get(&store.pool, document_id)
        .await?
        .map(|d| d.application_id))
}
