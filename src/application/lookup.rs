//! Finding applications and documents: by private link, by number and
//! code, the review queue, and what a reader may see.

use super::{ApplicationStatus, ServiceError, code_hash, token_hash};
use crate::accounts::Account;
use crate::domain::Application;
use crate::domain::IssuedDocument;
use crate::store::Store;
use crate::store::applications as apps;
use crate::store::documents;

/// The application behind a private tracking link.
pub async fn by_tracking(store: &Store, token: &str) -> Result<Option<Application>, ServiceError> {
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

/// Most applications in one page of the queue.
pub const MAX_PAGE: i64 = 200;

/// One page of the review queue: a clerk's seals, or everything for an
/// admin, oldest first. `page` counts from 1.
pub async fn queue(
    store: &Store,
    account: &Account,
    status: Option<ApplicationStatus>,
    page: i64,
    per_page: i64,
) -> Result<Vec<Application>, ServiceError> {
    let per_page = per_page.clamp(1, MAX_PAGE);
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    Ok(apps::list(&store.pool, queue_seals(account), status, per_page, offset).await?)
}

/// Whether the installation has no application at all yet (the demo adds
/// its samples only then).
pub async fn none_yet(store: &Store) -> Result<bool, ServiceError> {
    Ok(apps::list(&store.pool, None, None, 1, 0).await?.is_empty())
}

fn queue_seals(account: &Account) -> Option<&[String]> {
    match account.role {
        crate::accounts::Role::Admin => None,
        crate::accounts::Role::Clerk => Some(account.seals.as_slice()),
    }
}

/// How many applications of the queue are in each status.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QueueCounts {
    pub submitted: i64,
    pub under_review: i64,
    pub issued: i64,
    pub rejected: i64,
}

impl QueueCounts {
    /// The count of one status (`None`: all).
    pub fn of(&self, status: Option<ApplicationStatus>) -> i64 {
        match status {
            Some(ApplicationStatus::Submitted) => self.submitted,
            Some(ApplicationStatus::UnderReview) => self.under_review,
            Some(ApplicationStatus::Issued) => self.issued,
            Some(ApplicationStatus::Rejected) => self.rejected,
            None => self.submitted + self.under_review + self.issued + self.rejected,
        }
    }
}

/// The number of applications per status in an account's queue.
pub async fn queue_counts(store: &Store, account: &Account) -> Result<QueueCounts, ServiceError> {
    let mut c = QueueCounts::default();
    for (status, n) in apps::counts(&store.pool, queue_seals(account)).await? {
        match ApplicationStatus::parse(&status) {
            Some(ApplicationStatus::Submitted) => c.submitted = n,
            Some(ApplicationStatus::UnderReview) => c.under_review = n,
            Some(ApplicationStatus::Issued) => c.issued = n,
            Some(ApplicationStatus::Rejected) => c.rejected = n,
            None => {}
        }
    }
    Ok(c)
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

/// A document's OFD twin, for an account that may see the document; 404
/// when the document has none (issued before OFD twins, or by a seal
/// without an SM2 identity).
pub async fn document_ofd(
    store: &Store,
    account: &Account,
    document_id: &str,
) -> Result<(IssuedDocument, Vec<u8>), ServiceError> {
    let d = document_for(store, account, document_id).await?;
    let ofd = crate::store::document_ofd::ofd(&store.pool, document_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((d, ofd))
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
