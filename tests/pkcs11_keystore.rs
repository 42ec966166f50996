//! Issue 16: seal keys on a PKCS#11 token (SoftHSM2, a token dir of each
//! test's own). `eseal init --keystore pkcs11 ...` makes the installation;
//! its seal, seal CA and TSA keys are made on the token and never leave it
//! (OpenSC's pkcs11-tool reads their attributes from the token: sensitive,
//! never extractable, generated there); no key of those seals is anywhere
//! in the data dir or the database; documents issued with them validate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use std::path::Path;
use std::process::Command;

use common::{Backend, Keys, SOFTHSM_PIN, SoftHsm, TestEnv, eseal, roster_with, run, tool};
use eseal::crypto::{FileKeystore, KeyRef, MasterKey, Signer, is_token_ref};
use sqlx::Row;

const SEALS: &[&str] = &["320707100002-01", "320707100000-01", "320707000000-02"];

/// `eseal init` with the flags spelled out (no ESEAL_* keystore variables),
/// then a small roster provisioned.
fn init_with_flags(env: &TestEnv, hsm: &SoftHsm) {
    let (ok, out, err) = run(eseal(env)
        .env_remove("ESEAL_KEYSTORE")
        .env_remove("ESEAL_PKCS11_MODULE")
        .env_remove("ESEAL_PKCS11_TOKEN")
        .env_remove("ESEAL_PKCS11_PIN_FILE")
        .args(["init", "--keystore", "pkcs11", "--pkcs11-module"])
        .arg(&hsm.module)
        .args(["--pkcs11-token", &hsm.label, "--pkcs11-pin-file"])
        .arg(&hsm.pin_file));
    assert!(ok, "init: {out}{err}");
    assert!(out.contains("on PKCS#11 token \"eseal-test\""), "{out}");
    let roster = roster_with(env.dir.path(), SEALS);
    let (ok, _, err) = run(eseal(env)
        .env_remove("ESEAL_KEYSTORE")
        .args(["seals", "provision", "--roster"])
        .arg(&roster));
    assert!(ok, "provision: {err}");
}

/// `eseal issue` of a sample document sealed by `seal` into `out`.
fn issue_cmd(env: &TestEnv, seal: &str, out: &Path) -> Command {
    let mut c = eseal(env);
    c.args(["issue", "--template", "business_premises", "--seal", seal])
        .args(["--sample", "--level", "B-LT", "--out"])
        .arg(out);
    c
}

/// pkcs11-tool's view of the token's private keys: (label, access line).
fn token_private_keys(hsm: &SoftHsm) -> Vec<(String, String)> {
    let Some(p11) = tool("pkcs11-tool") else {
        return Vec::new();
    };
    let (ok, out, err) = run(Command::new(p11)
        .env("SOFTHSM2_CONF", &hsm.conf)
        .arg("--module")
        .arg(&hsm.module)
        .args(["--token-label", &hsm.label, "--login", "--pin", SOFTHSM_PIN])
        .args(["--list-objects", "--type", "privkey"]));
    assert!(ok, "pkcs11-tool: {out}{err}");
    let mut keys = Vec::new();
    let mut label = None;
    for line in out.lines() {
        let line = line.trim();
        if let Some(l) = line.strip_prefix("label:") {
            label = Some(l.trim().to_string());
        }
        if let (Some(a), Some(l)) = (line.strip_prefix("Access:"), &label) {
            keys.push((l.clone(), a.trim().to_string()));
            label = None;
        }
    }
    keys
}

/// Every byte string stored in any table of the SQLite database.
async fn every_blob(db: &Path) -> Vec<(String, Vec<u8>)> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{t}\"")))
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in rows {
            for i in 0..r.len() {
                if let Ok(Some(b)) = r.try_get::<Option<Vec<u8>>, _>(i) {
                    out.push((t.clone(), b));
                }
            }
        }
    }
    out
}

async fn key_refs(db: &Path, sql: &str) -> Vec<KeyRef> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut c)
        .await
        .unwrap()
        .into_iter()
        .map(|r| KeyRef {
            label: r.get(0),
            wrapped: r.get(1),
        })
        .collect()
}

/// The plaintext encodings of a P-256 private key: PKCS#8 (ring's) and
/// SEC1, as they would begin.
const PKCS8_P256: &[u8] = &[
    0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
];
const SEC1_P256: &[u8] = &[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn seal_keys_live_on_the_token_and_nowhere_else() {
    if tool("softhsm2-util").is_none() {
        return;
    }
    let env = TestEnv::with_keys(Backend::Sqlite, Keys::SoftHsm).await;
    let hsm = env.softhsm.clone().unwrap();
    init_with_flags(&env, &hsm);

    // A document issued and verified with the token's keys (later commands
    // find the token from what init recorded: only SOFTHSM2_CONF is set).
    let pdf = env.dir.path().join("doc.pdf");
    let plain = |c: &mut Command| {
        for v in [
            "ESEAL_KEYSTORE",
            "ESEAL_PKCS11_MODULE",
            "ESEAL_PKCS11_TOKEN",
            "ESEAL_PKCS11_PIN_FILE",
        ] {
            c.env_remove(v);
        }
    };
    let mut issue = issue_cmd(&env, SEALS[0], &pdf);
    plain(&mut issue);
    let (ok, out, err) = run(&mut issue);
    assert!(ok, "issue: {out}{err}");
    let (ok, report, err) = run(eseal(&env).args(["verify", "--json"]).arg(&pdf));
    assert!(ok, "verify: {report}{err}");
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(v["verdict"], "VALID", "{report}");

    // What the database refers to: token references for the ECDSA seal,
    // seal CA and TSA keys; wrapped blobs for the root (it goes offline) and
    // the SM2 keys (SoftHSM2 has no SM2).
    let db = env.data_dir().join("eseal.db");
    let seal_keys = key_refs(&db, "SELECT key_label, key_wrapped FROM seal_certs").await;
    assert_eq!(seal_keys.len(), SEALS.len());
    assert!(seal_keys.iter().all(is_token_ref), "{seal_keys:?}");
    let ca = key_refs(&db, "SELECT key_label, key_wrapped FROM ca_keys").await;
    for k in &ca {
        let on_token = is_token_ref(k);
        let expected = matches!(k.label.as_str(), "ca:seal_ca" | "ca:tsa");
        assert_eq!(on_token, expected, "{k:?}");
    }
    let sm2 = key_refs(&db, "SELECT key_label, key_wrapped FROM seal_sm2").await;
    assert_eq!(sm2.len(), SEALS.len());
    assert!(!sm2.iter().any(is_token_ref));

    // The token holds each of those keys, sensitive and never extractable,
    // made on the token.
    let on_token = token_private_keys(&hsm);
    if tool("pkcs11-tool").is_some() {
        for k in seal_keys
            .iter()
            .chain(ca.iter().filter(|k| is_token_ref(k)))
        {
            let (_, access) = on_token
                .iter()
                .find(|(l, _)| l == &k.label)
                .unwrap_or_else(|| panic!("{} on the token: {on_token:?}", k.label));
            for a in [
                "sensitive",
                "always sensitive",
                "never extractable",
                "local",
            ] {
                assert!(access.split(", ").any(|x| x == a), "{}: {access}", k.label);
            }
            assert!(!access.split(", ").any(|x| x == "extractable"), "{access}");
        }
    }

    // No key of those seals outside the token: no blob anywhere in the
    // database opens as any of their keys under the master key, and no file
    // of the data dir holds a plaintext P-256 private key.
    let master = MasterKey::from_file(&env.data_dir().join("master.key")).unwrap();
    let ks = FileKeystore::new(&master).unwrap();
    let blobs = every_blob(&db).await;
    assert!(blobs.len() > SEALS.len() * 3, "the scan saw the blobs");
    let labels: Vec<&String> = seal_keys
        .iter()
        .chain(ca.iter().filter(|k| is_token_ref(k)))
        .map(|k| &k.label)
        .collect();
    for (table, blob) in &blobs {
        for label in &labels {
            let probe = KeyRef {
                label: (*label).clone(),
                wrapped: blob.clone(),
            };
            assert!(
                ks.public_key(&probe).is_err(),
                "a blob in {table} is the key {label}"
            );
        }
    }
    for f in files_under(env.data_dir()) {
        let bytes = std::fs::read(&f).unwrap();
        for needle in [PKCS8_P256, SEC1_P256] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds a plaintext P-256 key",
                f.display()
            );
        }
    }
    // The scan can fail: the file keystore's own blobs (the SM2 keys) open.
    assert!(sm2.iter().all(|k| ks.public_key(k).is_ok()));
    env.cleanup().await;
}

#[tokio::test]
async fn rotation_and_revocation_destroy_the_old_key_on_the_token() {
    if tool("softhsm2-util").is_none() || tool("pkcs11-tool").is_none() {
        return;
    }
    let env = TestEnv::with_keys(Backend::Sqlite, Keys::SoftHsm).await;
    let hsm = env.softhsm.clone().unwrap();
    init_with_flags(&env, &hsm);
    let labels = |hsm: &SoftHsm| -> Vec<String> {
        token_private_keys(hsm)
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    };
    let first = format!("seal:{}#1", SEALS[0]);
    assert!(labels(&hsm).contains(&first), "{:?}", labels(&hsm));
    let (ok, _, err) = run(eseal(&env).args(["seals", "rotate", SEALS[0]]));
    assert!(ok, "rotate: {err}");
    let now = labels(&hsm);
    assert!(!now.contains(&first), "{now:?}");
    assert!(now.contains(&format!("seal:{}#2", SEALS[0])), "{now:?}");
    let pdf = env.dir.path().join("after-rotate.pdf");
    let (ok, _, err) = run(&mut issue_cmd(&env, SEALS[0], &pdf));
    assert!(ok, "issue after rotation: {err}");
    let (ok, _, err) =
        run(eseal(&env).args(["seals", "revoke", SEALS[1], "--reason", "key-compromise"]));
    assert!(ok, "revoke: {err}");
    let now = labels(&hsm);
    assert!(!now.contains(&format!("seal:{}#1", SEALS[1])), "{now:?}");
    env.cleanup().await;
}

#[tokio::test]
async fn a_wrong_pin_or_a_missing_token_is_refused_clearly() {
    if tool("softhsm2-util").is_none() {
        return;
    }
    let env = TestEnv::with_keys(Backend::Sqlite, Keys::SoftHsm).await;
    let hsm = env.softhsm.clone().unwrap();
    // init without the token's label: told what is missing, nothing made.
    let (ok, _, err) = run(eseal(&env).env_remove("ESEAL_PKCS11_TOKEN").arg("init"));
    assert!(!ok);
    assert!(err.contains("--pkcs11-token"), "{err}");
    assert!(!env.data_dir().join("eseal.db").exists());
    // A token that does not exist.
    let (ok, _, err) = run(eseal(&env).env("ESEAL_PKCS11_TOKEN", "no-such").arg("init"));
    assert!(!ok);
    assert!(
        err.contains("no initialised token labelled \"no-such\""),
        "{err}"
    );
    assert!(!env.data_dir().join("eseal.db").exists());
    init_with_flags(&env, &hsm);
    // A wrong PIN: refused by name, nothing issued.
    let bad_pin = env.dir.path().join("bad-pin");
    std::fs::write(&bad_pin, "0000\n").unwrap();
    let out = env.dir.path().join("never.pdf");
    let (ok, _, err) = run(issue_cmd(&env, SEALS[0], &out).env("ESEAL_PKCS11_PIN_FILE", &bad_pin));
    assert!(!ok);
    assert!(err.contains("the PIN is wrong"), "{err}");
    assert!(!err.contains("0000"), "the PIN is never printed: {err}");
    assert!(!out.exists());
    // The keystore kind is the installation's, not a setting's.
    let (ok, _, err) = run(eseal(&env)
        .env("ESEAL_KEYSTORE", "file")
        .args(["pki", "root"]));
    assert!(!ok);
    assert!(err.contains("in the pkcs11 keystore, not file"), "{err}");
    env.cleanup().await;
}
