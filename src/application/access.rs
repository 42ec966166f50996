//! Who may act on an application: refused attempts are audited.

use super::ServiceError;
use crate::accounts::Account;
use crate::audit::{self, Event};
use crate::domain::Application;
use crate::store::applications as apps;
use crate::store::Store;

/// Record a refused attempt on another seal's application or document.
pub(super) async fn deny(
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
) -> Result<Application, ServiceError> {
    let a = apps::get(&store.pool, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !account.can_read(&a.seal_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(a)
}

pub(super) async fn get_actionable(
    store: &Store,
    account: &Account,
    id: &str,
    action: &str,
) -> Result<Application, ServiceError> {
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

