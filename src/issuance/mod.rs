//! Issuing a document: its identifiers, rendering and signing off the async
//! threads, and recording it with its number, so that a document either
//! exists whole (row, PDF, number) or not at all.

mod identifiers;
mod issue;
mod issuer;
mod numbering;
pub mod records;
mod signed_file;

pub use identifiers::{
    code_digest, new_document_id, new_verification_code, verification_code_matches,
};
pub use issue::{
    Draft, IssueContext, IssueError, IssueRequest, Issued, Prepared, audit_seal_use, issue,
    seal_use_detail, seal_use_event,
    prepare, record, sign_draft,
};
pub use issuer::{Issuer, tsa_client};
pub use numbering::{SealTurns, peek_next};
pub use signed_file::{RecordedFile, SIGNED_FILE_KIND, record_signed_file};
