//! `applications`: residents' applications for documents.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::StoreError;
use crate::domain::{Application, ApplicationMove, ApplicationStatus};

const COLS: &str = "application_id, number, kind, seal_id, applicant_name, fields_json, status, \
                    reject_reason, reviewed_by, document_id, created_at, updated_at";

fn app_row(r: &AnyRow) -> Result<Application, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Application {
        application_id: r.try_get("application_id")?,
        number: r.try_get("number")?,
        kind: r.try_get("kind")?,
        seal_id: r.try_get("seal_id")?,
        applicant_name: r.try_get("applicant_name")?,
        fields_json: r.try_get("fields_json")?,
        status: ApplicationStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("application status {status:?}")))?,
        reject_reason: r.try_get("reject_reason")?,
        reviewed_by: r.try_get("reviewed_by")?,
        document_id: r.try_get("document_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Insert a new application. The caller supplies the hashes of its secrets.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    a: &Application,
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
    .bind(a.status.as_str())
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<Application>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM applications WHERE application_id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(app_row).transpose()
}

pub async fn by_tracking<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    tracking_sha256: &str,
) -> Result<Option<Application>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM applications WHERE tracking_sha256 = $1"
    )))
    .bind(tracking_sha256)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(app_row).transpose()
}

/// The application with this number, if `access_code_sha256` matches it.
pub async fn by_number_and_code<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    number: &str,
    access_code_sha256: &str,
) -> Result<Option<Application>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM applications WHERE number = $1 AND access_code_sha256 = $2"
    )))
    .bind(number)
    .bind(access_code_sha256)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(app_row).transpose()
}

/// The `WHERE` clause of a queue query and how many placeholders it used.
fn queue_filter(seals: Option<&[String]>, status: Option<ApplicationStatus>) -> (String, usize) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut n = 0;
    if status.is_some() {
        n += 1;
        sql.push_str(&format!(" AND status = ${n}"));
    }
    if let Some(seals) = seals {
        let ph: Vec<String> = (0..seals.len())
            .map(|i| format!("${}", n + 1 + i))
            .collect();
        n += seals.len();
        sql.push_str(&format!(" AND seal_id IN ({})", ph.join(", ")));
    }
    (sql, n)
}

fn bind_filter<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    seals: Option<&[String]>,
    status: Option<ApplicationStatus>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    if let Some(s) = status {
        q = q.bind(s.as_str());
    }
    if let Some(seals) = seals {
        for s in seals {
            q = q.bind(s.clone());
        }
    }
    q
}

/// Applications to the given seals (all seals when `seals` is `None`),
/// optionally in one status, oldest first: `limit` of them after the first
/// `offset`.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seals: Option<&[String]>,
    status: Option<ApplicationStatus>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Application>, StoreError> {
    if seals.is_some_and(|s| s.is_empty()) {
        return Ok(Vec::new());
    }
    let (filter, n) = queue_filter(seals, status);
    let sql = format!(
        "SELECT {COLS} FROM applications{filter} ORDER BY created_at, application_id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let q = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), seals, status);
    let rows = q.bind(limit).bind(offset).fetch_all(ex).await?;
    rows.iter().map(app_row).collect::<Result<_, _>>()
}

/// How many applications to the given seals are in each status.
pub async fn counts<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    seals: Option<&[String]>,
) -> Result<Vec<(String, i64)>, StoreError> {
    if seals.is_some_and(|s| s.is_empty()) {
        return Ok(Vec::new());
    }
    let (filter, _) = queue_filter(seals, None);
    let sql = format!("SELECT status, COUNT(*) FROM applications{filter} GROUP BY status");
    let q = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), seals, None);
    let rows = q.fetch_all(ex).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Make move `by` on an application (from one of the states the table
/// allows it from). Returns false if it was in none of them (someone else
/// moved it first). The UPDATE takes the row lock (PostgreSQL) or the write
/// lock (SQLite) for the rest of the transaction, so it doubles as the claim
/// on the application.
pub async fn transition(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    by: ApplicationMove,
    reviewed_by: &str,
    reject_reason: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    transition_with_document(tx, id, by, reviewed_by, reject_reason, None, now).await
}

/// [`transition`], also recording the document issued for it.
#[allow(clippy::too_many_arguments)]
pub async fn transition_with_document(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    by: ApplicationMove,
    reviewed_by: &str,
    reject_reason: Option<&str>,
    document_id: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let t = by.transition();
    let ph: Vec<String> = (0..t.from.len()).map(|i| format!("${}", 7 + i)).collect();
    let sql = format!(
        "UPDATE applications SET status = $1, reviewed_by = $2, reject_reason = $3, updated_at = $4, \
         document_id = COALESCE($6, document_id) WHERE application_id = $5 AND status IN ({})",
        ph.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(t.to.as_str())
        .bind(reviewed_by.to_string())
        .bind(reject_reason.map(str::to_string))
        .bind(now)
        .bind(id.to_string())
        .bind(document_id.map(str::to_string));
    for f in t.from {
        q = q.bind(f.as_str());
    }
    Ok(q.execute(&mut **tx).await?.rows_affected() == 1)
}
