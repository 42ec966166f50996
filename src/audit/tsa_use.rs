//! The public timestamp authority's key uses, one audit entry per minute.
//!
//! `POST /tsa` answers anyone, so an entry per request would let anyone
//! flood the log. Instead each request is counted before its token is
//! signed ([`crate::store::tsa_usage::count`]), and [`record`] folds every
//! finished minute into one `tsa.use` entry (`requests=N period=START+60`)
//! in the transaction that removes the count: a count is either still in
//! the table or in the log, never lost and never recorded twice, whichever
//! process dies when.

use super::Event;
use crate::store::{Store, StoreError, now_unix, tsa_usage};

/// Record every finished minute of public timestamp requests; returns how
/// many entries were appended.
pub async fn record(store: &Store) -> Result<usize, StoreError> {
    let now = now_unix();
    record_before(store, now - now.rem_euclid(tsa_usage::PERIOD)).await
}

/// Record the minutes that started before `current` (tests pass a later
/// time to close the current minute).
pub async fn record_before(store: &Store, current: i64) -> Result<usize, StoreError> {
    let now = now_unix();
    if !tsa_usage::any_before(&store.pool, current).await? {
        return Ok(0);
    }
    let mut tx = store.begin_write().await?;
    let periods = tsa_usage::take_before(&mut tx, current).await?;
    if periods.is_empty() {
        return Ok(0);
    }
    let details: Vec<String> = periods
        .iter()
        .map(|(start, n)| format!("requests={n} period={start}+{}", tsa_usage::PERIOD))
        .collect();
    let events: Vec<Event<'_>> = details
        .iter()
        .map(|detail| Event {
            actor: "public",
            action: "tsa.use",
            detail,
            ..Event::default()
        })
        .collect();
    super::append_all(&mut tx, &events, now).await?;
    tx.commit().await?;
    Ok(events.len())
}
