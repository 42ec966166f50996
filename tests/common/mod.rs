//! Shared test helpers: fresh databases on each backend, outside tools.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use eseal::configuration::Settings;

pub mod custody;
pub mod server;
pub mod sm2_tools;

pub fn is_ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A database a test may use: SQLite always; PostgreSQL when
/// `ESEAL_TEST_PG_URL` is set (required under CI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    match std::env::var("ESEAL_TEST_PG_URL") {
        Ok(_) => v.push(Backend::Postgres),
        Err(_) if is_ci() => {
            panic!("CI=true but ESEAL_TEST_PG_URL is not set: PostgreSQL tests cannot run")
        }
        Err(_) => {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                eprintln!("note: ESEAL_TEST_PG_URL not set: PostgreSQL variants skipped")
            });
        }
    }
    v
}

/// Where a test installation keeps its ECDSA keys: wrapped under the
/// master key, or on a SoftHSM2 token of the test's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    File,
    SoftHsm,
}

/// The keystores a test runs on: the file keystore always; SoftHSM2 when
/// `softhsm2-util` is installed (required under CI: scripts/test.sh
/// installs Debian's `softhsm2`).
pub fn keystores() -> Vec<Keys> {
    let mut v = vec![Keys::File];
    if tool("softhsm2-util").is_some() {
        v.push(Keys::SoftHsm);
    }
    v
}

/// Debian's SoftHSM2 module.
pub fn softhsm_module() -> PathBuf {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("SoftHSM2's module (Debian package softhsm2)")
}

/// A SoftHSM2 token in a directory of its own: its configuration file
/// (SOFTHSM2_CONF), its label and a file holding its user PIN.
#[derive(Debug, Clone)]
pub struct SoftHsm {
    pub conf: PathBuf,
    pub tokens: PathBuf,
    pub module: PathBuf,
    pub label: String,
    pub pin_file: PathBuf,
}

pub const SOFTHSM_PIN: &str = "4821-test";

impl SoftHsm {
    /// A new, initialised token under `dir`.
    pub fn new(dir: &Path) -> Self {
        let root = dir.join("softhsm");
        let tokens = root.join("tokens");
        std::fs::create_dir_all(&tokens).expect("token dir");
        let conf = root.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .expect("softhsm2.conf");
        let label = "eseal-test".to_string();
        let util = tool("softhsm2-util").expect("softhsm2-util");
        let (ok, out, err) = run(Command::new(util)
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", &label])
            .args(["--pin", SOFTHSM_PIN, "--so-pin", "9137-so"]));
        assert!(ok, "softhsm2-util --init-token: {out}{err}");
        let pin_file = root.join("pin");
        std::fs::write(&pin_file, format!("{SOFTHSM_PIN}\n")).expect("pin file");
        Self {
            conf,
            tokens,
            module: softhsm_module(),
            label,
            pin_file,
        }
    }
}

/// A fresh installation directory (and database) for one test.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub settings: Settings,
    pub backend: Backend,
    /// The token of a PKCS#11 installation; `eseal()` points the command
    /// at it (SOFTHSM2_CONF and the ESEAL_PKCS11_* settings).
    pub softhsm: Option<SoftHsm>,
    pg_db: Option<String>,
}

fn random_name() -> String {
    let b = eseal::crypto::random_bytes(8).expect("rng");
    hex::encode(b)
}

impl TestEnv {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().join("data");
        let mut settings = Settings::for_data_dir(&data_dir);
        settings.public_url = "https://eseal.test".into();
        let mut pg_db = None;
        if backend == Backend::Postgres {
            let base = std::env::var("ESEAL_TEST_PG_URL").expect("ESEAL_TEST_PG_URL");
            let name = format!("eseal_t_{}", random_name());
            pg_admin(&base, &format!("CREATE DATABASE {name}")).await;
            let url = match base.rfind('/') {
                Some(i) => format!("{}/{name}", &base[..i]),
                None => panic!("bad ESEAL_TEST_PG_URL"),
            };
            settings.database_url = Some(url);
            pg_db = Some(name);
        }
        Self {
            dir,
            settings,
            backend,
            softhsm: None,
            pg_db,
        }
    }

    /// A fresh installation directory whose `eseal init` puts the ECDSA
    /// keys where `keys` says.
    pub async fn with_keys(backend: Backend, keys: Keys) -> Self {
        let mut env = Self::new(backend).await;
        if keys == Keys::SoftHsm {
            env.softhsm = Some(SoftHsm::new(env.dir.path()));
        }
        env
    }

    pub fn data_dir(&self) -> &Path {
        &self.settings.data_dir
    }

    /// Drop the PostgreSQL database (best effort).
    pub async fn cleanup(self) {
        if let Some(name) = &self.pg_db {
            let base = std::env::var("ESEAL_TEST_PG_URL").expect("ESEAL_TEST_PG_URL");
            pg_admin(
                &base,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn pg_admin(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(sql.to_string()))
        .await
        .expect(sql);
    let _ = c.close().await;
}

/// Look up an outside tool; under CI a missing tool fails the test,
/// elsewhere the caller skips with one line.
pub fn tool(name: &str) -> Option<PathBuf> {
    let venv = repo().join(".venv/bin").join(name);
    if venv.exists() {
        return Some(venv);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if is_ci() {
            panic!("CI=true and the outside tool {name} is missing (scripts/test.sh installs it)");
        }
        eprintln!(
            "note: {name} not found: this check is skipped (run scripts/test.sh to install it)"
        );
    }
    found
}

/// A roster file in `dir` with the demo roster's rows of `seals` only.
pub fn roster_with(dir: &Path, seals: &[&str]) -> PathBuf {
    let full = std::fs::read_to_string(repo().join("keys-example/roster.csv")).expect("roster");
    let mut lines = full.lines();
    let mut rows: Vec<&str> = lines.next().into_iter().collect();
    rows.extend(lines.filter(|l| seals.iter().any(|s| l.starts_with(s))));
    assert_eq!(rows.len(), seals.len() + 1, "every seal is in the roster");
    let path = dir.join("roster.csv");
    std::fs::write(&path, rows.join("\n") + "\n").expect("write roster");
    path
}

/// Run a command, returning (success, stdout, stderr).
pub fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("spawn");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The eseal binary with the test's settings in its environment.
pub fn eseal(env: &TestEnv) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eseal"));
    c.env("ESEAL_DATA_DIR", &env.settings.data_dir);
    c.env("ESEAL_PUBLIC_URL", &env.settings.public_url);
    c.env_remove("ESEAL_MASTER_KEY_FILE");
    match &env.settings.database_url {
        Some(u) => c.env("ESEAL_DATABASE_URL", u),
        None => c.env_remove("ESEAL_DATABASE_URL"),
    };
    for var in [
        "SOFTHSM2_CONF",
        "ESEAL_KEYSTORE",
        "ESEAL_PKCS11_MODULE",
        "ESEAL_PKCS11_TOKEN",
        "ESEAL_PKCS11_PIN_FILE",
    ] {
        c.env_remove(var);
    }
    if let Some(hsm) = &env.softhsm {
        c.env("SOFTHSM2_CONF", &hsm.conf)
            .env("ESEAL_KEYSTORE", "pkcs11")
            .env("ESEAL_PKCS11_MODULE", &hsm.module)
            .env("ESEAL_PKCS11_TOKEN", &hsm.label)
            .env("ESEAL_PKCS11_PIN_FILE", &hsm.pin_file);
    }
    c
}

/// Every audit entry of the test's installation, in order.
pub async fn audit_rows(env: &TestEnv) -> Vec<eseal::store::audit::AuditRow> {
    let inst = eseal::configuration::installation::Installation::open(&env.settings)
        .await
        .expect("open");
    let rows = eseal::store::audit::page(&inst.store.pool, 0, 100_000)
        .await
        .expect("audit rows");
    inst.store.close().await;
    rows
}

/// Every row of each of `tables` as PostgreSQL prints it (`CAST(row AS
/// TEXT)`), one haystack per table, to search for bytes that must not be
/// stored.
pub async fn pg_table_texts(pool: &sqlx::AnyPool, tables: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for t in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(x AS TEXT) FROM {t} x"
        )))
        .fetch_all(pool)
        .await
        .expect("rows");
        let mut all = Vec::new();
        for r in rows {
            let s: String = sqlx::Row::try_get(&r, 0).expect("text");
            all.extend_from_slice(s.as_bytes());
        }
        out.push((format!("table {t}"), all));
    }
    out
}
