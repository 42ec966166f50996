//! Writing a backup: one read transaction, every table streamed through
//! the cipher into a `.partial` file, renamed into place when complete, then
//! the backup recorded in the audit log (`backup.create`).

use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use sqlx::Row;

use super::records::{End, FORMAT, Header, Line, TableStart, Value};
use super::schema::{self, Kind};
use super::{BackupError, numbering};
use crate::crypto::{MasterKey, SealingWriter, Sha256};
use crate::store::{Backend, Store, meta};

/// What a backup holds.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub tables: usize,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    pub keystore: String,
}

/// Counts what passes through, and hashes it (the audit entry names the
/// file by its SHA-256).
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(data)?;
        self.hash.update(&data[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn line(w: &mut impl Write, v: &impl serde::Serialize) -> Result<(), BackupError> {
    serde_json::to_writer(&mut *w, v).map_err(|e| BackupError::Io(e.to_string()))?;
    w.write_all(b"\n")?;
    Ok(())
}

fn value(row: &sqlx::any::AnyRow, i: usize, kind: Kind) -> Result<Value, sqlx::Error> {
    Ok(match kind {
        Kind::Int => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::Int),
        Kind::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::Text),
        Kind::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null, Value::Bytes),
    })
}

/// Write a consistent, encrypted backup of `store` to `out`.
pub async fn create(
    store: &Store,
    master: &MasterKey,
    out: &Path,
    master_key_in_data_dir: bool,
) -> Result<BackupReport, BackupError> {
    let partial = out.with_extension("partial");
    let file = crate::configuration::data_dir::create_file(&partial)
        .map_err(|e| BackupError::Io(format!("{}: {e}", partial.display())))?;
    let result = write_snapshot(store, master, file, master_key_in_data_dir).await;
    let (tables, rows, bytes, sha256, keystore) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out)
        .map_err(|e| BackupError::Io(format!("{}: {e}", out.display())))?;
    let report = BackupReport {
        path: out.to_path_buf(),
        tables,
        rows,
        bytes,
        sha256,
        keystore,
    };
    record(store, &report).await?;
    Ok(report)
}

type Written = (usize, u64, u64, String, String);

async fn write_snapshot(
    store: &Store,
    master: &MasterKey,
    file: std::fs::File,
    master_key_in_data_dir: bool,
) -> Result<Written, BackupError> {
    let mut tx = store.pool.begin().await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    // The first read fixes the snapshot (SQLite: the WAL position).
    let fingerprint = meta::get(&mut *tx, "master_key_fingerprint")
        .await?
        .unwrap_or_default();
    if fingerprint != master.fingerprint() {
        return Err(BackupError::Refused(
            "the master key does not belong to this installation".into(),
        ));
    }
    let keystore = meta::get(&mut *tx, "keystore")
        .await?
        .unwrap_or_else(|| "file".into());
    let header = Header {
        format: FORMAT,
        created_at: crate::store::now_unix(),
        backend: format!("{:?}", store.backend).to_ascii_lowercase(),
        schema_version: schema::schema_version(&mut tx).await?,
        master_key_fingerprint: fingerprint,
        keystore: keystore.clone(),
        numbering_epoch: numbering::epoch(&mut *tx).await?,
        master_key_in_data_dir,
    };
    let hashing = Hashing {
        inner: std::io::BufWriter::new(file),
        hash: Sha256::new(),
        bytes: 0,
    };
    let mut w = SealingWriter::new(hashing, master)?;
    line(&mut w, &Line::Header(header))?;
    let tables = schema::tables(&mut tx, store.backend).await?;
    let mut rows = 0u64;
    for t in &tables {
        let names: Vec<String> = t.columns.iter().map(|(n, _)| n.clone()).collect();
        line(
            &mut w,
            &Line::Table(TableStart {
                table: t.name.clone(),
                columns: names.clone(),
            }),
        )?;
        let cols: Vec<String> = names.iter().map(|n| schema::quoted(n)).collect();
        let sql = format!(
            "SELECT {} FROM {}",
            cols.join(", "),
            schema::quoted(&t.name)
        );
        let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
        while let Some(row) = stream.try_next().await? {
            let values = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, k))| value(&row, i, *k).map(|v| v.to_json()))
                .collect::<Result<Vec<_>, _>>()?;
            line(&mut w, &values)?;
            rows += 1;
        }
    }
    line(
        &mut w,
        &Line::End(End {
            tables: tables.len(),
            rows,
        }),
    )?;
    tx.commit().await?;
    let hashing = w.finish()?;
    let file = hashing
        .inner
        .into_inner()
        .map_err(|e| BackupError::Io(e.to_string()))?;
    file.sync_all()?;
    Ok((
        tables.len(),
        rows,
        hashing.bytes,
        hex::encode(hashing.hash.finish()),
        keystore,
    ))
}

/// The backup's entry in the audit log.
async fn record(store: &Store, r: &BackupReport) -> Result<(), BackupError> {
    let detail = format!(
        "sha256={} tables={} rows={} bytes={} keystore={}",
        r.sha256, r.tables, r.rows, r.bytes, r.keystore
    );
    let mut tx = store.begin_write().await?;
    super::audit(&mut tx, "backup.create", &detail).await?;
    tx.commit().await?;
    Ok(())
}
