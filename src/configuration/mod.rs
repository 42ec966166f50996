//! Typed settings, parsed once in `main` and passed down: command-line flags
//! over environment variables over a configuration file over defaults.
//! Library code never reads the environment; it is handed a [`Settings`].
//! Secrets are never held here, only the path to them.
//!
//! The file (`--config FILE` or `ESEAL_CONFIG`) is TOML with one key per
//! setting; the environment variable of a key is `ESEAL_` and the key in
//! capitals (`public_url` -> `ESEAL_PUBLIC_URL`). An unknown key in the file
//! is an error, so a typo cannot silently leave a default in force; a bad
//! value names its key and where it came from.
//!
//! [`installation`] opens what the settings point at (database, signing
//! core, PKI) as one [`installation::Installation`].

pub mod data_dir;
pub mod installation;
pub mod keystore;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::pades::PadesLevel;

/// Where the CJK font is looked for by default (Debian's `fonts-noto-cjk`).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
/// Where the default data directory is.
pub const DEFAULT_DATA_DIR: &str = "./eseal-data";

/// Every setting of an installation and its service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Data directory (master key, SQLite database).
    pub data_dir: PathBuf,
    /// Database URL; default: SQLite `eseal.db` in the data dir.
    pub database_url: Option<String>,
    /// Master key file; default: `master.key` in the data dir.
    pub master_key_file: Option<PathBuf>,
    /// Public base URL of the service (CRL distribution points, QR codes).
    pub public_url: String,
    /// The configuration file these settings were read from.
    pub config: Option<PathBuf>,
    /// Where `eseal serve` listens.
    pub listen: SocketAddr,
    /// Tracing filter (`info,sqlx=warn`).
    pub log: String,
    /// Log JSON lines instead of text.
    pub log_json: bool,
    /// An external RFC 3161 TSA (`http://` or `https://`) instead of the
    /// built-in one.
    pub tsa_url: Option<String>,
    /// How long one request to an external TSA may take.
    pub tsa_timeout_secs: u64,
    /// Extra CA certs (PEM) trusted for an `https://` TSA, beside the
    /// system's.
    pub tsa_ca_file: Option<PathBuf>,
    /// The built-in TSA's policy OID (the district's registered one).
    pub tsa_policy: Option<der::asn1::ObjectIdentifier>,
    /// The default PAdES level of issued documents.
    pub pades_level: PadesLevel,
    /// A directory of document templates replacing the built-in ones.
    pub templates: Option<PathBuf>,
    /// The CJK font file (`PATH` or `PATH#INDEX` inside a collection).
    pub font: String,
    /// How often the audit tree's root is timestamped.
    pub audit_anchor_secs: u64,
    /// Password hashes (argon2id, 19 MiB each) computed at once; 0: one per
    /// core. Logins beyond these and a short queue are answered 503.
    pub login_concurrency: usize,
    /// Uploads verified at once (each holds its body, up to 32 MiB); 0: two
    /// per core. Beyond these and a short queue: 503 before the body is read.
    pub verify_concurrency: usize,
    /// How long a whole verify upload may take to arrive.
    pub upload_timeout_secs: u64,
    /// Connections served at once; when full, the one idle longest is
    /// closed to make room. Clamped below the process's file limit.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout_secs: u64,
    /// A connection with no request in progress for this long is closed.
    pub idle_timeout_secs: u64,
    /// The longest pause while a client sends a request body.
    pub body_timeout_secs: u64,
    /// Proxies (addresses or blocks) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed; comma-separated. Empty: none.
    pub trusted_proxies: Vec<crate::domain::Cidr>,
    /// Login attempts per client (IPv4 address, IPv6 /64) per 10 minutes.
    pub logins_per_client_10min: i64,
    /// Wrong access or verification codes per client per 10 minutes.
    pub code_guesses_per_client_10min: i64,
    /// Anonymous applications per client per hour.
    pub applications_per_client_hour: i64,
    /// Applications per applicant ID number per day.
    pub applications_per_id_number_day: i64,
    /// Timestamp requests to the public `POST /tsa` per client per minute.
    pub timestamps_per_client_minute: i64,
    /// How long a new API token works, in days.
    pub api_token_days: i64,
    /// Where the installation's ECDSA keys live; chosen at `init` and
    /// recorded, so later commands need not repeat it.
    pub keystore: Option<KeystoreKind>,
    /// The PKCS#11 module (a `.so`), for `keystore = "pkcs11"`.
    pub pkcs11_module: Option<PathBuf>,
    /// The label of the token holding the keys.
    pub pkcs11_token: Option<String>,
    /// A file holding the token's user PIN (its first line).
    pub pkcs11_pin_file: Option<PathBuf>,
    /// `eseal init`: split the root keys' offline bundle key M-of-N among
    /// custodians (default 3-of-5). `None` keeps the root online: only the
    /// demo does that, and only a demo installation serves so.
    pub root_shares: Option<crate::custody::Threshold>,
    /// `eseal init`: where the custodians' share files are written;
    /// default: `DATA_DIR-root-shares` beside the data dir.
    pub root_shares_dir: Option<PathBuf>,
    /// How long a run of root CRLs signed ahead lasts, in days.
    pub root_crl_days: u32,
}

/// Where an installation's ECDSA keys live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeystoreKind {
    /// Wrapped under the master key, in the database.
    File,
    /// On a PKCS#11 token, never extractable.
    Pkcs11,
}

impl KeystoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Pkcs11 => "pkcs11",
        }
    }

    pub fn parse(v: &str) -> Result<Self, String> {
        match v {
            "file" => Ok(Self::File),
            "pkcs11" => Ok(Self::Pkcs11),
            _ => Err(format!("{v:?} is not a keystore (file or pkcs11)")),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            master_key_file: None,
            public_url: "http://127.0.0.1:8080".into(),
            config: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            log: "info,sqlx=warn".into(),
            log_json: false,
            tsa_url: None,
            tsa_timeout_secs: 15,
            tsa_ca_file: None,
            tsa_policy: None,
            pades_level: PadesLevel::default(),
            templates: None,
            font: DEFAULT_FONT.into(),
            audit_anchor_secs: 3600,
            login_concurrency: 0,
            verify_concurrency: 0,
            upload_timeout_secs: 60,
            max_connections: 2048,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            body_timeout_secs: 15,
            trusted_proxies: Vec::new(),
            logins_per_client_10min: 50,
            code_guesses_per_client_10min: 20,
            applications_per_client_hour: 30,
            applications_per_id_number_day: 5,
            timestamps_per_client_minute: 60,
            api_token_days: 90,
            keystore: None,
            pkcs11_module: None,
            pkcs11_token: None,
            pkcs11_pin_file: None,
            root_shares: Some(crate::custody::Threshold::DEFAULT),
            root_shares_dir: None,
            root_crl_days: crate::custody::root_crl_run::DEFAULT_DAYS,
        }
    }
}

/// The keys a configuration file may set (each also `ESEAL_<KEY>`).
pub const KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "master_key_file",
    "public_url",
    "listen",
    "log",
    "log_json",
    "tsa_url",
    "tsa_timeout_secs",
    "tsa_ca_file",
    "tsa_policy",
    "pades_level",
    "templates",
    "font",
    "audit_anchor_secs",
    "login_concurrency",
    "verify_concurrency",
    "upload_timeout_secs",
    "max_connections",
    "header_read_timeout_secs",
    "idle_timeout_secs",
    "body_timeout_secs",
    "trusted_proxies",
    "logins_per_client_10min",
    "code_guesses_per_client_10min",
    "applications_per_client_hour",
    "applications_per_id_number_day",
    "timestamps_per_client_minute",
    "api_token_days",
    "keystore",
    "pkcs11_module",
    "pkcs11_token",
    "pkcs11_pin_file",
    "root_shares",
    "root_shares_dir",
    "root_crl_days",
];

/// A setting that could not be taken, naming its key and source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct SettingsError {
    /// `config file PATH`, `ESEAL_KEY`, or `--flag`.
    pub source_name: String,
    pub message: String,
}

/// The flags that override every other source.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Flags {
    /// Data directory (master key, SQLite database) [env ESEAL_DATA_DIR; default ./eseal-data].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL; default: SQLite `eseal.db` in the data dir [env ESEAL_DATABASE_URL].
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Master key file; default: `master.key` in the data dir [env ESEAL_MASTER_KEY_FILE].
    #[arg(long, global = true)]
    pub master_key_file: Option<PathBuf>,
    /// Public base URL (CRL distribution point, QR codes) [env ESEAL_PUBLIC_URL].
    #[arg(long, global = true)]
    pub public_url: Option<String>,
    /// Configuration file (TOML; see the README) [env ESEAL_CONFIG].
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Where the ECDSA keys live: file or pkcs11 (chosen at init) [env ESEAL_KEYSTORE].
    #[arg(long, global = true)]
    pub keystore: Option<String>,
    /// PKCS#11 module (.so) of the token [env ESEAL_PKCS11_MODULE].
    #[arg(long, global = true)]
    pub pkcs11_module: Option<PathBuf>,
    /// Label of the PKCS#11 token [env ESEAL_PKCS11_TOKEN].
    #[arg(long, global = true)]
    pub pkcs11_token: Option<String>,
    /// File holding the token's user PIN [env ESEAL_PKCS11_PIN_FILE].
    #[arg(long, global = true)]
    pub pkcs11_pin_file: Option<PathBuf>,
}

fn bad(source_name: &str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        source_name: source_name.into(),
        message: message.into(),
    }
}

impl Settings {
    /// Settings for a data dir, everything else default (tests, tools).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            ..Self::default()
        }
    }

    /// Layer the sources: defaults, then the file, then the environment
    /// (`ESEAL_*`; other variables are ignored), then the flags.
    pub fn resolve(env: &BTreeMap<String, String>, flags: &Flags) -> Result<Self, SettingsError> {
        let mut s = Self::default();
        let config = flags
            .config
            .clone()
            .or_else(|| env.get("ESEAL_CONFIG").map(PathBuf::from));
        if let Some(path) = &config {
            let where_ = format!("config file {}", path.display());
            let text = std::fs::read_to_string(path).map_err(|e| bad(&where_, e.to_string()))?;
            let table: toml::Table =
                toml::from_str(&text).map_err(|e| bad(&where_, e.to_string()))?;
            for (k, v) in table {
                if !KEYS.contains(&k.as_str()) {
                    return Err(bad(
                        &where_,
                        format!("unknown key {k:?} (known: {})", KEYS.join(", ")),
                    ));
                }
                let v = match v {
                    toml::Value::String(s) => s,
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Integer(i) => i.to_string(),
                    other => {
                        return Err(bad(&where_, format!("{k} must be a string, not {other}")));
                    }
                };
                s.set(&k, &v)
                    .map_err(|m| bad(&where_, format!("{k}: {m}")))?;
            }
        }
        s.config = config;
        for key in KEYS {
            let var = format!("ESEAL_{}", key.to_ascii_uppercase());
            if let Some(v) = env.get(&var) {
                s.set(key, v).map_err(|m| bad(&var, m))?;
            }
        }
        let flag = |name: &str, value: Option<String>, s: &mut Self| match value {
            Some(v) => s
                .set(name, &v)
                .map_err(|m| bad(&format!("--{}", name.replace('_', "-")), m)),
            None => Ok(()),
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        flag("data_dir", path(&flags.data_dir), &mut s)?;
        flag("database_url", flags.database_url.clone(), &mut s)?;
        flag("master_key_file", path(&flags.master_key_file), &mut s)?;
        flag("public_url", flags.public_url.clone(), &mut s)?;
        flag("keystore", flags.keystore.clone(), &mut s)?;
        flag("pkcs11_module", path(&flags.pkcs11_module), &mut s)?;
        flag("pkcs11_token", flags.pkcs11_token.clone(), &mut s)?;
        flag("pkcs11_pin_file", path(&flags.pkcs11_pin_file), &mut s)?;
        Ok(s)
    }

    /// Set `key` from its text; the message says what is wrong with it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        match key {
            "data_dir" => self.data_dir = PathBuf::from(value),
            "database_url" => self.database_url = some(value),
            "master_key_file" => self.master_key_file = some(value).map(PathBuf::from),
            "public_url" => {
                if !(value.starts_with("http://") || value.starts_with("https://")) {
                    return Err(format!("{value:?} is not an http:// or https:// URL"));
                }
                self.public_url = value.into();
            }
            "listen" => {
                self.listen = value
                    .parse()
                    .map_err(|_| format!("{value:?} is not an address like 127.0.0.1:8080"))?
            }
            "log" => self.log = value.into(),
            "log_json" => self.log_json = parse_bool(value)?,
            "tsa_url" => {
                if !value.is_empty()
                    && !value.starts_with("http://")
                    && !value.starts_with("https://")
                {
                    return Err(format!("{value:?} is not an http:// or https:// URL"));
                }
                self.tsa_url = some(value);
            }
            "tsa_timeout_secs" => self.tsa_timeout_secs = parse_secs(value)?,
            "tsa_ca_file" => self.tsa_ca_file = some(value).map(PathBuf::from),
            "tsa_policy" => {
                self.tsa_policy = match value {
                    "" => None,
                    v => Some(parse_oid(v)?),
                }
            }
            "pades_level" => {
                self.pades_level = match value {
                    "" => PadesLevel::default(),
                    v => PadesLevel::parse(v).map_err(|e| e.to_string())?,
                }
            }
            "templates" => self.templates = some(value).map(PathBuf::from),
            "font" => self.font = some(value).unwrap_or_else(|| DEFAULT_FONT.into()),
            "audit_anchor_secs" => self.audit_anchor_secs = parse_secs(value)?,
            "login_concurrency" => self.login_concurrency = parse_count(value)?,
            "verify_concurrency" => self.verify_concurrency = parse_count(value)?,
            "upload_timeout_secs" => self.upload_timeout_secs = parse_secs(value)?,
            "max_connections" => {
                self.max_connections = match parse_count(value)? {
                    0 => return Err("must be at least 1".into()),
                    n => n,
                }
            }
            "header_read_timeout_secs" => self.header_read_timeout_secs = parse_secs(value)?,
            "idle_timeout_secs" => self.idle_timeout_secs = parse_secs(value)?,
            "body_timeout_secs" => self.body_timeout_secs = parse_secs(value)?,
            "trusted_proxies" => {
                self.trusted_proxies = value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(crate::domain::Cidr::parse)
                    .collect::<Result<_, _>>()?
            }
            "logins_per_client_10min" => self.logins_per_client_10min = parse_limit(value)?,
            "code_guesses_per_client_10min" => {
                self.code_guesses_per_client_10min = parse_limit(value)?
            }
            "applications_per_client_hour" => {
                self.applications_per_client_hour = parse_limit(value)?
            }
            "applications_per_id_number_day" => {
                self.applications_per_id_number_day = parse_limit(value)?
            }
            "timestamps_per_client_minute" => {
                self.timestamps_per_client_minute = parse_limit(value)?
            }
            "api_token_days" => {
                self.api_token_days = match parse_count(value)? {
                    n @ 1..=3650 => n as i64,
                    _ => return Err("must be between 1 and 3650 days".into()),
                }
            }
            "keystore" => {
                self.keystore = match value {
                    "" => None,
                    v => Some(KeystoreKind::parse(v)?),
                }
            }
            "pkcs11_module" => self.pkcs11_module = some(value).map(PathBuf::from),
            "pkcs11_token" => self.pkcs11_token = some(value),
            "pkcs11_pin_file" => self.pkcs11_pin_file = some(value).map(PathBuf::from),
            "root_shares" => self.root_shares = Some(crate::custody::Threshold::parse(value)?),
            "root_shares_dir" => self.root_shares_dir = some(value).map(PathBuf::from),
            "root_crl_days" => {
                self.root_crl_days = match value.parse::<u32>() {
                    Ok(n @ 90..=3650) => n,
                    _ => return Err(format!("{value:?} is not between 90 and 3650 days")),
                }
            }
            other => return Err(format!("unknown setting {other:?}")),
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::store::sqlite_url(&self.data_dir))
    }

    /// Where `init` writes the custodians' root share files.
    pub fn root_shares_path(&self) -> PathBuf {
        self.root_shares_dir.clone().unwrap_or_else(|| {
            let name = self
                .data_dir
                .file_name()
                .map_or_else(|| "eseal-data".into(), |n| n.to_string_lossy().into_owned());
            self.data_dir.with_file_name(format!("{name}-root-shares"))
        })
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("master.key"))
    }
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{v:?} is not true or false")),
    }
}

fn parse_secs(v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{v:?} is not a positive number of seconds")),
    }
}

fn parse_limit(v: &str) -> Result<i64, String> {
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{v:?} is not a positive number")),
    }
}

fn parse_count(v: &str) -> Result<usize, String> {
    v.parse::<usize>()
        .map_err(|_| format!("{v:?} is not a whole number"))
}

fn parse_oid(v: &str) -> Result<der::asn1::ObjectIdentifier, String> {
    let bad = || format!("{v:?} is not an OID (dotted arcs of at most 32 bits)");
    // const-oid takes 32-bit arcs; check first rather than let it overflow.
    if v.split('.').count() < 2 || !v.split('.').all(|a| a.parse::<u32>().is_ok()) {
        return Err(bad());
    }
    der::asn1::ObjectIdentifier::new(v).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn flags_win_over_environment_over_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("eseal.toml");
        std::fs::write(
            &file,
            "public_url = \"https://file.example\"\nlog = \"debug\"\naudit_anchor_secs = 60\n",
        )
        .unwrap();
        let e = env(&[
            ("ESEAL_CONFIG", file.to_str().unwrap()),
            ("ESEAL_PUBLIC_URL", "https://env.example"),
            ("ESEAL_PADES_LEVEL", "b-lta"),
            ("ESEAL_TEST_SOMETHING", "ignored"),
        ]);
        let flags = Flags {
            public_url: Some("https://flag.example".into()),
            ..Flags::default()
        };
        let s = Settings::resolve(&e, &flags).unwrap();
        assert_eq!(s.public_url, "https://flag.example");
        assert_eq!(s.log, "debug");
        assert_eq!(s.audit_anchor_secs, 60);
        assert_eq!(s.pades_level, PadesLevel::BLTA);
        assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        let s = Settings::resolve(&e, &Flags::default()).unwrap();
        assert_eq!(s.public_url, "https://env.example");
    }

    #[test]
    fn a_bad_value_names_its_key_and_source() {
        let e = env(&[("ESEAL_AUDIT_ANCHOR_SECS", "soon")]);
        let err = Settings::resolve(&e, &Flags::default()).unwrap_err();
        assert_eq!(err.source_name, "ESEAL_AUDIT_ANCHOR_SECS");
        assert!(err.message.contains("\"soon\""), "{err}");
        let e = env(&[("ESEAL_TSA_POLICY", "1.2.99999999999")]);
        assert!(
            Settings::resolve(&e, &Flags::default())
                .unwrap_err()
                .to_string()
                .starts_with("ESEAL_TSA_POLICY: ")
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("eseal.toml");
        std::fs::write(&file, "listen = \"everywhere\"\n").unwrap();
        let flags = Flags {
            config: Some(file.clone()),
            ..Flags::default()
        };
        let err = Settings::resolve(&BTreeMap::new(), &flags).unwrap_err();
        assert_eq!(err.source_name, format!("config file {}", file.display()));
        assert!(err.message.starts_with("listen: "), "{err}");
    }
}
