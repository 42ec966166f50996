//! `documents` and `document_counters`: issued documents and their numbers.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;
use crate::domain::{DocumentMove, DocumentState, IssuedDocument};

macro_rules! doc_cols {
    () => {
        "document_id, number, seal_id, year, seq, kind, holder, fields_json, code_sha256, pdf_sha256, \
         pades_level, cert_serial_hex, issued_at, issued_by, status, voided_at, void_reason, application_id, signed_digest"
    };
}

fn doc_row(r: &AnyRow) -> Result<IssuedDocument, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(IssuedDocument {
        document_id: r.try_get("document_id")?,
        number: r.try_get("number")?,
        seal_id: r.try_get("seal_id")?,
        year: r.try_get("year")?,
        seq: r.try_get("seq")?,
        kind: r.try_get("kind")?,
        holder: r.try_get("holder")?,
        fields_json: r.try_get("fields_json")?,
        code_sha256: r.try_get("code_sha256")?,
        pdf_sha256: r.try_get("pdf_sha256")?,
        pades_level: r.try_get("pades_level")?,
        cert_serial_hex: r.try_get("cert_serial_hex")?,
        issued_at: r.try_get("issued_at")?,
        issued_by: r.try_get("issued_by")?,
        status: DocumentState::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("document status {status:?}")))?,
        voided_at: r.try_get("voided_at")?,
        void_reason: r.try_get("void_reason")?,
        application_id: r.try_get("application_id")?,
        signed_digest: r.try_get("signed_digest")?,
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
    d: &IssuedDocument,
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
    .bind(d.status.as_str())
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
) -> Result<Option<IssuedDocument>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE document_id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(doc_row).transpose()
}

/// The document whose first signature covers `digest_hex`.
pub async fn by_signed_digest<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    digest_hex: &str,
) -> Result<Option<IssuedDocument>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE signed_digest = $1"
    ))
    .bind(digest_hex)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(doc_row).transpose()
}

pub async fn by_pdf_sha256<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    sha256_hex: &str,
) -> Result<Option<IssuedDocument>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE pdf_sha256 = $1"
    ))
    .bind(sha256_hex)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(doc_row).transpose()
}

pub async fn by_number<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    number: &str,
) -> Result<Option<IssuedDocument>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        doc_cols!(),
        " FROM documents WHERE number = $1"
    ))
    .bind(number)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(doc_row).transpose()
}

/// The sealed PDF of a document; `None` when there is none, including an
/// outside OFD sealed alone (`signed_ofd`), whose row holds an empty PDF.
pub async fn pdf<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT pdf FROM documents WHERE document_id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    let pdf = row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?;
    Ok(pdf.filter(|p| !p.is_empty()))
}

/// Void an issued document. Returns false if it was not in force.
pub async fn void<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
    reason: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let t = DocumentMove::Void.transition();
    let [from] = t.from else {
        unreachable!("a document is voided from one state")
    };
    let n = sqlx::query(
        "UPDATE documents SET status = $1, voided_at = $2, void_reason = $3 WHERE document_id = $4 AND status = $5",
    )
    .bind(t.to.as_str())
    .bind(at)
    .bind(reason)
    .bind(id)
    .bind(from.as_str())
    .execute(ex)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// (document_id, number) of every document on record, in order of issue.
pub async fn ids_and_numbers<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query("SELECT document_id, number FROM documents ORDER BY issued_at, number")
        .fetch_all(ex)
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?)
}
