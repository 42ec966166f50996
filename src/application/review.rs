//! A clerk's review: accept, reject, and voiding an issued document.

use super::access::{deny, get_actionable};
use super::{ApplicationStatus, DocumentView, ServiceError};
use crate::accounts::Account;
use crate::audit::{self, Event};
use crate::document::FieldError;
use crate::domain::ApplicationMove;
use crate::store::applications as apps;
use crate::store::documents;
use crate::store::{Store, now_unix};

/// Accept an application for review (submitted → under review).
pub async fn accept(store: &Store, account: &Account, id: &str) -> Result<(), ServiceError> {
    let a = get_actionable(store, account, id, "accept").await?;
    let now = now_unix();
    let mut tx = store.begin_write().await?;
    if !apps::transition(
        &mut tx,
        id,
        ApplicationMove::Accept,
        &account.username,
        None,
        now,
    )
    .await?
    {
        return match a.status {
            ApplicationStatus::UnderReview => Ok(()),
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
        ApplicationMove::Reject,
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

/// Most applications one bulk rejection may name.
pub const MAX_BULK: usize = 500;

/// What a bulk rejection did.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct BulkRejected {
    /// The applications rejected now.
    pub rejected: Vec<String>,
    /// Those left as they were: already decided, or unknown.
    pub skipped: Vec<String>,
}

/// Reject many applications with one reason (a flood of junk), in one
/// transaction: each is audited like a single rejection, plus one
/// `application.bulk_reject` entry with the counts. Every application must
/// be one the clerk may act on; one that is not refuses the whole request
/// (and is audited as a denial).
pub async fn reject_many(
    store: &Store,
    account: &Account,
    ids: &[String],
    reason: &str,
) -> Result<BulkRejected, ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(reason_error("请填写不通过的原因（不超过 200 字）"));
    }
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ServiceError::Invalid(vec![FieldError {
            field: "ids".into(),
            label: "申请".into(),
            message: format!("请选择 1 到 {MAX_BULK} 件申请"),
        }]));
    }
    let mut found = Vec::with_capacity(ids.len());
    let mut out = BulkRejected::default();
    for id in ids {
        match get_actionable(store, account, id, "reject").await {
            Ok(a) => found.push(a),
            Err(ServiceError::NotFound) => out.skipped.push(id.clone()),
            Err(e) => return Err(e),
        }
    }
    let now = now_unix();
    let actor = account.actor();
    let mut tx = store.begin_write().await?;
    let mut done = Vec::with_capacity(found.len());
    for a in &found {
        if apps::transition(
            &mut tx,
            &a.application_id,
            ApplicationMove::Reject,
            &account.username,
            Some(reason),
            now,
        )
        .await?
        {
            out.rejected.push(a.application_id.clone());
            done.push(a);
        } else {
            out.skipped.push(a.application_id.clone());
        }
    }
    let mut events: Vec<Event<'_>> = done
        .iter()
        .map(|a| Event {
            actor: &actor,
            action: "application.reject",
            seal_id: Some(&a.seal_id),
            application_id: Some(&a.application_id),
            detail: reason,
            ..Default::default()
        })
        .collect();
    let detail = format!("rejected={} skipped={}", out.rejected.len(), out.skipped.len());
    events.push(Event {
        actor: &actor,
        action: "application.bulk_reject",
        detail: &detail,
        ..Default::default()
    });
    audit::append_all(&mut tx, &events, now).await?;
    tx.commit().await?;
    Ok(out)
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

