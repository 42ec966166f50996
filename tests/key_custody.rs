//! Issue 16, key custody: the root keys offline in custodians' shares, the
//! ceremony that reassembles them, the service that will not run beside
//! them, and the master key rotation that is all or nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use std::path::{Path, PathBuf};

use base64::Engine;
use common::custody::{default_shares_dir, recover_root_keys, share_files};
use common::server::{SEAL_A, Server};
use common::{Backend, TestEnv, backends, eseal, run};
use eseal::configuration::installation::{Installation, InstallationError};
use eseal::custody::master_key_rotation::InjectedFailure;
use eseal::pki::{CaKind, CertInfo};

const SEAL_B: &str = "320707000000-01";

fn ok(cmd: &mut std::process::Command) -> String {
    let (good, out, err) = run(cmd);
    assert!(good, "{cmd:?}: {out}{err}");
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn init_offline(env: &TestEnv, split: &str, dir: &Path) -> Vec<PathBuf> {
    let out = ok(eseal(env)
        .args(["init", "--root-shares", split, "--root-shares-dir"])
        .arg(dir));
    assert!(
        out.contains(&format!("root keys offline: {split}")),
        "{out}"
    );
    share_files(dir)
}

fn ceremony(env: &TestEnv, op: &[&str], shares: &[&PathBuf]) -> (bool, String, String) {
    let mut cmd = eseal(env);
    cmd.args(["pki", "ceremony"]).args(op);
    for s in shares {
        cmd.arg("--share").arg(s);
    }
    run(&mut cmd)
}

async fn published_root_crl(env: &TestEnv) -> (i64, Vec<u8>) {
    let inst = Installation::open(&env.settings).await.unwrap();
    let pool = &inst.store.pool;
    let number = eseal::store::meta::get(pool, "root_crl_number")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(
            eseal::store::meta::get(pool, "root_crl_der_b64")
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
    inst.store.close().await;
    (number, der)
}

/// openssl's `verify OK` for a DER CRL against the PEM root.
fn openssl_crl_ok(openssl: &Path, dir: &Path, crl: &[u8], root_pem: &Path) -> String {
    let f = dir.join("root.crl");
    std::fs::write(&f, crl).unwrap();
    let out = std::process::Command::new(openssl)
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&f)
        .arg("-CAfile")
        .arg(root_pem)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("verify OK"), "{text}");
    text
}

fn openssl_verify(openssl: &Path, root_pem: &Path, untrusted: Option<&Path>, cert: &Path) {
    let mut cmd = std::process::Command::new(openssl);
    cmd.arg("verify").arg("-CAfile").arg(root_pem);
    if let Some(u) = untrusted {
        cmd.arg("-untrusted").arg(u);
    }
    let out = cmd.arg(cert).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn init_keeps_the_root_keys_only_in_the_custodians_shares() {
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    for b in backends() {
        let env = TestEnv::new(b).await;
        let dir = env.dir.path().join("custodians");
        let files = init_offline(&env, "3-of-5", &dir);
        assert_eq!(files.len(), 5, "{files:?}");
        #[cfg(unix)]
        for f in &files {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
        assert!(!default_shares_dir(env.data_dir()).exists());

        let inst = Installation::open(&env.settings).await.unwrap();
        assert!(!inst.root_online());
        for kind in [CaKind::Root, CaKind::Sm2Root] {
            let ca = eseal::store::ca::get(&inst.store.pool, kind)
                .await
                .unwrap()
                .unwrap();
            assert!(
                ca.key.wrapped.is_empty(),
                "{kind:?} still has its key online"
            );
        }
        // Any three shares (here 3, 4 and 5) give back the keys of the root certs.
        let roots = recover_root_keys(&files[2..]);
        let root = roots.iter().find(|r| r.kind == "root").unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &root.pkcs8,
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
        assert_eq!(
            pair.public_key().as_ref(),
            CertInfo::parse(&inst.pki.root.cert_der).unwrap().public_key
        );
        // The SM2 key's PKCS#8 (SEC1 ECPrivateKey) carries its public point.
        let sm2_root = roots.iter().find(|r| r.kind == "sm2_root").unwrap();
        let sm2_public = CertInfo::parse(&inst.sm2.as_ref().unwrap().root.cert_der)
            .unwrap()
            .public_key;
        assert!(contains(&sm2_root.pkcs8, &sm2_public));

        // Nowhere online: not in the data dir, not in any row, not in any
        // command's output; not even the bundle's encrypted blob.
        let mut haystacks: Vec<(String, Vec<u8>)> = Vec::new();
        for e in std::fs::read_dir(env.data_dir()).unwrap() {
            let p = e.unwrap().path();
            haystacks.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
        if b == Backend::Postgres {
            haystacks.extend(
                common::pg_table_texts(
                    &inst.store.pool,
                    &["meta", "ca_keys", "root_crls", "audit_log"],
                )
                .await,
            );
        }
        for args in [vec!["pki", "root"], vec!["pki", "chain", "--sm2"]] {
            let (good, out, err) = run(eseal(&env).args(&args));
            assert!(good, "{err}");
            haystacks.push((format!("{args:?}"), format!("{out}{err}").into_bytes()));
        }
        for (name, hay) in &haystacks {
            for r in &roots {
                for secret in [&r.pkcs8, &r.scalar, &r.bundle_blob[13..]] {
                    assert!(!contains(hay, secret), "{} key material in {name}", r.kind);
                    assert!(
                        !contains(hay, hex::encode(secret).as_bytes()),
                        "hex of {} key material in {name}",
                        r.kind
                    );
                }
            }
        }
        // The split and the CRLs signed ahead are on record.
        let rows = eseal::store::audit::page(&inst.store.pool, 0, 100)
            .await
            .unwrap();
        let init = rows.iter().find(|r| r.action == "pki.init").unwrap();
        assert!(
            init.detail.contains("root_offline=shares:3-of-5"),
            "{init:?}"
        );
        assert!(init.detail.contains("root_crls=1.."), "{init:?}");
        inst.store.close().await;
        env.cleanup().await;
    }
}

#[tokio::test]
async fn a_ceremony_needs_m_shares_and_signs_what_openssl_verifies_against_the_root() {
    let Some(openssl) = common::tool("openssl") else {
        return;
    };
    for b in backends() {
        let env = TestEnv::new(b).await;
        let work = env.dir.path().to_path_buf();
        let f = init_offline(&env, "3-of-5", &work.join("custodians"));
        let root_pem = work.join("root.pem");
        std::fs::write(&root_pem, ok(eseal(&env).args(["pki", "root"]))).unwrap();

        // Fewer than M, the same share twice, a damaged one, another
        // installation's: each refused for its reason, nothing signed.
        let (good, _, err) = ceremony(&env, &["crls"], &[&f[0], &f[3]]);
        assert!(!good, "two shares were enough");
        assert!(
            err.contains("3 of the 5 root shares are needed") && err.contains("2 given"),
            "{err}"
        );
        let (good, _, err) = ceremony(&env, &["crls"], &[&f[0], &f[3], &f[0]]);
        assert!(!good && err.contains("is share number 1 again"), "{err}");
        let damaged = work.join("damaged.json");
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f[1]).unwrap()).unwrap();
        let share = doc["share"].as_str().unwrap().to_string();
        let flipped = if share.starts_with('A') { "B" } else { "A" };
        doc["share"] = format!("{flipped}{}", &share[1..]).into();
        std::fs::write(&damaged, serde_json::to_string(&doc).unwrap()).unwrap();
        let (good, _, err) = ceremony(&env, &["crls"], &[&f[0], &damaged, &f[3]]);
        assert!(!good && err.contains("checksum does not match"), "{err}");
        let other = TestEnv::new(Backend::Sqlite).await;
        let g = init_offline(&other, "3-of-5", &other.dir.path().join("custodians"));
        let (good, _, err) = ceremony(&env, &["crls"], &[&f[0], &g[1], &f[3]]);
        assert!(!good && err.contains("belongs to installation"), "{err}");
        let (good, _, err) = ceremony(&env, &["crls"], &[&g[0], &g[1], &g[2]]);
        assert!(!good && err.contains("belongs to installation"), "{err}");
        let (good, _, err) = ceremony(&env, &["crls"], &[]);
        assert!(!good && err.contains("--share"), "{err}");
        let inst = Installation::open(&env.settings).await.unwrap();
        let ceremonies = |rows: &[eseal::store::audit::AuditRow]| {
            rows.iter().filter(|r| r.action == "pki.ceremony").count()
        };
        let rows = eseal::store::audit::page(&inst.store.pool, 0, 1000)
            .await
            .unwrap();
        assert_eq!(ceremonies(&rows), 0);
        let (first_run_end, _) = eseal::store::root_crls::run_end(&inst.store.pool, "root")
            .await
            .unwrap();
        inst.store.close().await;

        // M shares: a new run of root CRLs, the first in force at once.
        let out = ok(eseal(&env)
            .args(["pki", "ceremony", "crls", "--share"])
            .arg(&f[0])
            .arg("--share")
            .arg(&f[2])
            .arg("--share")
            .arg(&f[4]));
        assert!(out.contains("signed root CRLs root_crls="), "{out}");
        let (number, crl) = published_root_crl(&env).await;
        assert!(number > first_run_end.unwrap(), "{number}");
        openssl_crl_ok(&openssl, &work, &crl, &root_pem);

        // A new seal CA under the root; seals provisioned after it chain to it.
        let old_chain = ok(eseal(&env).args(["pki", "chain"]));
        let (good, out, err) = ceremony(&env, &["seal-ca"], &[&f[1], &f[3], &f[4]]);
        assert!(good, "{out}{err}");
        let chain = ok(eseal(&env).args(["pki", "chain"]));
        assert_ne!(chain, old_chain);
        let new_ca = work.join("seal-ca.pem");
        let end = chain.find("-----END CERTIFICATE-----").unwrap() + 26;
        std::fs::write(&new_ca, &chain[..end]).unwrap();
        openssl_verify(&openssl, &root_pem, None, &new_ca);
        ok(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(common::roster_with(&work, &[SEAL_A])));
        let shown: serde_json::Value =
            serde_json::from_str(&ok(eseal(&env).args(["seals", "show", SEAL_A, "--json"])))
                .unwrap();
        let seal_pem = work.join("seal.pem");
        std::fs::write(&seal_pem, shown["cert_pem"].as_str().unwrap()).unwrap();
        openssl_verify(&openssl, &root_pem, Some(&new_ca), &seal_pem);

        // Revoking the TSA: the root CRL in force lists it, signed by the root.
        let tsa_pem = &chain[end..];
        let tsa_der = eseal::pki::certs_from_pem_or_der(tsa_pem.as_bytes()).unwrap();
        let tsa_serial = CertInfo::parse(&tsa_der[0]).unwrap().serial_hex;
        let (good, out, err) = ceremony(
            &env,
            &["revoke-intermediate", "tsa", "--reason", "superseded"],
            &[&f[4], &f[1], &f[0]],
        );
        assert!(good, "{out}{err}");
        let (after, crl) = published_root_crl(&env).await;
        assert!(after > number);
        let text = openssl_crl_ok(&openssl, &work, &crl, &root_pem);
        assert!(
            text.contains(&format!("Serial Number: {}", tsa_serial.to_uppercase())),
            "{text}"
        );
        assert!(text.contains("Superseded"), "{text}");

        let inst = Installation::open(&env.settings).await.unwrap();
        let rows = eseal::store::audit::page(&inst.store.pool, 0, 1000)
            .await
            .unwrap();
        assert_eq!(ceremonies(&rows), 3, "{rows:?}");
        assert!(!inst.root_online(), "a ceremony left a root key online");
        inst.store.close().await;
        env.cleanup().await;
        other.cleanup().await;
    }
}

#[tokio::test]
async fn serve_refuses_to_start_with_a_root_key_online_outside_the_demo() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let mut online = env.settings.clone();
    online.root_shares = None;
    Installation::init(&online).await.unwrap();
    assert!(!default_shares_dir(env.data_dir()).exists());
    let (good, _, err) = run(eseal(&env).args(["serve", "--listen", "127.0.0.1:0"]));
    assert!(!good, "served beside an online root key");
    assert!(
        err.contains("a root CA key is in the online keystore"),
        "{err}"
    );
    // The same installation as a demo (specimen documents) serves.
    let mut inst = Installation::open(&env.settings).await.unwrap();
    assert!(inst.root_online());
    inst.mark_specimen().await.unwrap();
    inst.store.close().await;
    let server = Server::start(&env);
    let r = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert!(r.status().is_success());
    drop(server);

    // The default installation (root offline) serves, and publishes the
    // first root CRL signed ahead at init.
    let env = TestEnv::new(Backend::Sqlite).await;
    ok(eseal(&env).arg("init"));
    assert_eq!(share_files(&default_shares_dir(env.data_dir())).len(), 5);
    let server = Server::start(&env);
    let r = reqwest::get(format!("{}/pki/root.crl", server.base))
        .await
        .unwrap();
    assert!(r.status().is_success());
    let crl = r.bytes().await.unwrap().to_vec();
    drop(server);
    let (number, published) = published_root_crl(&env).await;
    assert_eq!((number, &published), (1, &crl));
}

#[tokio::test]
async fn an_installation_with_its_root_online_takes_it_offline_and_then_serves() {
    for b in backends() {
        // As made before root custody existed: both roots online.
        let env = TestEnv::new(b).await;
        let mut online = env.settings.clone();
        online.root_shares = None;
        Installation::init(&online).await.unwrap();
        let (good, _, err) = run(eseal(&env).args(["serve", "--listen", "127.0.0.1:0"]));
        assert!(!good && err.contains("eseal pki root-offline"), "{err}");
        let dir = env.dir.path().join("custodians");
        let out = ok(eseal(&env)
            .args([
                "pki",
                "root-offline",
                "--root-shares",
                "2-of-3",
                "--root-shares-dir",
            ])
            .arg(&dir));
        assert!(out.contains("root keys offline: 2-of-3"), "{out}");
        let f = share_files(&dir);
        assert_eq!(f.len(), 3);
        let inst = Installation::open(&env.settings).await.unwrap();
        assert!(!inst.root_online());
        inst.store.close().await;
        let roots = recover_root_keys(&f[1..]);
        assert_eq!(roots.len(), 2);
        let (good, _, err) = run(eseal(&env)
            .args(["pki", "root-offline", "--root-shares-dir"])
            .arg(env.dir.path().join("again")));
        assert!(!good && err.contains("already"), "{err}");
        let (good, out, err) = ceremony(&env, &["crls"], &[&f[2], &f[0]]);
        assert!(good, "{out}{err}");
        let server = Server::start(&env);
        let r = reqwest::get(format!("{}/pki/root.crl", server.base))
            .await
            .unwrap();
        assert!(r.status().is_success());
        drop(server);
        env.cleanup().await;
    }
}

/// Every wrapped key in the database: (row, label, blob).
async fn blobs(env: &TestEnv) -> Vec<(String, String, Vec<u8>)> {
    let inst = Installation::open(&env.settings).await.unwrap();
    let mut out = Vec::new();
    for (t, id) in [
        ("ca_keys", "kind"),
        ("seal_certs", "serial_hex"),
        ("seal_sm2", "serial_hex"),
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {id}, key_label, key_wrapped FROM {t} WHERE key_wrapped IS NOT NULL ORDER BY {id}"
        )))
        .fetch_all(&inst.store.pool)
        .await
        .unwrap();
        for r in rows {
            let blob: Vec<u8> = sqlx::Row::try_get(&r, 2).unwrap();
            if !blob.is_empty() {
                out.push((
                    format!("{t}:{}", sqlx::Row::try_get::<String, _>(&r, 0).unwrap()),
                    sqlx::Row::try_get(&r, 1).unwrap(),
                    blob,
                ));
            }
        }
    }
    inst.store.close().await;
    out
}

/// Does `master_text` open `blob` (bound to `label`)? Independently of the crate.
fn opens(master_text: &str, label: &str, blob: &[u8]) -> bool {
    common::custody::open_blob(&common::custody::master_bytes(master_text), label, blob).is_some()
}

/// Issue a document with `seal` and verify it against the root.
fn issue_and_verify(env: &TestEnv, name: &str) {
    let out = env.dir.path().join(format!("{name}.pdf"));
    ok(eseal(env)
        .args([
            "issue",
            "--template",
            "business_premises",
            "--seal",
            SEAL_A,
            "--sample",
            "--out",
        ])
        .arg(&out));
    let report = ok(eseal(env).arg("verify").arg(&out).arg("--json"));
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(v["verdict"], "VALID", "{report}");
}

#[tokio::test]
async fn master_key_rotation_is_all_or_nothing_and_after_it_the_old_key_opens_nothing() {
    for b in backends() {
        let env = TestEnv::new(b).await;
        ok(eseal(&env).arg("init"));
        ok(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(common::roster_with(env.dir.path(), &[SEAL_A, SEAL_B])));
        let key_file = env.data_dir().join("master.key");
        let pending = env.data_dir().join("master.key.new");
        let old_key = std::fs::read_to_string(&key_file).unwrap();
        let before = blobs(&env).await;
        // Seal CA, TSA, SM2 seal CA, maker, SM2 TSA; two seals of each kind.
        assert_eq!(
            before.len(),
            9,
            "{:?}",
            before.iter().map(|b| &b.0).collect::<Vec<_>>()
        );
        assert!(before.iter().all(|(_, l, b)| opens(&old_key, l, b)));

        // An error injected after 4 blobs, inside the transaction.
        let inst = Installation::open(&env.settings).await.unwrap();
        let err = inst
            .rotate_master_key(InjectedFailure::Error(4))
            .await
            .unwrap_err();
        inst.store.close().await;
        assert!(
            err.to_string()
                .contains("injected failure after 4 key blobs"),
            "{err}"
        );
        assert_eq!(blobs(&env).await, before, "a failed rotation changed blobs");
        assert_eq!(std::fs::read_to_string(&key_file).unwrap(), old_key);
        assert!(!pending.exists());

        // A crash (the process aborts) after 6 blobs, inside the transaction.
        let out = eseal(&env)
            .args(["master-key", "rotate", "--danger-abort-after-blobs", "6"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(out.status.signal(), Some(6), "not aborted: {out:?}");
        }
        assert_eq!(
            blobs(&env).await,
            before,
            "a crashed rotation changed blobs"
        );
        assert_eq!(std::fs::read_to_string(&key_file).unwrap(), old_key);
        assert!(pending.exists(), "the new key waits beside the old one");
        // The old key goes on working: issuance and verification.
        issue_and_verify(&env, "after-crash");

        // The rotation itself.
        let out = ok(eseal(&env).args(["master-key", "rotate"]));
        assert!(out.contains("9 key blobs re-wrapped"), "{out}");
        assert!(!pending.exists());
        let new_key = std::fs::read_to_string(&key_file).unwrap();
        assert_ne!(new_key, old_key);
        let after = blobs(&env).await;
        assert_eq!(after.len(), before.len());
        for ((row, label, blob), (row0, _, blob0)) in after.iter().zip(&before) {
            assert_eq!(row, row0);
            assert_ne!(blob, blob0, "{row} not re-wrapped");
            assert!(!opens(&old_key, label, blob), "the old key opens {row}");
            assert!(
                opens(&new_key, label, blob),
                "the new key does not open {row}"
            );
        }
        let old_file = env.dir.path().join("old.key");
        std::fs::write(&old_file, &old_key).unwrap();
        let mut with_old = env.settings.clone();
        with_old.master_key_file = Some(old_file);
        assert!(matches!(
            Installation::open(&with_old).await,
            Err(InstallationError::WrongMasterKey { .. })
        ));
        issue_and_verify(&env, "after-rotation");

        // A crash between the commit and the key file's rename: the next
        // process finds the new key waiting and puts it in place.
        std::fs::rename(&key_file, &pending).unwrap();
        std::fs::write(&key_file, &old_key).unwrap();
        ok(eseal(&env).args(["seals", "list"]));
        assert_eq!(std::fs::read_to_string(&key_file).unwrap(), new_key);
        assert!(!pending.exists());

        let rows = common::audit_rows(&env).await;
        let rotations: Vec<_> = rows
            .iter()
            .filter(|r| r.action == "key.master_rotate")
            .collect();
        assert_eq!(
            rotations.len(),
            1,
            "only the committed rotation is on record"
        );
        assert!(
            rotations[0].detail.contains("blobs=9"),
            "{:?}",
            rotations[0]
        );
        env.cleanup().await;
    }
}
