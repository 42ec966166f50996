//! What the application service hands out and takes in: the view types,
//! the only ones with serialisers.

use std::collections::BTreeMap;

use super::{ApplicationStatus, Catalog, ServiceError};
use crate::domain::DocumentState;
use crate::domain::IssuedDocument;
use crate::store::documents;
use crate::domain::Application;
use crate::store::{Store, StoreError};

/// What a resident submits.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Submission {
    pub kind: String,
    pub seal_id: String,
    /// Form values by field name (lists as arrays of objects).
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
}

/// What a resident receives after submitting: shown once.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub number: String,
    /// The secret of the private tracking link (192 bits).
    pub tracking_token: String,
    /// A short code that, with the number, also opens the status page.
    pub access_code: String,
}

/// An issued document as the service shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub document_id: String,
    pub number: String,
    pub status: DocumentState,
    pub issued_at: i64,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    pub pades_level: String,
}

impl From<&IssuedDocument> for DocumentView {
    fn from(d: &IssuedDocument) -> Self {
        Self {
            document_id: d.document_id.clone(),
            number: d.number.clone(),
            status: d.status,
            issued_at: d.issued_at,
            voided_at: d.voided_at,
            void_reason: d.void_reason.clone(),
            pades_level: d.pades_level.clone(),
        }
    }
}

/// An application with everything a resident (with its link) or a clerk of
/// its seal may see.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub application_id: String,
    pub number: String,
    pub kind: String,
    pub kind_title: String,
    pub seal_id: String,
    pub seal_holder: String,
    pub applicant_name: String,
    pub fields: BTreeMap<String, String>,
    pub status: ApplicationStatus,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub document: Option<DocumentView>,
}

/// The outcome of a walk-in issuance.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WalkIn {
    pub application_id: String,
    /// The resident's tracking link secret and access code (hand them over).
    pub receipt: Receipt,
    pub approval: Approval,
}

/// The outcome of an approval.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub document: DocumentView,
    /// True when this call found the document already issued (a retry).
    pub already_issued: bool,
}

/// Build the view of an application.
pub async fn view(
    store: &Store,
    catalog: &Catalog,
    a: &Application,
) -> Result<ApplicationView, ServiceError> {
    let status = a.status;
    let holder = crate::store::seals::get_seal(&store.pool, &a.seal_id)
        .await?
        .map(|s| s.holder)
        .unwrap_or_default();
    let document = match &a.document_id {
        Some(id) => documents::get(&store.pool, id)
            .await?
            .as_ref()
            .map(DocumentView::from),
        None => None,
    };
    let json: serde_json::Value =
        serde_json::from_str(&a.fields_json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let fields = match catalog.validate(&a.kind, &json) {
        Ok(filled) => filled.text,
        // Stored before a template changed: show the raw values.
        Err(_) => json
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(ApplicationView {
        application_id: a.application_id.clone(),
        number: a.number.clone(),
        kind: a.kind.clone(),
        kind_title: catalog
            .kind(&a.kind)
            .map(|k| k.title.clone())
            .unwrap_or_else(|| a.kind.clone()),
        seal_id: a.seal_id.clone(),
        seal_holder: holder,
        applicant_name: a.applicant_name.clone(),
        fields,
        status,
        status_label: status.label().into(),
        reject_reason: a.reject_reason.clone(),
        created_at: a.created_at,
        updated_at: a.updated_at,
        document,
    })
}

