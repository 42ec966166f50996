//! Issuing a document: allocate its number and identifiers, render, sign,
//! and record it, so that a document either exists whole (row, PDF, number)
//! or not at all.

mod identifiers;
mod issue;
mod issuer;
mod numbering;

pub use identifiers::{
    code_digest, new_document_id, new_verification_code, verification_code_matches,
};
pub use issue::{
    IssueContext, IssueError, IssueRequest, Issued, Prepared, issue, issue_in, prepare,
};
pub use issuer::{Issuer, tsa_client};
pub use numbering::allocate_number;
