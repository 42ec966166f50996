//! `applications`: residents' applications for documents.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;

/// A row of `applications` (without the secret hashes).
#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub application_id: String,
    pub number: String,
    pub kind: String,
    pub seal_id: String,
    pub applicant_name: String,
    pub fields_json: String,
    pub status: String,
    pub reject_reason: Option<String>,
    pub reviewed_by: Option<String>,
    pub document_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "application_id, number, kind, seal_id, applicant_name, fields_json, status, \
                    reject_reason, reviewed_by, document_id, created_at, updated_at";

fn app_row(r: &AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    Ok(ApplicationRow {
        application_id: r.try_get(0)?,
        number: r.try_get(1)?,
        kind: r.try_get(2)?,
        seal_id: r.try_get(3)?,
        applicant_name: r.try_get(4)?,
        fields_json: r.try_get(5)?,
        status: r.try_get(6)?,
        reject_reason: r.try_get(7)?,
        reviewed_by: r.try_get(8)?,
        document_id: r.try_get(9)?,
        created_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}

/// Insert a new application. The caller supplies the hashes of its secrets.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    a: &ApplicationRow,
    tracking_sha256: &str,
    access_code_sha256: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO applications (application_id, number, tracking_sha256, access_code_sha256, kind, seal_id, \
         applicant_name, fields_json, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(a.application_id.clone())
    .bind(a.number.clone())
    .bind(tracking_sha256)
    .bind(access_code_sha256)
    .bind(a.kind.clone())
    .bind(a.seal_id.clone())
    .bind(a.applicant_name.clone())
    .bind(a.fields_json.clone())
    .bind(a.status.clone())
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<ApplicationRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM applications WHERE application_id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(app_row).transpose()?)
}

pub async fn by_tracking<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    tracking_sha256: &str,
) -> Result<Option<ApplicationRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM applications WHERE tracking_sha256 = $1"
    )))
    .bind(tracking_sha256)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(app_row).transpose()?)
}

/// The application with this number, if `access_code_sha256` matches it.
pub async fn by_number_and_code<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    number: &str,
    access_code_sha256: &str,
) -> Result<Option<ApplicationRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM applications WHERE number = $1 AND access_code_sha256 = $2"
    )))
    .bind(number)
    .bind(access_code_sha256)
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(app_row).transpose()?)
}

/// Applications to the given seals (all seals when `seals` is `None`),
/// optionally in one status, oldest first, at most `limit`.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seals: Option<&[String]>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<ApplicationRow>, StoreError> {
    let mut sql = format!("SELECT {COLS} FROM applications WHERE 1 = 1");
    let mut n = 0;
    if let Some(s) = status {
        let _ = s;
        n += 1;
        sql.push_str(&format!(" AND status = ${n}"));
    }
    if let Some(seals) = seals {
        if seals.is_empty() {
            return Ok(Vec::new());
        }
        let ph: Vec<String> = (0..seals.len())
            .map(|i| format!("${}", n + 1 + i))
            .collect();
        n += seals.len();
        sql.push_str(&format!(" AND seal_id IN ({})", ph.join(", ")));
    }
    sql.push_str(&format!(
        " ORDER BY created_at, application_id LIMIT ${}",
        n + 1
    ));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(s) = status {
        q = q.bind(s.to_string());
    }
    if let Some(seals) = seals {
        for s in seals {
            q = q.bind(s.clone());
        }
    }
    let rows = q.bind(limit).fetch_all(ex).await?;
    Ok(rows.iter().map(app_row).collect::<Result<_, _>>()?)
}

/// Move an application from one of `from` to `to`. Returns false if it was
/// in none of them (someone else moved it first). The UPDATE takes the row
/// lock (PostgreSQL) or the write lock (SQLite) for the rest of the
/// transaction, so it doubles as the claim on the application.
pub async fn transition(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    from: &[&str],
    to: &str,
    reviewed_by: &str,
    reject_reason: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    transition_with_document(tx, id, from, to, reviewed_by, reject_reason, None, now).await
}

/// [`transition`], also recording the document issued for it.
#[allow(clippy::too_many_arguments)]
pub async fn transition_with_document(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    from: &[&str],
    to: &str,
    reviewed_by: &str,
    reject_reason: Option<&str>,
    document_id: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let ph: Vec<String> = (0..from.len()).map(|i| format!("${}", 7 + i)).collect();
    let sql = format!(
        "UPDATE applications SET status = $1, reviewed_by = $2, reject_reason = $3, updated_at = $4, \
         document_id = COALESCE($6, document_id) WHERE application_id = $5 AND status IN ({})",
        ph.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to.to_string())
        .bind(reviewed_by.to_string())
        .bind(reject_reason.map(str::to_string))
        .bind(now)
        .bind(id.to_string())
        .bind(document_id.map(str::to_string));
    for f in from {
        q = q.bind((*f).to_string());
    }
    Ok(q.execute(&mut **tx).await?.rows_affected() == 1)
}
