//! Allocating document numbers: per seal and year, without gaps under
//! concurrency (the counter row is locked until the transaction commits).

use crate::domain::{DocumentNumber, number_prefix};
use crate::seal::Seal;
use crate::store::{StoreError, documents};

/// Take the next number of `seal` for `year` inside `tx`.
pub async fn allocate_number(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    seal: &Seal,
    year: i32,
) -> Result<DocumentNumber, StoreError> {
    let seq = documents::next_seq(tx, seal.seal_id.as_str(), i64::from(year)).await?;
    Ok(DocumentNumber {
        prefix: number_prefix(
            seal.level,
            &seal.town,
            seal.village.as_deref(),
            &seal.holder,
        ),
        year,
        seq,
    })
}
