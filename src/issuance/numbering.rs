//! Document numbers: per seal and year, without gaps and never twice.
//!
//! A number is taken only in the transaction that stores its signed
//! document, and only if it is still the next one: the document is
//! rendered and signed first with the number the seal's counter will give
//! next ([`peek_next`]), then [`claim`] moves the counter to it if nobody
//! did meanwhile. A signing that fails takes no number; a document whose
//! number another process took first is signed again with the next one.
//! Within one process, issuances for the same seal take turns
//! ([`SealTurns`]), so that retry is only ever needed across processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::{DocumentNumber, number_prefix};
use crate::seal::Seal;
use crate::store::{StoreError, documents};

/// The number `seal` will give next in `year` (nothing is taken).
pub async fn peek_next(
    store: &crate::store::Store,
    seal: &Seal,
    year: i32,
) -> Result<DocumentNumber, StoreError> {
    let last = documents::last_seq(&store.pool, seal.seal_id.as_str(), i64::from(year)).await?;
    Ok(number_of(seal, year, last + 1))
}

/// Take `number` inside `tx` if it is still the next one; `false` if
/// another issuance took it first (the transaction then changed nothing).
pub async fn claim(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    seal: &Seal,
    number: &DocumentNumber,
) -> Result<bool, StoreError> {
    documents::claim_seq(
        tx,
        seal.seal_id.as_str(),
        i64::from(number.year),
        number.seq,
    )
    .await
}

fn number_of(seal: &Seal, year: i32, seq: i64) -> DocumentNumber {
    DocumentNumber {
        prefix: number_prefix(
            seal.level,
            &seal.town,
            seal.village.as_deref(),
            &seal.holder,
        ),
        year,
        seq,
    }
}

/// One lock per seal, so this process issues a seal's documents one at a
/// time (they share its counter) while different seals go in parallel.
/// Bounded by the number of seals.
#[derive(Debug, Default)]
pub struct SealTurns(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl SealTurns {
    /// Wait for `seal_id`'s turn; it lasts as long as the guard.
    pub async fn take(&self, seal_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(seal_id.to_string()).or_default().clone()
        };
        lock.lock_owned().await
    }
}
