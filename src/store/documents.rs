//! `documents` and `document_counters`: issued documents and their numbers.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;

/// A row of `documents` (the PDF is loaded separately).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentRow {
    pub document_id: String,
    pub number: String,
    pub seal_id: String,
    pub year: i64,
    pub seq: i64,
    pub kind: String,
    pub holder: String,
    #[serde(skip)]
    pub fields_json: String,
    #[serde(skip)]
    pub code_sha256: String,
    pub pdf_sha256: String,
    pub pades_level: String,
    pub cert_serial_hex: String,
    pub issued_at: i64,
    pub issued_by: String,
    pub status: String,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    pub application_id: Option<String>,
    /// SHA-256 (hex) over the first signature's byte range.
    pub signed_digest: Option<String>,
}

macro_rules! doc_cols {
    () => {
        "document_id, number, seal_id, year, seq, kind, holder, fields_json, code_sha256, pdf_sha256, \
         pades_level, cert_serial_hex, issued_at, issued_by, status, voided_at, void_reason, application_id, signed_digest"
    };
}

fn doc_row(r: &AnyRow) -> Result<DocumentRow, sqlx::Error> {
    Ok(DocumentRow {
        document_id: r.try_get(0)?,
        number: r.try_get(1)?,
        seal_id: r.try_get(2)?,
        year: r.try_get(3)?,
        seq: r.try_get(4)?,
        kind: r.try_get(5)?,
        holder: r.try_get(6)?,
        fields_json: r.try_get(7)?,
        code_sha256: r.try_get(8)?,
        pdf_sha256: r.try_get(9)?,
        pades_level: r.try_get(10)?,
        cert_serial_hex: r.try_get(11)?,
        issued_at: r.try_get(12)?,
        issued_by: r.try_get(13)?,
        status: r.try_get(14)?,
        voided_at: r.try_get(15)?,
        void_reason: r.try_get(16)?,
        application_id: r.try_get(17)?,
        signed_digest: r.try_get(18)?,
    })
}

/// Take the next sequence number of `seal_id` in `year`. Run inside a
/// transaction: the counter row stays locked until it commits, so concurrent
/// issuers (several processes on PostgreSQL) get distinct numbers.
/// The last number `seal_id` gave in `year` (0 when none).
pub async fn last_seq<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seal_id: &str,
    year: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT last FROM document_counters WHERE seal_id = $1 AND year = $2")
        .bind(seal_id)
        .bind(year)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Move the counter of `seal_id` in `year` to `seq` if it stands at
/// `seq - 1` (creating it for the first number); `false` if it does not.
/// On PostgreSQL a concurrent claimer waits for the row and then finds it
/// moved; on SQLite the write lock orders claimers.
pub async fn claim_seq(
    tx: &mut sqlx::Transaction<'_, Any>,
    seal_id: &str,
    year: i64,
    seq: i64,
) -> Result<bool, StoreError> {
    let done = if seq == 1 {
        sqlx::query(
            "INSERT INTO document_counters (seal_id, year, last) VALUES ($1, $2, 1) \
             ON CONFLICT (seal_id, year) DO NOTHING",
        )
        .bind(seal_id)
        .bind(year)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE document_counters SET last = $3 WHERE seal_id = $1 AND year = $2 AND last = $3 - 1",
        )
        .bind(seal_id)
        .bind(year)
        .bind(seq)
        .execute(&mut **tx)
        .await?
    };
    Ok(done.rows_affected() == 1)
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    d: &DocumentRow,
    pdf: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO documents (",
        doc_cols!(),
        ", pdf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    ))
    .bind(d.document_id.clone())
    .bind(d.number.clone())
    .bind(d.seal_id.clone())
    .bind(d.year)
    .bind(d.seq)
    .bind(d.kind.clone())
    .bind(d.holder.clone())
    .bind(d.fields_json.clone())
    .bind(d.code_sha256.clone())
    .bind(d.pdf_sha256.clone())
    .bind(d.pades_level.clone())
    .bind(d.cert_serial_hex.clone())
    .bind(d.issued_at)
    .bind(d.issued_by.clone())
    .bind(d.status.clone())
    .bind(d.voided_at)
    .bind(d.void_reason.clone())
    .bind(d.application_id.clone())
    .bind(d.signed_digest.clone())
    .bind(pdf.to_vec())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE document_id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(doc_row).transpose()?)
}

/// The document whose first signature covers `digest_hex`.
pub async fn by_signed_digest<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    digest_hex: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE signed_digest = $1"
    ))
    .bind(digest_hex)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(doc_row).transpose()?)
}

pub async fn by_pdf_sha256<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    sha256_hex: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE pdf_sha256 = $1"
    ))
    .bind(sha256_hex)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(doc_row).transpose()?)
}

pub async fn by_number<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    number: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE number = $1"
    ))
    .bind(number)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(doc_row).transpose()?)
}

pub async fn pdf<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT pdf FROM documents WHERE document_id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
}

/// Void an issued document. Returns false if it was not in force.
pub async fn void<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
    reason: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE documents SET status = 'voided', voided_at = $1, void_reason = $2 WHERE document_id = $3 AND status = 'issued'",
    )
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(ex)
    .await?
    .rows_affected();
    Ok(n == 1)
}
