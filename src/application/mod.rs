//! Residents' applications and their review: submit, track, accept, approve
//! (which issues the document), reject, void.
//!
//! Every state change appends to the audit chain in the same transaction.
//! Approval is idempotent: the application row is claimed by a conditional
//! UPDATE, and `documents.application_id` is unique, so a double click, a
//! retry or two clerks approving together issue exactly one document.

pub mod form;

use std::collections::BTreeMap;

use crate::accounts::Account;
use crate::audit::{self, Event};
use crate::crypto::{random_bytes, random_token, sha256};
use crate::document::FieldError;
use crate::domain::{SealId, SealLevel};
use crate::issuance::{self, IssueError, IssueRequest, Issuer, new_verification_code};
use crate::seal::{Seal, SealStatus, registry};
use crate::store::applications::{self as apps, ApplicationRow};
use crate::store::documents::{self, DocumentRow};
use crate::store::{Store, StoreError, now_unix};
pub use form::{Catalog, FieldView, KindSpec, from_form_pairs};

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

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    UnderReview,
    Issued,
    Rejected,
}

impl Status {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted" => Self::Submitted,
            "under_review" => Self::UnderReview,
            "issued" => Self::Issued,
            "rejected" => Self::Rejected,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::UnderReview => "under_review",
            Self::Issued => "issued",
            Self::Rejected => "rejected",
        }
    }
    /// The label residents see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "已提交，等待受理",
            Self::UnderReview => "审核中",
            Self::Issued => "已出具",
            Self::Rejected => "未通过",
        }
    }
}

impl Catalog {
    /// Active seals whose level may issue `kind`, optionally filtered by a
    /// name fragment (village, town or holder), at most `limit`.
    pub async fn eligible_seals(
        &self,
        store: &Store,
        kind: &str,
        query: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Seal>, ServiceError> {
        let spec = self.kind(kind).ok_or(ServiceError::UnknownKind)?;
        let q = query.map(str::trim).filter(|q| !q.is_empty());
        let seals = registry::list(store, None).await?;
        Ok(seals
            .into_iter()
            .filter(|s| s.status == SealStatus::Active && spec.levels.contains(&s.level))
            .filter(|s| match q {
                None => true,
                Some(q) => {
                    s.holder.contains(q)
                        || s.town.contains(q)
                        || s.village.as_deref().is_some_and(|v| v.contains(q))
                }
            })
            .take(limit)
            .collect())
    }
}

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
    /// `issued` or `voided`.
    pub status: String,
    pub issued_at: i64,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    pub pades_level: String,
}

impl From<&DocumentRow> for DocumentView {
    fn from(d: &DocumentRow) -> Self {
        Self {
            document_id: d.document_id.clone(),
            number: d.number.clone(),
            status: d.status.clone(),
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
    pub status: Status,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub document: Option<DocumentView>,
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

/// Refuse, at submission, characters the document font cannot draw, so a
/// resident learns it now rather than a clerk at approval.
fn check_printable(
    catalog: &Catalog,
    spec: &KindSpec,
    filled: &crate::document::Filled,
) -> Result<(), ServiceError> {
    let font = catalog
        .font()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut errors = Vec::new();
    for f in &spec.fields {
        let Some(text) = filled.text.get(&f.name) else {
            continue;
        };
        if let Err(crate::font::FontError::Uncovered { chars }) = font.check(text) {
            let shown: Vec<String> = chars
                .iter()
                .map(|c| format!("「{c}」（U+{:04X}）", *c as u32))
                .collect();
            errors.push(FieldError {
                field: f.name.clone(),
                label: f.label.clone(),
                message: format!(
                    "字库中没有{}，无法打印在证明上，请改用通用规范汉字或到窗口办理",
                    shown.join("、")
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// Submit an application. Validates the form against the kind, checks the
/// seal may issue it, stores it and audits it.
pub async fn submit(
    store: &Store,
    catalog: &Catalog,
    sub: &Submission,
) -> Result<Receipt, ServiceError> {
    submit_as(store, catalog, sub, "resident").await
}

/// A walk-in issuance: the clerk fills in the form for a resident at the
/// counter and issues at once. The application is recorded (with the
/// resident's tracking link and code, to hand over) and approved.
pub async fn issue_walk_in(
    store: &Store,
    catalog: &Catalog,
    issuer: &Issuer,
    account: &Account,
    sub: &Submission,
) -> Result<WalkIn, ServiceError> {
    if !account.can_act(&sub.seal_id) {
        return Err(deny(store, account, "walk_in", &sub.seal_id, None, None).await);
    }
    let receipt = submit_as(store, catalog, sub, &account.actor()).await?;
    let a = apps::by_tracking(&store.pool, &token_hash(&receipt.tracking_token))
        .await?
        .ok_or(ServiceError::NotFound)?;
    let approval = approve(store, issuer, account, &a.application_id).await?;
    Ok(WalkIn {
        application_id: a.application_id,
        receipt,
        approval,
    })
}

/// The outcome of a walk-in issuance.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WalkIn {
    pub application_id: String,
    /// The resident's tracking link secret and access code (hand them over).
    pub receipt: Receipt,
    pub approval: Approval,
}

async fn submit_as(
    store: &Store,
    catalog: &Catalog,
    sub: &Submission,
    actor: &str,
) -> Result<Receipt, ServiceError> {
    let spec = catalog.kind(&sub.kind).ok_or(ServiceError::UnknownKind)?;
    let seal_id = SealId::parse(&sub.seal_id).map_err(|_| ServiceError::NotFound)?;
    let seal = match registry::show(store, seal_id.as_str()).await {
        Ok((s, _)) => s,
        Err(registry::RegistryError::UnknownSeal(_)) => return Err(ServiceError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if seal.status != SealStatus::Active || !spec.levels.contains(&seal.level) {
        return Err(ServiceError::SealNotEligible);
    }
    let filled = catalog
        .validate(&spec.kind, &sub.fields)
        .map_err(ServiceError::Invalid)?;
    check_printable(catalog, spec, &filled)?;
    let applicant = filled
        .text
        .get(form::APPLICANT_NAME)
        .cloned()
        .unwrap_or_default();
    let fields_json = filled.json.to_string();
    let tracking_token = random_token(24)?;
    // Same alphabet and length as the documents' verification codes.
    let access_code = new_verification_code()?;
    let application_id = random_token(16)?;
    let today = beijing_now().date();
    for _attempt in 0..5 {
        let number = format!(
            "SQ{:04}{:02}{:02}{}",
            today.year(),
            u8::from(today.month()),
            today.day(),
            digits(8)?
        );
        let now = now_unix();
        let row = ApplicationRow {
            application_id: application_id.clone(),
            number: number.clone(),
            kind: spec.kind.clone(),
            seal_id: seal_id.to_string(),
            applicant_name: applicant.clone(),
            fields_json: fields_json.clone(),
            status: Status::Submitted.as_str().into(),
            reject_reason: None,
            reviewed_by: None,
            document_id: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = store.begin_write().await?;
        match apps::insert(
            &mut tx,
            &row,
            &token_hash(&tracking_token),
            &code_hash(&number, &access_code),
        )
        .await
        {
            Ok(()) => {}
            Err(StoreError::Db(sqlx::Error::Database(e))) if e.is_unique_violation() => continue,
            Err(e) => return Err(e.into()),
        }
        let detail = format!("kind={}", spec.kind);
        audit::append(
            &mut tx,
            &Event {
                actor,
                action: "application.submit",
                seal_id: Some(seal_id.as_str()),
                application_id: Some(&application_id),
                detail: &detail,
                ..Default::default()
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Receipt {
            number,
            tracking_token,
            access_code,
        });
    }
    Err(ServiceError::Conflict("无法分配申请编号，请重试"))
}

/// The application behind a private tracking link.
pub async fn by_tracking(
    store: &Store,
    token: &str,
) -> Result<Option<ApplicationRow>, ServiceError> {
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
) -> Result<Option<ApplicationRow>, ServiceError> {
    let number = number.trim();
    let code = code.trim().to_ascii_uppercase();
    if number.len() > 32 || code.len() > 16 {
        return Ok(None);
    }
    Ok(apps::by_number_and_code(&store.pool, number, &code_hash(number, &code)).await?)
}

/// Build the view of an application.
pub async fn view(
    store: &Store,
    catalog: &Catalog,
    a: &ApplicationRow,
) -> Result<ApplicationView, ServiceError> {
    let status = Status::parse(&a.status)
        .ok_or_else(|| StoreError::Corrupt(format!("status {}", a.status)))?;
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

/// The review queue: a clerk's seals, or everything for an admin.
pub async fn queue(
    store: &Store,
    account: &Account,
    status: Option<Status>,
) -> Result<Vec<ApplicationRow>, ServiceError> {
    let seals = match account.role {
        crate::accounts::Role::Admin => None,
        crate::accounts::Role::Clerk => Some(account.seals.as_slice()),
    };
    Ok(apps::list(&store.pool, seals, status.map(Status::as_str), 500).await?)
}

/// Record a refused attempt on another seal's application or document.
async fn deny(
    store: &Store,
    account: &Account,
    action: &str,
    seal_id: &str,
    application_id: Option<&str>,
    document_id: Option<&str>,
) -> ServiceError {
    let actor = account.actor();
    let action = format!("denied.{action}");
    let event = Event {
        actor: &actor,
        action: &action,
        seal_id: Some(seal_id),
        application_id,
        document_id,
        detail: "",
    };
    match audit::append_alone(store, &event).await {
        Ok(_) => ServiceError::Forbidden,
        Err(e) => ServiceError::Store(e),
    }
}

/// An application a reader may see.
pub async fn get_readable(
    store: &Store,
    account: &Account,
    id: &str,
) -> Result<ApplicationRow, ServiceError> {
    let a = apps::get(&store.pool, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !account.can_read(&a.seal_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(a)
}

async fn get_actionable(
    store: &Store,
    account: &Account,
    id: &str,
    action: &str,
) -> Result<ApplicationRow, ServiceError> {
    let a = apps::get(&store.pool, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !account.can_act(&a.seal_id) {
        return Err(deny(
            store,
            account,
            action,
            &a.seal_id,
            Some(&a.application_id),
            None,
        )
        .await);
    }
    Ok(a)
}

/// Accept an application for review (submitted → under review).
pub async fn accept(store: &Store, account: &Account, id: &str) -> Result<(), ServiceError> {
    let a = get_actionable(store, account, id, "accept").await?;
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !apps::transition(
        &mut tx,
        id,
        &["submitted"],
        "under_review",
        &account.username,
        None,
        now,
    )
    .await?
    {
        return match Status::parse(&a.status) {
            Some(Status::UnderReview) => Ok(()),
            _ => Err(ServiceError::Conflict("该申请已处理，不能再受理")),
        };
    }
    let actor = account.actor();
    audit::append(
        &mut tx,
        &Event {
            actor: &actor,
            action: "application.accept",
            seal_id: Some(&a.seal_id),
            application_id: Some(id),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn reason_error(message: &str) -> ServiceError {
    ServiceError::Invalid(vec![FieldError {
        field: "reason".into(),
        label: "原因".into(),
        message: message.into(),
    }])
}

/// Reject an application with a reason the resident will see.
pub async fn reject(
    store: &Store,
    account: &Account,
    id: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(reason_error("请填写不通过的原因（不超过 200 字）"));
    }
    let a = get_actionable(store, account, id, "reject").await?;
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !apps::transition(
        &mut tx,
        id,
        &["submitted", "under_review"],
        "rejected",
        &account.username,
        Some(reason),
        now,
    )
    .await?
    {
        return Err(ServiceError::Conflict("该申请已处理，不能再驳回"));
    }
    let actor = account.actor();
    audit::append(
        &mut tx,
        &Event {
            actor: &actor,
            action: "application.reject",
            seal_id: Some(&a.seal_id),
            application_id: Some(id),
            detail: reason,
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The outcome of an approval.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub document: DocumentView,
    /// True when this call found the document already issued (a retry).
    pub already_issued: bool,
}

async fn existing_document(store: &Store, id: &str) -> Result<Option<DocumentRow>, ServiceError> {
    let a = apps::get(&store.pool, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    match a.document_id {
        Some(d) => Ok(documents::get(&store.pool, &d).await?),
        None => Ok(None),
    }
}

/// Approve an application: issue its document exactly once.
///
/// Runs in one transaction: claim the application (conditional UPDATE),
/// take the seal's next number, render, stamp and sign, store the document,
/// append `application.approve` and `seal.use`. Any failure rolls
/// everything back; a crash leaves the application as it was.
pub async fn approve(
    store: &Store,
    issuer: &Issuer,
    account: &Account,
    id: &str,
) -> Result<Approval, ServiceError> {
    let a = get_actionable(store, account, id, "approve").await?;
    if let Some(doc_id) = &a.document_id
        && let Some(d) = documents::get(&store.pool, doc_id).await?
    {
        return Ok(Approval {
            document: DocumentView::from(&d),
            already_issued: true,
        });
    }
    if a.status == Status::Rejected.as_str() {
        return Err(ServiceError::Conflict("该申请已驳回，不能再出具"));
    }
    let fields: serde_json::Value =
        serde_json::from_str(&a.fields_json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let document_id = crate::issuance::new_document_id()?;
    let req = IssueRequest {
        seal_id: a.seal_id.clone(),
        kind: a.kind.clone(),
        fields,
        level: issuer.level,
        issued_by: account.username.clone(),
        application_id: Some(id.to_string()),
        document_id: Some(document_id.clone()),
    };
    let ctx = issuer.context();
    let prepared = issuance::prepare(&ctx, &req).await?;
    // One issuance of this seal at a time in this process; then sign outside
    // any transaction and record briefly (see `issuance::numbering`).
    let _turn = issuer.turns.take(&a.seal_id).await;
    let mut attempts = 0;
    let (mut tx, issued, row, now) = loop {
        attempts += 1;
        if attempts > 8 {
            return Err(IssueError::Busy(a.seal_id.clone()).into());
        }
        if let Some(d) = existing_document(store, id).await? {
            return Ok(Approval {
                document: DocumentView::from(&d),
                already_issued: true,
            });
        }
        let draft = issuance::sign_draft(&ctx, &req, &prepared).await?;
        let now = now_unix();
        let mut tx = store.begin_write().await?;
        if !apps::transition_with_document(
            &mut tx,
            id,
            &["submitted", "under_review"],
            "issued",
            &account.username,
            None,
            Some(&document_id),
            now,
        )
        .await?
        {
            drop(tx);
            return match existing_document(store, id).await? {
                Some(d) => Ok(Approval {
                    document: DocumentView::from(&d),
                    already_issued: true,
                }),
                None => Err(ServiceError::Conflict("该申请已处理")),
            };
        }
        match issuance::record(&mut tx, draft).await? {
            Some((issued, row)) => break (tx, issued, row, now),
            // Another process took the number: sign again with the next.
            None => drop(tx),
        }
    };
    let actor = account.actor();
    let base = Event {
        actor: &actor,
        seal_id: Some(&a.seal_id),
        application_id: Some(id),
        document_id: Some(&issued.document_id),
        ..Default::default()
    };
    let detail = format!(
        "number={} cert={} level={}",
        row.number, row.cert_serial_hex, row.pades_level
    );
    audit::append_all(
        &mut tx,
        &[
            Event {
                action: "application.approve",
                ..base.clone()
            },
            Event {
                action: "seal.use",
                detail: &detail,
                ..base
            },
        ],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Approval {
        document: DocumentView::from(&row),
        already_issued: false,
    })
}

/// Void an issued document with a reason; verification reflects it at once.
pub async fn void(
    store: &Store,
    account: &Account,
    document_id: &str,
    reason: &str,
) -> Result<DocumentView, ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(reason_error("请填写作废原因（不超过 200 字）"));
    }
    let d = documents::get(&store.pool, document_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !account.can_act(&d.seal_id) {
        return Err(deny(
            store,
            account,
            "void",
            &d.seal_id,
            d.application_id.as_deref(),
            Some(document_id),
        )
        .await);
    }
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !documents::void(&mut **tx, document_id, reason, now).await? {
        return Err(ServiceError::Conflict("该文书已作废"));
    }
    let actor = account.actor();
    audit::append(
        &mut tx,
        &Event {
            actor: &actor,
            action: "document.void",
            seal_id: Some(&d.seal_id),
            application_id: d.application_id.as_deref(),
            document_id: Some(document_id),
            detail: reason,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let d = documents::get(&store.pool, document_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(DocumentView::from(&d))
}

/// A document a reader may see.
pub async fn document_for(
    store: &Store,
    account: &Account,
    document_id: &str,
) -> Result<DocumentRow, ServiceError> {
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
    a: &ApplicationRow,
) -> Result<Option<(DocumentRow, Vec<u8>)>, ServiceError> {
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

/// The level names residents see.
pub fn level_label(l: SealLevel) -> &'static str {
    match l {
        SealLevel::District => "区级",
        SealLevel::Town => "镇（街道）",
        SealLevel::Village => "村（社区）",
    }
}
