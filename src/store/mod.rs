//! Persistence (sqlx). One file per table; migrations live in `migrations/`
//! at the top level and are the same for SQLite and PostgreSQL.
//!
//! Queries use the `Any` driver with `$n` placeholders, which both backends
//! accept, and only portable types (TEXT, BIGINT, BYTEA).

pub mod applications;
pub mod audit;
pub mod ca;
pub mod checkpoint;
pub mod document_ofd;
pub mod documents;
pub mod login_attempts;
pub mod meta;
pub mod rate_limits;
pub mod root_crls;
pub mod seal_sm2;
pub mod seals;
pub mod tsa_usage;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by the whole process.
#[derive(Debug, Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite has one writer at a time: writers of this process queue here
    /// (fairly, without the busy-timeout's sleeps) instead of racing for
    /// the database lock.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction (see [`Store::begin_write`]); derefs to the sqlx
/// transaction. Dropping it without `commit` rolls back.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Begin a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), so concurrent writers wait for each
    /// other (busy timeout) instead of failing when a reading transaction
    /// tries to upgrade; PostgreSQL uses row locks and a plain `BEGIN`.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.write_lock.clone().lock_owned().await;
                Ok(WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                })
            }
            Backend::Postgres => Ok(WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            }),
        }
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The default SQLite URL for a data dir.
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("eseal.db").display())
}

impl Store {
    /// Connect and bring the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let opts = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = Self::pool(
            backend,
            if backend == Backend::Sqlite { 4 } else { 8 },
            &opts,
        )
        .await?;
        MIGRATOR.run(&pool).await?;
        audit::prepare_sequence(&pool, backend).await?;
        Ok(Self {
            pool,
            backend,
            write_lock: std::sync::Arc::default(),
        })
    }

    async fn pool(
        backend: Backend,
        size: u32,
        opts: &AnyConnectOptions,
    ) -> Result<AnyPool, StoreError> {
        Ok(AnyPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        // 16 KiB pages for a new database (no effect on an
                        // existing one): a stored PDF of ~120 KB is 8 WAL
                        // frames, written and checkpointed, instead of 30.
                        conn.execute("PRAGMA page_size = 16384").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // 16 MiB of page cache per connection: the default
                        // 2 MiB is 125 pages of 16 KiB, and `perf` under the
                        // load benchmark showed 6% of the server's time in
                        // reading pages again from the OS.
                        conn.execute("PRAGMA cache_size = -16384").await?;
                        // Writers never checkpoint (see `checkpoint`).
                        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts.clone())
            .await?)
    }

    /// Checkpoint SQLite's WAL from a background task for as long as the
    /// pool is open (a long-running service; see [`checkpoint`]). Short
    /// processes need not: SQLite checkpoints when the last connection
    /// closes. Nothing to do on PostgreSQL.
    pub fn checkpoint_in_background(&self) {
        if self.backend == Backend::Sqlite {
            checkpoint::spawn(self.pool.clone(), self.write_lock.clone());
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Unix seconds now.
pub use crate::domain::now_unix;

pub(crate) fn from_unix(t: i64) -> Result<time::OffsetDateTime, StoreError> {
    time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| StoreError::Corrupt(e.to_string()))
}
