//! The records the service keeps, as the rest of the code sees them: the
//! store maps its rows into these by column name, states parsed into their
//! enums. No serialisers here: what leaves the service is a view type.

use super::{ApplicationStatus, DocumentState};

/// A resident's application (without the hashes of its secrets).
#[derive(Debug, Clone)]
pub struct Application {
    pub application_id: String,
    pub number: String,
    pub kind: String,
    pub seal_id: String,
    pub applicant_name: String,
    pub fields_json: String,
    pub status: ApplicationStatus,
    pub reject_reason: Option<String>,
    pub reviewed_by: Option<String>,
    pub document_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An issued document on record (its PDF is loaded separately).
#[derive(Debug, Clone)]
pub struct IssuedDocument {
    pub document_id: String,
    pub number: String,
    pub seal_id: String,
    pub year: i64,
    pub seq: i64,
    pub kind: String,
    pub holder: String,
    pub fields_json: String,
    pub code_sha256: String,
    pub pdf_sha256: String,
    pub pades_level: String,
    pub cert_serial_hex: String,
    pub issued_at: i64,
    pub issued_by: String,
    pub status: DocumentState,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    pub application_id: Option<String>,
    /// SHA-256 (hex) over the first signature's byte range.
    pub signed_digest: Option<String>,
}

