//! Backups that restore: `eseal backup --out FILE` and `eseal restore FILE`.
//!
//! A backup is every table of the database (the keystore's wrapped keys
//! are rows of it: `ca_keys`, `seal_certs`, `seal_sm2`) read in one
//! transaction while the service runs: on SQLite a read transaction of the
//! WAL (a snapshot writers do not disturb), on PostgreSQL one `REPEATABLE
//! READ READ ONLY` transaction, so the snapshot is one instant of both.
//! Done in-process through sqlx (no `pg_dump` whose version must match the
//! server's), in one portable form ([`records`]) that restores into either
//! backend, and encrypted under a key derived from the master key
//! ([`crate::crypto::SealingWriter`]). The master key itself is not in the
//! backup: keep it apart (restore asks for it). With a PKCS#11 installation
//! the ECDSA keys stay on the token and the backup holds only references
//! to them: the token is backed up by its own means.
//!
//! Numbers after a restore: a backup is older than the installation it
//! saves, and documents numbered after it was taken may be out in the
//! world. So a restore moves the installation to the next numbering epoch
//! and every seal's counter of the current year to the epoch's block
//! ([`numbering`]): the first document after a restore of epoch `e` is
//! number `e × 100000 + 1`, above anything the lost installation can have
//! given, and never one given before.

pub mod numbering;
pub mod records;
mod restore;
pub mod schema;
mod snapshot;

pub use restore::{RestoreReport, restore};
pub use snapshot::{BackupReport, create};

/// Errors making or restoring a backup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("{0}")]
    Io(String),
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("{0}")]
    Refused(String),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(crate::store::StoreError::Db(e))
    }
}

impl From<std::io::Error> for BackupError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

/// Append the audit entry of a backup or a restore inside `tx`.
async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    action: &str,
    detail: &str,
) -> Result<(), BackupError> {
    let event = crate::audit::Event {
        actor: "cli",
        action,
        detail,
        ..Default::default()
    };
    crate::audit::append(tx, &event, crate::store::now_unix()).await?;
    Ok(())
}
