//! The document registry as verification sees it: is a document on record,
//! in force, voided? Backs the verifier's [`Registry`] hook inside the
//! service, and the status endpoint (the document-level OCSP).

use crate::domain::DocumentState;
use crate::domain::IssuedDocument;
use crate::issuance::verification_code_matches;
use crate::store::documents;
use crate::store::{Store, StoreError};
use crate::verify::{Registry, RegistryQuery, RegistryStatus};

/// Where a document stands, as anyone holding it (with its code) may learn.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentStatus {
    /// `valid`, `voided` or `superseded`.
    pub status: String,
    pub number: String,
    pub kind: String,
    pub holder: String,
    pub seal_id: String,
    /// RFC 3339.
    pub issued_at: String,
    pub voided_at: Option<String>,
    pub void_reason: Option<String>,
    pub pades_level: String,
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

impl From<&IssuedDocument> for DocumentStatus {
    fn from(d: &IssuedDocument) -> Self {
        Self {
            status: if d.status == DocumentState::Voided {
                "voided"
            } else {
                "valid"
            }
            .into(),
            number: d.number.clone(),
            kind: d.kind.clone(),
            holder: d.holder.clone(),
            seal_id: d.seal_id.clone(),
            issued_at: rfc3339(d.issued_at),
            voided_at: d.voided_at.map(rfc3339),
            void_reason: d.void_reason.clone(),
            pades_level: d.pades_level.clone(),
        }
    }
}

/// The document with `id` if `code` is its verification code. A wrong code
/// and an unknown id give the same `None`.
pub async fn with_code(
    store: &Store,
    id: &str,
    code: &str,
) -> Result<Option<IssuedDocument>, StoreError> {
    if id.len() > 64 || code.is_empty() || code.len() > 16 {
        return Ok(None);
    }
    let code = code.trim().to_ascii_uppercase();
    Ok(documents::get(&store.pool, id)
        .await?
        .filter(|d| verification_code_matches(&code, &d.code_sha256)))
}

/// Look a verified file up: by the whole file's hash (a PDF, or an OFD
/// stamped alone), by the hash or first dataHash of an OFD twin, else by
/// the digest a PDF's first signature covers (later updates change the
/// file hash).
pub async fn lookup(
    store: &Store,
    q: &RegistryQuery,
) -> Result<Option<IssuedDocument>, StoreError> {
    if let Some(d) = documents::by_pdf_sha256(&store.pool, &hex::encode(q.file_sha256)).await? {
        return Ok(Some(d));
    }
    // An OFD twin: by its own hash, else by its first signature's dataHash
    // (a later seal changes the package's hash, not that).
    let data_hash = q.ofd_data_hash.map(hex::encode);
    if let Some(id) = crate::store::document_ofd::document_of(
        &store.pool,
        &hex::encode(q.file_sha256),
        data_hash.as_deref(),
    )
    .await?
    {
        return documents::get(&store.pool, &id).await;
    }
    match q.first_signed_revision_sha256 {
        Some(h) => documents::by_signed_digest(&store.pool, &hex::encode(h)).await,
        None => Ok(None),
    }
}

/// The registry answer for a document row.
pub fn status_of(d: &IssuedDocument) -> RegistryStatus {
    if d.status == DocumentState::Voided {
        RegistryStatus::Voided {
            document_number: d.number.clone(),
            at: d.voided_at.map(rfc3339).unwrap_or_default(),
            reason: d.void_reason.clone().unwrap_or_default(),
        }
    } else {
        RegistryStatus::OnRecord {
            document_number: d.number.clone(),
            kind: d.kind.clone(),
            seal_id: d.seal_id.clone(),
        }
    }
}

/// The store as the verifier's registry. The verifier is synchronous, so
/// this must be used off the async threads (inside `spawn_blocking`); it
/// drives its queries on `handle`. What it found is kept for the caller.
pub struct StoreRegistry {
    store: Store,
    handle: tokio::runtime::Handle,
    found: std::sync::Mutex<Option<IssuedDocument>>,
}

impl StoreRegistry {
    pub fn new(store: Store, handle: tokio::runtime::Handle) -> Self {
        Self {
            store,
            handle,
            found: std::sync::Mutex::new(None),
        }
    }
    /// The document row the last lookup found.
    pub fn found(&self) -> Option<IssuedDocument> {
        self.found.lock().ok().and_then(|g| g.clone())
    }
}

impl Registry for StoreRegistry {
    fn lookup(&self, query: &RegistryQuery) -> RegistryStatus {
        match self.handle.block_on(lookup(&self.store, query)) {
            Ok(Some(d)) => {
                let status = status_of(&d);
                if let Ok(mut g) = self.found.lock() {
                    *g = Some(d);
                }
                status
            }
            Ok(None) => RegistryStatus::NotFound,
            Err(e) => {
                tracing::warn!(error = %e, "registry lookup failed");
                RegistryStatus::Unavailable
            }
        }
    }
}

/// The sealed PDF of a document on record.
pub async fn pdf(store: &Store, d: &IssuedDocument) -> Result<Option<Vec<u8>>, StoreError> {
    documents::pdf(&store.pool, &d.document_id).await
}
