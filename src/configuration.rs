//! Typed settings: command-line flags over environment variables over
//! defaults. Secrets are never held here, only the path to them.

use std::path::PathBuf;

/// Where an installation lives and how it is reached.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Data directory (master key, SQLite database).
    #[arg(
        long,
        global = true,
        env = "ESEAL_DATA_DIR",
        default_value = "./eseal-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL; default: SQLite `eseal.db` in the data dir.
    #[arg(long, global = true, env = "ESEAL_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Master key file; default: `master.key` in the data dir.
    #[arg(long, global = true, env = "ESEAL_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Public base URL of the service (CRL distribution point, QR codes).
    #[arg(
        long,
        global = true,
        env = "ESEAL_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
}

impl Settings {
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            master_key_file: None,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::store::sqlite_url(&self.data_dir))
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("master.key"))
    }
}
