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
    CrlCache, Draft, IssueContext, IssueError, IssueRequest, Issued, IssuedOfd, Prepared,
    audit_key_uses, audit_seal_use, audit_sm2_seal_use, issue, key_use_details, prepare, record,
    seal_use_detail, seal_use_event, sign_draft,
};
pub use issuer::{Issuer, tsa_client};
pub use numbering::{SealTurns, peek_next};
pub use signed_file::{
    RecordedFile, SES_LEVEL, SIGNED_FILE_KIND, SIGNED_OFD_KIND, record_signed_file,
    record_signed_ofd,
};
