//! Master key rotation: every key blob of the online keystore re-wrapped
//! under a new master key in one write transaction, with the stored
//! fingerprint, so the database holds either the old key's blobs or the
//! new key's, never some of each. A failure anywhere before the commit
//! (an error, a crash, a killed process) rolls it all back and the old key
//! goes on working. The key file is handled around this by
//! [`crate::configuration::installation::Installation::rotate_master_key`].

use sqlx::Row;

use super::CustodyError;
use crate::crypto::{FileKeystore, KeyRef};
use crate::store::{Store, meta};

/// The tables whose rows carry a wrapped key, with the column naming a row.
/// A row with no blob (a destroyed key, a root taken offline, a key on a
/// token) has nothing to re-wrap.
const BLOB_TABLES: [(&str, &str); 3] = [
    ("ca_keys", "kind"),
    ("seal_certs", "serial_hex"),
    ("seal_sm2", "serial_hex"),
];

/// A failure injected for tests, after this many blobs are re-wrapped
/// inside the transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InjectedFailure {
    #[default]
    None,
    /// Return an error (the transaction is dropped: rolled back).
    Error(usize),
    /// Abort the process, as a crash or `kill -9` would.
    Abort(usize),
}

/// Re-wrap every blob from `old` to `new` in one transaction that also
/// records `new_fingerprint` under `fingerprint_key` and audits the
/// rotation (`key.master_rotate`). Returns the number of blobs.
pub async fn rewrap_all(
    store: &Store,
    old: &FileKeystore,
    new: &FileKeystore,
    (fingerprint_key, old_fingerprint, new_fingerprint): (&str, &str, &str),
    fail: InjectedFailure,
) -> Result<usize, CustodyError> {
    let mut tx = store.begin_write().await?;
    let mut done = 0usize;
    for (table, id) in BLOB_TABLES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {id}, key_label, key_wrapped FROM {table} \
             WHERE key_wrapped IS NOT NULL AND length(key_wrapped) > 0 ORDER BY {id}"
        )))
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            let row_id: String = r.try_get(0)?;
            let key = KeyRef {
                label: r.try_get(1)?,
                wrapped: r.try_get(2)?,
            };
            // A key on a PKCS#11 token is not under the master key: its
            // row holds a reference to it, which stays as it is.
            if crate::crypto::is_token_ref(&key) {
                continue;
            }
            let moved = old.rewrap(&key, new)?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET key_wrapped = $1 WHERE {id} = $2"
            )))
            .bind(moved.wrapped)
            .bind(row_id.as_str())
            .execute(&mut **tx)
            .await?;
            done += 1;
            match fail {
                InjectedFailure::Error(n) if done >= n => {
                    return Err(CustodyError::Rotation(format!(
                        "injected failure after {done} key blobs (test hook)"
                    )));
                }
                InjectedFailure::Abort(n) if done >= n => std::process::abort(),
                _ => {}
            }
        }
    }
    meta::set(&mut **tx, fingerprint_key, new_fingerprint).await?;
    let detail = format!("blobs={done} old_key={old_fingerprint} new_key={new_fingerprint}");
    crate::audit::append(
        &mut tx,
        &crate::audit::Event {
            actor: "cli",
            action: "key.master_rotate",
            detail: &detail,
            ..Default::default()
        },
        crate::store::now_unix(),
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}
