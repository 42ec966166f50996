//! The tables of a database as a backup sees them: their names in an order
//! where every table comes after the tables its foreign keys point to, and
//! their columns with the portable kind of each (the migrations use only
//! TEXT, BIGINT and BYTEA). Read from the database's own catalogue, so a
//! table a later migration adds is backed up without a change here.

use sqlx::{Any, Row};

use crate::store::{Backend, StoreError};

/// The portable kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bytes,
}

impl Kind {
    fn of_declared(t: &str) -> Self {
        let t = t.to_ascii_uppercase();
        if t.contains("INT") {
            Self::Int
        } else if t.contains("BYTEA") || t.contains("BLOB") {
            Self::Bytes
        } else {
            Self::Text
        }
    }
}

/// A table: its name and its columns in order.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
}

/// sqlx's own bookkeeping: a restored database is migrated by this binary.
const SKIPPED: &str = "_sqlx_migrations";

async fn strings(
    tx: &mut sqlx::Transaction<'_, Any>,
    sql: &'static str,
    bind: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let mut q = sqlx::query(sql);
    if let Some(b) = bind {
        q = q.bind(b.to_string());
    }
    let rows = q.fetch_all(&mut **tx).await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?)
}

/// Every table (but sqlx's), parents before children.
pub async fn tables(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
) -> Result<Vec<Table>, StoreError> {
    let names = match backend {
        Backend::Sqlite => {
            strings(
                tx,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                None,
            )
            .await?
        }
        Backend::Postgres => {
            strings(
                tx,
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
                None,
            )
            .await?
        }
    };
    let names: Vec<String> = names.into_iter().filter(|n| n != SKIPPED).collect();
    let mut parents = Vec::new();
    for n in &names {
        let p = match backend {
            Backend::Sqlite => {
                strings(
                    tx,
                    "SELECT \"table\" FROM pragma_foreign_key_list($1)",
                    Some(n),
                )
                .await?
            }
            Backend::Postgres => {
                strings(
                    tx,
                    "SELECT DISTINCT p.relname::text FROM pg_constraint c \
                     JOIN pg_class t ON c.conrelid = t.oid JOIN pg_class p ON c.confrelid = p.oid \
                     JOIN pg_namespace s ON t.relnamespace = s.oid \
                     WHERE c.contype = 'f' AND t.relname = $1 AND s.nspname = current_schema()",
                    Some(n),
                )
                .await?
            }
        };
        parents.push(p);
    }
    let mut ordered: Vec<String> = Vec::new();
    while ordered.len() < names.len() {
        let before = ordered.len();
        for (n, ps) in names.iter().zip(&parents) {
            if !ordered.contains(n) && ps.iter().all(|p| p == n || ordered.contains(p)) {
                ordered.push(n.clone());
            }
        }
        if ordered.len() == before {
            return Err(StoreError::Corrupt(
                "the tables' foreign keys form a cycle".into(),
            ));
        }
    }
    let mut out = Vec::new();
    for name in ordered {
        let columns = columns(tx, backend, &name).await?;
        out.push(Table { name, columns });
    }
    Ok(out)
}

async fn columns(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, Kind)>, StoreError> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql)
        .bind(table.to_string())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(0)?;
            let declared: String = r.try_get(1)?;
            Ok((name, Kind::of_declared(&declared)))
        })
        .collect()
}

/// The newest migration applied to the database.
pub async fn schema_version(tx: &mut sqlx::Transaction<'_, Any>) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get::<Option<i64>, _>(0)?.unwrap_or(0))
}

/// `"name"`, quoted for SQL (names come from the catalogue, never a user).
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_kinds() {
        assert_eq!(Kind::of_declared("BIGINT"), Kind::Int);
        assert_eq!(Kind::of_declared("integer"), Kind::Int);
        assert_eq!(Kind::of_declared("bytea"), Kind::Bytes);
        assert_eq!(Kind::of_declared("TEXT"), Kind::Text);
        assert_eq!(Kind::of_declared("character varying"), Kind::Text);
    }
}
