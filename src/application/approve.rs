//! Approval: the application's document issued exactly once.

use super::access::get_actionable;
use super::{ApplicationStatus, Approval, DocumentView, ServiceError};
use crate::accounts::Account;
use crate::audit::{self, Event};
use crate::domain::ApplicationMove;
use crate::domain::IssuedDocument;
use crate::issuance::{self, IssueError, IssueRequest, Issuer};
use crate::store::applications as apps;
use crate::store::documents;
use crate::store::{Store, StoreError, now_unix};

async fn existing_document(
    store: &Store,
    id: &str,
) -> Result<Option<IssuedDocument>, ServiceError> {
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
    if a.status == ApplicationStatus::Rejected {
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
    let m = crate::metrics::metrics();
    let mut t = std::time::Instant::now();
    let mut phase = |name: &'static str| {
        let now = std::time::Instant::now();
        m.approval_phase(name, now - t);
        t = now;
    };
    let prepared = issuance::prepare(&ctx, &req).await?;
    phase("prepare");
    // One issuance of this seal at a time in this process; then sign outside
    // any transaction and record briefly (see `issuance::numbering`).
    let _turn = issuer.turns.take(&a.seal_id).await;
    phase("wait_seal");
    let mut attempts = 0;
    let (mut tx, issued, row, now) = loop {
        attempts += 1;
        if attempts > 8 {
            return Err(IssueError::Busy(a.seal_id.clone()).into());
        }
        // A retry first looks whether another approval won meanwhile (the
        // first attempt has just read the application).
        if attempts > 1
            && let Some(d) = existing_document(store, id).await?
        {
            return Ok(Approval {
                document: DocumentView::from(&d),
                already_issued: true,
            });
        }
        let draft = issuance::sign_draft(&ctx, &req, &prepared).await?;
        phase("sign");
        let now = now_unix();
        let mut tx = store.begin_write().await?;
        phase("wait_writer");
        if !apps::transition_with_document(
            &mut tx,
            id,
            ApplicationMove::Approve,
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
    // The seal's keys' uses (the PDF's ECDSA and, for an OFD twin, SM2)
    // with the approval, in one statement.
    let key_uses = issuance::key_use_details(&row, &issued, "approve");
    let mut events = vec![Event {
        actor: &actor,
        action: "application.approve",
        seal_id: Some(&a.seal_id),
        application_id: Some(id),
        document_id: Some(&issued.document_id),
        ..Default::default()
    }];
    events.extend(
        key_uses
            .iter()
            .map(|d| issuance::seal_use_event(&actor, &row, d)),
    );
    audit::append_all(&mut tx, &events, now).await?;
    tx.commit().await?;
    phase("write");
    Ok(Approval {
        document: DocumentView::from(&row),
        already_issued: false,
    })
}
