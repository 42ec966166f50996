//! Typed settings: command-line flags over environment variables over a
//! configuration file over defaults. Secrets are never held here, only the
//! path to them.
//!
//! The file (`--config FILE` or `ESEAL_CONFIG`) is TOML with one key per
//! environment variable, lower-case without the `ESEAL_` prefix:
//! `public_url = "https://eseal.ganyu.gov.cn"`, `listen = "0.0.0.0:8080"`,
//! `tsa_url`, `pades_level`, ... An unknown key is an error, so a typo
//! cannot silently leave a default in force.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The keys a configuration file may set (each also `ESEAL_<KEY>`).
pub const FILE_KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "master_key_file",
    "public_url",
    "listen",
    "log",
    "log_json",
    "tsa_url",
    "tsa_policy",
    "pades_level",
    "templates",
    "font",
    "audit_anchor_secs",
];

static FILE: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// Read the configuration file named by `--config`/`ESEAL_CONFIG` in
/// `args` (once per process). Returns its values.
pub fn load_file(args: &[String]) -> Result<&'static BTreeMap<String, String>, String> {
    if let Some(m) = FILE.get() {
        return Ok(m);
    }
    let mut path = std::env::var_os("ESEAL_CONFIG").map(PathBuf::from);
    for (i, a) in args.iter().enumerate() {
        if a == "--config" {
            path = args.get(i + 1).map(PathBuf::from);
        } else if let Some(p) = a.strip_prefix("--config=") {
            path = Some(PathBuf::from(p));
        }
    }
    let mut values = BTreeMap::new();
    if let Some(path) = path {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))?;
        for (k, v) in table {
            if !FILE_KEYS.contains(&k.as_str()) {
                return Err(format!(
                    "config file {}: unknown key {k:?} (known: {})",
                    path.display(),
                    FILE_KEYS.join(", ")
                ));
            }
            let v = match v {
                toml::Value::String(s) => s,
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Integer(i) => i.to_string(),
                other => {
                    return Err(format!(
                        "config file {}: {k} must be a string, not {other}",
                        path.display()
                    ));
                }
            };
            values.insert(k, v);
        }
    }
    Ok(FILE.get_or_init(|| values))
}

/// A setting read outside clap: `ESEAL_<NAME>` from the environment, else
/// the configuration file's `name`.
pub fn var(name: &str) -> Option<String> {
    let env = format!("ESEAL_{}", name.to_ascii_uppercase());
    std::env::var(&env)
        .ok()
        .or_else(|| FILE.get().and_then(|m| m.get(name).cloned()))
}

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
    /// Configuration file (TOML; see the module docs).
    #[arg(long, global = true, env = "ESEAL_CONFIG")]
    pub config: Option<PathBuf>,
}

impl Settings {
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            master_key_file: None,
            public_url: "http://127.0.0.1:8080".into(),
            config: None,
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
