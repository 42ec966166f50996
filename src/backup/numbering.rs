//! Document numbers across a restore: the numbering epoch.
//!
//! A backup is older than the installation it saves: documents issued
//! after it was taken are lost with the installation but may be in
//! residents' hands, and the backup's counters would give their numbers
//! again. So each restore moves the installation to the next epoch `e`
//! (recorded in `meta`) and every seal's counter of the current year up to
//! `e × BLOCK` (a seal with no counter yet this year gets one there): the
//! first number after the restore is `e × BLOCK + 1`. The lost installation
//! numbered below that as long as no seal gave `BLOCK` numbers in one year
//! within one epoch (the busiest seal of the district issues a few thousand
//! a year); a restore whose counters already reach the block is refused.
//! Numbers of earlier years are not touched: no document can be numbered in
//! a year that is over. The gap is the visible mark of the restore, and the
//! audit log's `backup.restore` entry says where numbering went on.

use sqlx::{Any, Executor, Row};

use super::BackupError;
use crate::store::meta;

/// Numbers per seal, per year, per epoch.
pub const BLOCK: i64 = 100_000;
const EPOCH: &str = "numbering_epoch";

/// The installation's numbering epoch (0 before any restore).
pub async fn epoch<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<i64, BackupError> {
    match meta::get(ex, EPOCH).await? {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| BackupError::Damaged(format!("numbering epoch {v:?}"))),
    }
}

/// Move the restored installation to `epoch`: its counters of `year` to
/// the epoch's block. Returns the first number a seal gives next.
pub async fn fence(
    tx: &mut sqlx::Transaction<'_, Any>,
    epoch: i64,
    year: i64,
) -> Result<i64, BackupError> {
    let start = epoch
        .checked_mul(BLOCK)
        .ok_or_else(|| BackupError::Refused(format!("numbering epoch {epoch} is too large")))?;
    let highest: Option<i64> =
        sqlx::query("SELECT MAX(last) FROM document_counters WHERE year = $1")
            .bind(year)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    if let Some(h) = highest
        && h >= start
    {
        return Err(BackupError::Refused(format!(
            "a seal's counter of {year} already stands at {h}, in or past epoch {epoch}'s block \
             (numbers from {}): restore with a higher --numbering-epoch",
            start + 1
        )));
    }
    sqlx::query("UPDATE document_counters SET last = $1 WHERE year = $2")
        .bind(start)
        .bind(year)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO document_counters (seal_id, year, last) \
         SELECT seal_id, $1, $2 FROM seals s WHERE NOT EXISTS \
         (SELECT 1 FROM document_counters c WHERE c.seal_id = s.seal_id AND c.year = $1)",
    )
    .bind(year)
    .bind(start)
    .execute(&mut **tx)
    .await?;
    meta::set(&mut **tx, EPOCH, &epoch.to_string()).await?;
    Ok(start + 1)
}
