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

use super::issue::{IssueError, audit_seal_use, audit_sm2_seal_use};
use super::numbering;
use super::{code_digest, new_document_id, new_verification_code};
use crate::domain::{DocumentState, IssuedDocument};
use crate::ofd::sign::SealedOfd;
use crate::pades::{PadesLevel, SignedPdf};
use crate::seal::registry::{RegistryError, SigningMaterial, Sm2SigningMaterial};
use crate::store::document_ofd::{self, OfdRow};
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
    let cert_serial_hex = crate::pki::CertInfo::parse(&material.cert_der)
        .map_err(RegistryError::from)?
        .serial_hex;
    let stamped = Stamped {
        kind: SIGNED_FILE_KIND,
        input,
        pdf: &signed.bytes,
        file_sha256: hex::encode(crate::crypto::sha256(&signed.bytes)),
        level: level.as_str(),
        cert_serial_hex,
        signed_digest: Some(hex::encode(signed.signed_digest)),
        ofd: None,
    };
    record_stamped(store, material, &stamped, actor).await
}

/// `documents.kind` of a stamped outside OFD.
pub const SIGNED_OFD_KIND: &str = "signed_ofd";

/// What `documents.pades_level` says of a document that exists only as an
/// OFD: it carries a GB/T 38540 electronic signature, no PAdES one.
pub const SES_LEVEL: &str = "SES";

/// Record a stamped outside OFD (`sealed`, made from `input` with the
/// seal's SM2 identity `sm2`) as `actor`. Its documents row has no PDF
/// (an empty one) and the OFD's hash.
pub async fn record_signed_ofd(
    store: &Store,
    material: &SigningMaterial,
    sm2: &Sm2SigningMaterial,
    input: &[u8],
    sealed: &SealedOfd,
    actor: &str,
) -> Result<RecordedFile, IssueError> {
    let stamped = Stamped {
        kind: SIGNED_OFD_KIND,
        input,
        pdf: &[],
        file_sha256: hex::encode(crate::crypto::sha256(&sealed.bytes)),
        level: SES_LEVEL,
        cert_serial_hex: sm2.serial_hex.clone(),
        signed_digest: None,
        ofd: Some((sealed, sm2.serial_hex.as_str())),
    };
    record_stamped(store, material, &stamped, actor).await
}

/// A stamped file to record.
struct Stamped<'a> {
    kind: &'static str,
    input: &'a [u8],
    /// The signed PDF (empty for an OFD alone).
    pdf: &'a [u8],
    /// SHA-256 (hex) of the signed file.
    file_sha256: String,
    level: &'a str,
    cert_serial_hex: String,
    signed_digest: Option<String>,
    /// The sealed OFD and its SM2 cert's serial.
    ofd: Option<(&'a SealedOfd, &'a str)>,
}

async fn record_stamped(
    store: &Store,
    material: &SigningMaterial,
    s: &Stamped<'_>,
    actor: &str,
) -> Result<RecordedFile, IssueError> {
    let seal = &material.seal;
    let document_id = new_document_id()?;
    let code = new_verification_code()?;
    let fields = serde_json::json!({
        "input_sha256": hex::encode(crate::crypto::sha256(s.input)),
    });
    let ofd_row = s.ofd.map(|(o, serial)| OfdRow {
        document_id: document_id.clone(),
        ofd_sha256: s.file_sha256.clone(),
        data_hash: hex::encode(o.data_hash),
        sm2_cert_serial_hex: serial.to_string(),
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
            kind: s.kind.into(),
            holder: seal.holder.clone(),
            fields_json: fields.to_string(),
            code_sha256: code_digest(&code),
            pdf_sha256: s.file_sha256.clone(),
            pades_level: s.level.into(),
            cert_serial_hex: s.cert_serial_hex.clone(),
            issued_at: now.unix_timestamp(),
            issued_by: actor.into(),
            status: DocumentState::Issued,
            voided_at: None,
            void_reason: None,
            application_id: None,
            signed_digest: s.signed_digest.clone(),
        };
        let mut tx = store.begin_write().await?;
        if !numbering::claim(&mut tx, seal, &number).await? {
            continue;
        }
        documents::insert(&mut **tx, &row, s.pdf).await?;
        match (&ofd_row, s.ofd) {
            (Some(o), Some((sealed, _))) => {
                document_ofd::insert(&mut **tx, o, &sealed.bytes).await?;
                audit_sm2_seal_use(&mut tx, actor, &row, o, "sign").await?;
            }
            _ => audit_seal_use(&mut tx, actor, &row, "sign").await?,
        }
        tx.commit().await?;
        return Ok(RecordedFile {
            document_id,
            number: row.number,
            verification_code: code,
        });
    }
    Err(IssueError::Busy(seal.seal_id.to_string()))
}
