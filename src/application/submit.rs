//! Submitting an application, by a resident or by a clerk at the counter.

use super::access::deny;
use super::{
    ApplicationStatus, Catalog, KindSpec, Receipt, ServiceError, Submission, WalkIn, approve,
    beijing_now, code_hash, digits, form, token_hash,
};
use crate::accounts::Account;
use crate::audit::{self, Event};
use crate::crypto::random_token;
use crate::document::FieldError;
use crate::domain::{SealId, SealStatus};
use crate::issuance::{Issuer, new_verification_code};
use crate::seal::{Seal, registry};
use crate::domain::Application;
use crate::store::applications as apps;
use crate::store::{Store, StoreError, now_unix};

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
        let row = Application {
            application_id: application_id.clone(),
            number: number.clone(),
            kind: spec.kind.clone(),
            seal_id: seal_id.to_string(),
            applicant_name: applicant.clone(),
            fields_json: fields_json.clone(),
            status: ApplicationStatus::Submitted,
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

