//! Restoring a backup into a new installation: a data dir (and database)
//! that holds none yet, migrated by this binary to the backup's schema,
//! every row inserted in one transaction with the numbering fenced
//! ([`super::numbering`]) and the restore audited (`backup.restore`). A
//! failure anywhere commits nothing and removes what the restore created.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use sqlx::Any;

use super::records::{FORMAT, Header, Line, Value};
use super::schema::{self, Kind, Table};
use super::{BackupError, numbering};
use crate::configuration::Settings;
use crate::crypto::{MasterKey, OpeningReader};
use crate::store::{Backend, Store};

/// The longest line a backup may hold (one row: a document with its PDF
/// and OFD is well under this).
const MAX_LINE: u64 = 256 << 20;

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub tables: usize,
    pub rows: u64,
    pub backup_created_at: i64,
    pub keystore: String,
    pub epoch: i64,
    /// The number (sequence) each seal gives next this year.
    pub next_number: i64,
    /// Where the master key was written, if the restore wrote it.
    pub master_key_written: Option<PathBuf>,
}

struct Lines<R: BufRead> {
    inner: R,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self) -> Result<Option<serde_json::Value>, BackupError> {
        let mut buf = Vec::new();
        let n = std::io::Read::take(self.inner.by_ref(), MAX_LINE)
            .read_until(b'\n', &mut buf)
            .map_err(|e| BackupError::Damaged(e.to_string()))?;
        if n == 0 {
            return Ok(None);
        }
        if buf.last() != Some(&b'\n') {
            return Err(BackupError::Damaged("a line is cut short".into()));
        }
        serde_json::from_slice(&buf)
            .map(Some)
            .map_err(|e| BackupError::Damaged(e.to_string()))
    }
}

/// Restore `file` into the installation `settings` name (which must not
/// exist yet), opening it with `master`.
pub async fn restore(
    file: &Path,
    settings: &Settings,
    master: &MasterKey,
    min_epoch: Option<i64>,
) -> Result<RestoreReport, BackupError> {
    let f = std::fs::File::open(file)
        .map_err(|e| BackupError::Io(format!("{}: {e}", file.display())))?;
    let reader = OpeningReader::new(f, master).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let mut lines = Lines {
        inner: BufReader::new(reader),
    };
    let header = match lines.next()? {
        Some(v) => match serde_json::from_value::<Line>(v) {
            Ok(Line::Header(h)) => h,
            _ => return Err(BackupError::Damaged("no header".into())),
        },
        None => return Err(BackupError::Damaged("empty".into())),
    };
    if header.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "backup format {} (this eseal reads {FORMAT})",
            header.format
        )));
    }
    if header.master_key_fingerprint != master.fingerprint() {
        return Err(BackupError::Refused(
            "the master key does not belong to the backed-up installation".into(),
        ));
    }

    let dir = &settings.data_dir;
    let db_file = dir.join("eseal.db");
    let key_file = dir.join("master.key");
    if db_file.exists() || key_file.exists() {
        return Err(BackupError::Refused(format!(
            "{} already holds an installation; restore into a new data dir",
            dir.display()
        )));
    }
    let created_dir = !dir.exists();
    crate::configuration::data_dir::create_dir(dir)
        .map_err(|e| BackupError::Io(format!("{}: {e}", dir.display())))?;
    let sqlite = settings.database_url.is_none();
    let result = match sqlite {
        true => crate::configuration::data_dir::create_file(&db_file)
            .map(drop)
            .map_err(|e| BackupError::Io(format!("{}: {e}", db_file.display()))),
        false => Ok(()),
    };
    let result = match result {
        Ok(()) => restore_into(settings, master, &header, &mut lines, min_epoch).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        if sqlite {
            for f in ["eseal.db", "eseal.db-wal", "eseal.db-shm"] {
                let _ = std::fs::remove_file(dir.join(f));
            }
        }
        let _ = std::fs::remove_file(&key_file);
        if created_dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

async fn restore_into<R: BufRead>(
    settings: &Settings,
    master: &MasterKey,
    header: &Header,
    lines: &mut Lines<R>,
    min_epoch: Option<i64>,
) -> Result<RestoreReport, BackupError> {
    let store = Store::connect(&settings.database_url()).await?;
    let result = restore_rows(&store, header, lines, min_epoch).await;
    store.close().await;
    let (tables, rows, epoch, next_number) = result?;
    // The master key goes where the backed-up installation kept it: in its
    // data dir (written here), or apart (the operator passes it each time).
    let master_key_written = if header.master_key_in_data_dir {
        let path = settings.data_dir.join("master.key");
        crate::configuration::data_dir::write_file(&path, master.to_text().as_bytes())
            .map_err(|e| BackupError::Io(format!("{}: {e}", path.display())))?;
        Some(path)
    } else {
        None
    };
    Ok(RestoreReport {
        tables,
        rows,
        backup_created_at: header.created_at,
        keystore: header.keystore.clone(),
        epoch,
        next_number,
        master_key_written,
    })
}

async fn restore_rows<R: BufRead>(
    store: &Store,
    header: &Header,
    lines: &mut Lines<R>,
    min_epoch: Option<i64>,
) -> Result<(usize, u64, i64, i64), BackupError> {
    let mut tx = store.begin_write().await?;
    let version = schema::schema_version(&mut tx).await?;
    if version != header.schema_version {
        return Err(BackupError::Refused(format!(
            "the backup's database is at migration {}, this eseal's at {version}: \
             restore with the eseal version that made the backup",
            header.schema_version
        )));
    }
    let tables = schema::tables(&mut tx, store.backend).await?;
    let ca: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM ca_keys")
            .fetch_one(&mut **tx)
            .await?,
        0,
    )?;
    if ca != 0 {
        return Err(BackupError::Refused(
            "the target database already holds an installation".into(),
        ));
    }
    // The rows migrations seed (the audit head, the empty tree) come back
    // from the backup: clear them, children first.
    for t in tables.iter().rev() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {}",
            schema::quoted(&t.name)
        )))
        .execute(&mut **tx)
        .await?;
    }
    let mut current: Option<(Table, String)> = None;
    let mut rows = 0u64;
    let mut seen = 0usize;
    let end = loop {
        let Some(v) = lines.next()? else {
            return Err(BackupError::Damaged("it ends before its last line".into()));
        };
        if let serde_json::Value::Array(values) = &v {
            let (table, sql) = current
                .as_ref()
                .ok_or_else(|| BackupError::Damaged("a row before any table".into()))?;
            insert(&mut tx, table, sql, values).await?;
            rows += 1;
            continue;
        }
        match serde_json::from_value::<Line>(v).map_err(|e| BackupError::Damaged(e.to_string()))? {
            Line::Table(start) => {
                let table = tables
                    .iter()
                    .find(|t| t.name == start.table)
                    .ok_or_else(|| {
                        BackupError::Damaged(format!("unknown table {:?}", start.table))
                    })?;
                let mut columns = Vec::new();
                for c in &start.columns {
                    let kind = table
                        .columns
                        .iter()
                        .find(|(n, _)| n == c)
                        .map(|(_, k)| *k)
                        .ok_or_else(|| {
                            BackupError::Damaged(format!("unknown column {}.{c}", table.name))
                        })?;
                    columns.push((c.clone(), kind));
                }
                let names: Vec<String> = columns.iter().map(|(n, _)| schema::quoted(n)).collect();
                let params: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    schema::quoted(&table.name),
                    names.join(", "),
                    params.join(", ")
                );
                current = Some((
                    Table {
                        name: table.name.clone(),
                        columns,
                    },
                    sql,
                ));
                seen += 1;
            }
            Line::End(end) => break end,
            Line::Header(_) => return Err(BackupError::Damaged("a second header".into())),
        }
    };
    if end.rows != rows || end.tables != seen {
        return Err(BackupError::Damaged(format!(
            "{rows} rows in {seen} tables, its last line says {} in {}",
            end.rows, end.tables
        )));
    }
    if lines.next()?.is_some() {
        return Err(BackupError::Damaged("lines after its last one".into()));
    }
    if store.backend == Backend::Postgres {
        // The audit numbers continue after the restored log's last one.
        sqlx::query(
            "SELECT setval('audit_seq', GREATEST(COALESCE(MAX(seq), 0), 1), COALESCE(MAX(seq), 0) > 0) FROM audit_log",
        )
        .execute(&mut **tx)
        .await?;
    }
    let epoch = (header.numbering_epoch + 1).max(min_epoch.unwrap_or(0));
    let year = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .year();
    let next_number = numbering::fence(&mut tx, epoch, i64::from(year)).await?;
    let detail = format!(
        "backup_created_at={} rows={rows} keystore={} numbering_epoch={epoch} next_number={next_number} year={year}",
        header.created_at, header.keystore
    );
    super::audit(&mut tx, "backup.restore", &detail).await?;
    tx.commit().await?;
    Ok((seen, rows, epoch, next_number))
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    table: &Table,
    sql: &str,
    values: &[serde_json::Value],
) -> Result<(), BackupError> {
    if values.len() != table.columns.len() {
        return Err(BackupError::Damaged(format!(
            "a row of {} has {} values for {} columns",
            table.name,
            values.len(),
            table.columns.len()
        )));
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for (v, (_, kind)) in values.iter().zip(&table.columns) {
        q = match (Value::from_json(v, *kind)?, kind) {
            (Value::Null, Kind::Int) => q.bind(None::<i64>),
            (Value::Null, Kind::Text) => q.bind(None::<String>),
            (Value::Null, Kind::Bytes) => q.bind(None::<Vec<u8>>),
            (Value::Int(i), _) => q.bind(i),
            (Value::Text(t), _) => q.bind(t),
            (Value::Bytes(b), _) => q.bind(b),
        };
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
