//! Issue 16: `eseal backup` while the service runs and documents are being
//! issued, the installation wiped, `eseal restore` into a new data dir (and
//! database): issuing continues with no number given twice, every earlier
//! document verifies, the audit log checks out (every document with its
//! `seal.use`: the snapshot is one instant) and records the backup and the
//! restore. A restore from a backup older than the last issued number
//! continues in the next numbering epoch. On SQLite and PostgreSQL, and with
//! the seal keys on a SoftHSM2 token (the backup then holds none of them).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use common::server::Server;
use common::{Backend, Keys, TestEnv, backends, eseal, roster_with, run, tool};
use eseal::crypto::{KeyRef, MasterKey, OpeningReader, is_token_ref};

const SEAL: &str = "320707100002-01";
const OTHER: &str = "320707100000-01";

fn setup(env: &TestEnv) {
    let (ok, _, err) = run(eseal(env).arg("init"));
    assert!(ok, "init: {err}");
    let roster = roster_with(env.dir.path(), &[SEAL, OTHER]);
    let (ok, _, err) = run(eseal(env)
        .args(["seals", "provision", "--roster"])
        .arg(&roster));
    assert!(ok, "provision: {err}");
}

/// Issue a document; its number's sequence and the file.
fn issue(env: &TestEnv, seal: &str, name: &str) -> (i64, PathBuf) {
    let out = env.dir.path().join(format!("{name}.pdf"));
    let (ok, stdout, err) = run(eseal(env)
        .args(["issue", "--template", "business_premises", "--seal", seal])
        .args(["--sample", "--level", "B-LT", "--out"])
        .arg(&out));
    assert!(ok, "issue {name}: {stdout}{err}");
    (seq_of(&stdout), out)
}

/// The sequence of the number `eseal issue` printed (`...〔2026〕第000123号`).
fn seq_of(stdout: &str) -> i64 {
    let start = stdout.find("〕第").expect("a number") + "〕第".len();
    let rest = &stdout[start..];
    let end = rest.find('号').expect("号");
    rest[..end].parse().expect("digits")
}

fn verify_valid(env: &TestEnv, pdf: &Path) {
    let (ok, report, err) = run(eseal(env).args(["verify", "--json"]).arg(pdf));
    assert!(ok, "verify {}: {report}{err}", pdf.display());
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(v["verdict"], "VALID", "{report}");
}

fn audit_ok(env: &TestEnv) -> String {
    let (ok, out, err) = run(eseal(env).args(["audit", "verify"]));
    assert!(ok, "audit verify: {out}{err}");
    out
}

/// A new, empty place to restore into: another data dir, and on
/// PostgreSQL another database.
async fn target_of(env: &TestEnv) -> TestEnv {
    let mut t = TestEnv::new(env.backend).await;
    t.softhsm = env.softhsm.clone();
    t
}

fn restore(from: &TestEnv, to: &TestEnv, file: &Path, extra: &[&str]) -> (bool, String, String) {
    run(eseal(to)
        .arg("restore")
        .arg(file)
        .args(extra)
        .arg("--master-key-file")
        .arg(from.data_dir().join("master.key")))
}

/// The rows of `table` in a backup, decrypted with the public reader.
fn backup_rows(file: &Path, master: &MasterKey, table: &str) -> Vec<serde_json::Value> {
    let mut r = OpeningReader::new(std::fs::File::open(file).unwrap(), master).unwrap();
    let mut text = Vec::new();
    r.read_to_end(&mut text).unwrap();
    let mut rows = Vec::new();
    let mut inside = None;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if let Some(t) = v.get("table") {
            inside = Some(t["table"] == table)
                .filter(|x| *x)
                .map(|_| t["columns"].clone());
            continue;
        }
        if let (Some(cols), serde_json::Value::Array(vals)) = (&inside, &v) {
            let mut m = serde_json::Map::new();
            for (c, val) in cols.as_array().unwrap().iter().zip(vals) {
                m.insert(c.as_str().unwrap().into(), val.clone());
            }
            rows.push(serde_json::Value::Object(m));
        }
    }
    rows
}

async fn backup_while_serving_then_restore(backend: Backend, keys: Keys) {
    let env = TestEnv::with_keys(backend, keys).await;
    setup(&env);
    let mut before = Vec::new();
    for i in 0..2 {
        before.push(issue(&env, SEAL, &format!("before-{i}")));
    }
    let server = Server::start(&env);
    let file = env.dir.path().join("eseal.backup");
    // Documents keep being issued while the backup is taken.
    let during = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            (0..3)
                .map(|i| issue(&env, OTHER, &format!("during-{i}")))
                .collect::<Vec<_>>()
        });
        let (ok, out, err) = run(eseal(&env).args(["backup", "--out"]).arg(&file));
        assert!(ok, "backup: {out}{err}");
        assert!(out.contains("the master key is not in the backup"), "{out}");
        if keys == Keys::SoftHsm {
            assert!(out.contains("not in this backup"), "{out}");
        }
        writer.join().unwrap()
    });
    assert!(server.base.starts_with("http://"));
    drop(server);
    // The backup is in the audit log, named by its SHA-256.
    let sha = hex::encode(eseal::crypto::sha256(&std::fs::read(&file).unwrap()));
    let rows = common_audit(&env).await;
    assert!(
        rows.iter()
            .any(|r| r.0 == "backup.create" && r.1.contains(&format!("sha256={sha}"))),
        "{rows:?}"
    );
    // Not readable without the master key, and with it holds what it should.
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"ESEALBK1"));
    assert!(
        !bytes.windows(4).any(|w| w == b"%PDF"),
        "the PDFs are encrypted"
    );
    let master = MasterKey::from_file(&env.data_dir().join("master.key")).unwrap();
    let certs = backup_rows(&file, &master, "seal_certs");
    assert_eq!(certs.len(), 2);
    for c in &certs {
        use base64::Engine;
        let wrapped = base64::engine::general_purpose::STANDARD
            .decode(c["key_wrapped"]["b"].as_str().unwrap())
            .unwrap();
        let k = KeyRef {
            label: c["key_label"].as_str().unwrap().into(),
            wrapped,
        };
        // With the token the backup holds references to the seal keys, not keys.
        assert_eq!(is_token_ref(&k), keys == Keys::SoftHsm, "{k:?}");
    }

    // The installation is lost; restored elsewhere.
    let target = target_of(&env).await;
    let (ok, out, err) = restore(&env, &target, &file, &[]);
    assert!(ok, "restore: {out}{err}");
    assert!(out.contains("numbering epoch 1"), "{out}");
    std::fs::remove_dir_all(env.data_dir()).unwrap();
    // Every document issued before the backup verifies against the
    // restored installation, and the log holds each with its seal.use.
    for (_, pdf) in &before {
        verify_valid(&target, pdf);
    }
    audit_ok(&target);
    // Issuing continues, above every number given before (the documents
    // issued during the backup may or may not be in it: none is reused).
    let given: Vec<i64> = before.iter().chain(&during).map(|(n, _)| *n).collect();
    let (n1, pdf1) = issue(&target, SEAL, "after-1");
    let (n2, _) = issue(&target, OTHER, "after-2");
    assert_eq!((n1, n2), (100_001, 100_001));
    assert!(!given.contains(&n1), "{given:?}");
    verify_valid(&target, &pdf1);
    let rows = common_audit(&target).await;
    assert!(rows.iter().any(|r| r.0 == "backup.restore"
        && r.1.contains("numbering_epoch=1")
        && r.1.contains("next_number=100001")));
    audit_ok(&target);
    target.cleanup().await;
    env.cleanup().await;
}

/// (action, detail) of every audit entry, through the CLI-free store (no
/// keystore is opened: a PKCS#11 installation is read the same way).
async fn common_audit(env: &TestEnv) -> Vec<(String, String)> {
    let store = eseal::store::Store::connect(&env.settings.database_url())
        .await
        .unwrap();
    let rows = eseal::store::audit::page(&store.pool, 0, 100_000)
        .await
        .unwrap();
    store.close().await;
    rows.into_iter().map(|r| (r.action, r.detail)).collect()
}

#[tokio::test]
async fn backup_while_serving_wipe_restore_issue_verify() {
    for b in backends() {
        backup_while_serving_then_restore(b, Keys::File).await;
    }
}

#[tokio::test]
async fn backup_and_restore_with_the_seal_keys_on_a_token() {
    if tool("softhsm2-util").is_none() {
        return;
    }
    backup_while_serving_then_restore(Backend::Sqlite, Keys::SoftHsm).await;
}

#[tokio::test]
async fn a_restore_from_an_older_backup_never_reuses_a_number() {
    let env = TestEnv::new(Backend::Sqlite).await;
    setup(&env);
    let (first, first_pdf) = issue(&env, SEAL, "first");
    assert_eq!(first, 1);
    let old = env.dir.path().join("old.backup");
    let (ok, _, err) = run(eseal(&env).args(["backup", "--out"]).arg(&old));
    assert!(ok, "backup: {err}");
    // Documents 2 and 3 are issued after the backup: lost with the
    // installation, but in residents' hands.
    let lost: Vec<i64> = (0..2)
        .map(|i| issue(&env, SEAL, &format!("lost-{i}")).0)
        .collect();
    assert_eq!(lost, vec![2, 3]);

    let restored = target_of(&env).await;
    let (ok, out, err) = restore(&env, &restored, &old, &[]);
    assert!(ok, "restore: {out}{err}");
    let (n, _) = issue(&restored, SEAL, "after-restore");
    assert_eq!(n, 100_001, "not 2: number 2 was given before the restore");
    verify_valid(&restored, &first_pdf);

    // The restored installation's own backup carries its epoch: a restore
    // of it goes on in epoch 2.
    let newer = env.dir.path().join("newer.backup");
    let (ok, _, err) = run(eseal(&restored).args(["backup", "--out"]).arg(&newer));
    assert!(ok, "backup: {err}");
    let again = target_of(&env).await;
    let (ok, out, err) = restore(&restored, &again, &newer, &[]);
    assert!(ok, "restore: {out}{err}");
    assert_eq!(issue(&again, SEAL, "epoch-2").0, 200_001);
    // The old backup again, after a restore that issued numbers: the
    // operator names the epoch to go on from.
    let third = target_of(&env).await;
    let (ok, out, err) = restore(&env, &third, &old, &["--numbering-epoch", "3"]);
    assert!(ok, "restore: {out}{err}");
    assert_eq!(issue(&third, SEAL, "epoch-3").0, 300_001);
    for t in [restored, again, third] {
        t.cleanup().await;
    }
    env.cleanup().await;
}

#[tokio::test]
async fn a_restore_refuses_a_wrong_key_a_damaged_file_and_an_existing_installation() {
    let env = TestEnv::new(Backend::Sqlite).await;
    setup(&env);
    let file = env.dir.path().join("b.backup");
    let (ok, _, err) = run(eseal(&env).args(["backup", "--out"]).arg(&file));
    assert!(ok, "backup: {err}");
    let target = target_of(&env).await;
    // Another master key.
    let other_key = env.dir.path().join("other.key");
    std::fs::write(
        &other_key,
        MasterKey::generate().unwrap().to_text().as_bytes(),
    )
    .unwrap();
    let (ok, _, err) = run(eseal(&target)
        .arg("restore")
        .arg(&file)
        .arg("--master-key-file")
        .arg(&other_key));
    assert!(!ok);
    assert!(err.contains("cannot be decrypted"), "{err}");
    assert!(!target.data_dir().exists(), "nothing left behind");
    // A changed byte, a cut file.
    let bytes = std::fs::read(&file).unwrap();
    for (name, bad) in [
        ("flipped", {
            let mut b = bytes.clone();
            let n = b.len() / 2;
            b[n] ^= 1;
            b
        }),
        ("cut", bytes[..bytes.len() - 40].to_vec()),
    ] {
        let p = env.dir.path().join(name);
        std::fs::write(&p, bad).unwrap();
        let (ok, _, err) = restore(&env, &target, &p, &[]);
        assert!(!ok, "{name}");
        assert!(err.contains("backup"), "{name}: {err}");
        assert!(!target.data_dir().exists(), "{name}: nothing left behind");
    }
    // Into a data dir that holds an installation: refused, untouched.
    let (ok, _, err) = restore(&env, &env, &file, &[]);
    assert!(!ok);
    assert!(err.contains("already holds an installation"), "{err}");
    audit_ok(&env);
    target.cleanup().await;
    env.cleanup().await;
}
