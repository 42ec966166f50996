//! Residents' applications and their review: submit, track, accept, approve
//! (which issues the document), reject, void.
//!
//! Every state change appends to the audit log in the same transaction, and
//! follows the one table of moves in [`crate::domain::state`].
//! Approval is idempotent: the application row is claimed by a conditional
//! UPDATE, and `documents.application_id` is unique, so a double click, a
//! retry or two clerks approving together issue exactly one document.

mod access;
mod approve;
pub mod form;
mod lookup;
mod review;
mod submit;
mod views;

use crate::crypto::{random_bytes, sha256};
use crate::document::FieldError;
use crate::domain::SealLevel;
use crate::issuance::IssueError;
use crate::seal::registry;
use crate::store::StoreError;

pub use crate::domain::ApplicationStatus;
pub use access::get_readable;
pub use approve::approve;
pub use form::{Catalog, FieldView, KindSpec, from_form_pairs};
pub use lookup::{
    MAX_PAGE, QueueCounts, application_of, by_code, by_tracking, document_for, document_ofd,
    document_pdf, none_yet, pdf_of, queue, queue_counts,
};
pub use review::{BulkRejected, MAX_BULK, accept, reject, reject_many, void};
pub use submit::{issue_walk_in, submit};
pub use views::{ApplicationView, Approval, DocumentView, Receipt, Submission, WalkIn, view};

/// Errors of the application service, each mapping to one HTTP answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("not permitted for this seal")]
    Forbidden,
    #[error("unknown document kind")]
    UnknownKind,
    #[error("this seal may not issue this kind of document")]
    SealNotEligible,
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("random number generator failed")]
    Rng,
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}
impl From<crate::crypto::CryptoError> for ServiceError {
    fn from(_: crate::crypto::CryptoError) -> Self {
        Self::Rng
    }
}
impl From<registry::RegistryError> for ServiceError {
    fn from(e: registry::RegistryError) -> Self {
        match e {
            registry::RegistryError::Store(s) => Self::Store(s),
            registry::RegistryError::UnknownSeal(_) => Self::NotFound,
            other => Self::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}

fn beijing_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8))
}

fn code_hash(number: &str, code: &str) -> String {
    hex::encode(sha256(format!("{number}:{code}").as_bytes()))
}

fn token_hash(token: &str) -> String {
    hex::encode(sha256(token.as_bytes()))
}

fn digits(n: usize) -> Result<String, ServiceError> {
    let mut out = String::new();
    while out.len() < n {
        for b in random_bytes(2 * n)? {
            if b < 250 && out.len() < n {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    Ok(out)
}

/// The level names residents see.
pub fn level_label(l: SealLevel) -> &'static str {
    match l {
        SealLevel::District => "区级",
        SealLevel::Town => "镇（街道）",
        SealLevel::Village => "村（社区）",
    }
}
