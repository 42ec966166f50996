//! `document_ofd`: the OFD form of a document, its hash and the dataHash
//! of its first electronic signature.

use sqlx::{Any, Executor, Row};

use super::StoreError;

/// An OFD on record (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfdRow {
    pub document_id: String,
    pub ofd_sha256: String,
    /// SM3 (hex) of the first signature's `Signature.xml`.
    pub data_hash: String,
    pub sm2_cert_serial_hex: String,
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    r: &OfdRow,
    ofd: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO document_ofd (document_id, ofd, ofd_sha256, data_hash, sm2_cert_serial_hex) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(r.document_id.clone())
    .bind(ofd.to_vec())
    .bind(r.ofd_sha256.clone())
    .bind(r.data_hash.clone())
    .bind(r.sm2_cert_serial_hex.clone())
    .execute(ex)
    .await?;
    Ok(())
}

/// The document whose OFD has SHA-256 `sha256_hex`, or whose first
/// signature's dataHash is `data_hash_hex`.
pub async fn document_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    sha256_hex: &str,
    data_hash_hex: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT document_id FROM document_ofd WHERE ofd_sha256 = $1 OR data_hash = $2 \
         ORDER BY CASE WHEN ofd_sha256 = $1 THEN 0 ELSE 1 END LIMIT 1",
    )
    .bind(sha256_hex)
    .bind(data_hash_hex.unwrap_or(""))
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
}

/// Whether a document has an OFD form.
pub async fn exists<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    document_id: &str,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 FROM document_ofd WHERE document_id = $1")
        .bind(document_id)
        .fetch_optional(ex)
        .await?;
    Ok(row.is_some())
}

/// The OFD of a document, if it has one.
pub async fn ofd<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    document_id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT ofd FROM document_ofd WHERE document_id = $1")
        .bind(document_id)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
}
