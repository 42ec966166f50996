//! A PDF from outside stamped with a seal (`eseal sign`), recorded like an
//! issued document: it takes the seal's next number, is stored with its
//! hash, the digest its signature covers and a verification code, and its
//! `seal.use` is audited in the same transaction. So the verifier finds it
//! in the registry, `eseal audit verify` accounts for it, and it can be
//! voided like any other document.
//!
//! Its number is not printed in the file (the PDF is only appended to), so
//! when another process takes the number first the record simply takes the
//! next one; nothing is signed again.

use time::OffsetDateTime;

use super::issue::{IssueError, audit_seal_use};
use super::numbering;
use super::{code_digest, new_document_id, new_verification_code};
use crate::domain::{DocumentState, IssuedDocument};
use crate::pades::{PadesLevel, SignedPdf};
use crate::seal::registry::{RegistryError, SigningMaterial};
use crate::store::{Store, documents};

/// `documents.kind` of a stamped outside PDF (no template: its fields are
/// the input's hash).
pub const SIGNED_FILE_KIND: &str = "signed_pdf";

/// Attempts at taking a number that other processes keep taking first.
const MAX_ATTEMPTS: usize = 8;

/// A stamped file on record.
#[derive(Debug, Clone)]
pub struct RecordedFile {
    pub document_id: String,
    pub number: String,
    /// Not printed in the file: its holder checks its status with it.
    pub verification_code: String,
}

/// Record `signed` (made from `input` with `material`'s seal at `level`)
/// as `actor`.
pub async fn record_signed_file(
    store: &Store,
    material: &SigningMaterial,
    input: &[u8],
    signed: &SignedPdf,
    level: PadesLevel,
    actor: &str,
) -> Result<RecordedFile, IssueError> {
    let seal = &material.seal;
    let cert_serial_hex = crate::pki::CertInfo::parse(&material.cert_der)
        .map_err(RegistryError::from)?
        .serial_hex;
    let document_id = new_document_id()?;
    let code = new_verification_code()?;
    let pdf_sha256 = hex::encode(crate::crypto::sha256(&signed.bytes));
    let fields = serde_json::json!({
        "input_sha256": hex::encode(crate::crypto::sha256(input)),
    });
    for _ in 0..MAX_ATTEMPTS {
        // Numbers and dates follow Beijing time, as issued documents'.
        let now = OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
        let number = numbering::peek_next(store, seal, now.year()).await?;
        let row = IssuedDocument {
            document_id: document_id.clone(),
            number: number.to_string(),
            seal_id: seal.seal_id.to_string(),
            year: i64::from(now.year()),
            seq: number.seq,
            kind: SIGNED_FILE_KIND.into(),
            holder: seal.holder.clone(),
            fields_json: fields.to_string(),
            code_sha256: code_digest(&code),
            pdf_sha256: pdf_sha256.clone(),
            pades_level: level.as_str().into(),
            cert_serial_hex: cert_serial_hex.clone(),
            issued_at: now.unix_timestamp(),
            issued_by: actor.into(),
            status: DocumentState::Issued,
            voided_at: None,
            void_reason: None,
            application_id: None,
            signed_digest: Some(hex::encode(signed.signed_digest)),
        };
        let mut tx = store.begin_write().await?;
        if !numbering::claim(&mut tx, seal, &number).await? {
            continue;
        }
        documents::insert(&mut **tx, &row, &signed.bytes).await?;
        audit_seal_use(&mut tx, actor, &row, "sign").await?;
        tx.commit().await?;
        return Ok(RecordedFile {
            document_id,
            number: row.number,
            verification_code: code,
        });
    }
    Err(IssueError::Busy(seal.seal_id.to_string()))
}
