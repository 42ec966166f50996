//! Issue 2: the district PKI, the seals and their keystore, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use std::collections::BTreeMap;

use common::{Backend, TestEnv, backends, eseal, run, tool};
use eseal::configuration::installation::{Installation, InstallationError};
use eseal::pki::{CertInfo, RevocationReason, verify_issued_by};
use eseal::seal::{Roster, registry};
use x509_parser::prelude::*;

const ROSTER: &[u8] = include_bytes!("../keys-example/roster.csv");

async fn provisioned(backend: Backend) -> (TestEnv, Installation) {
    let env = TestEnv::new(backend).await;
    Installation::init(&env.settings).await.expect("init");
    let inst = Installation::open(&env.settings).await.expect("open");
    let roster = Roster::parse(ROSTER).expect("roster");
    let r = registry::provision(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        None,
        &roster,
        "test",
        &|| {},
    )
    .await
    .expect("provision");
    assert_eq!(r.added.len(), 563);
    (env, inst)
}

fn eku_oids(c: &X509Certificate<'_>) -> (bool, Vec<String>) {
    let ext = c
        .extensions()
        .iter()
        .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_EXTENDED_KEY_USAGE)
        .expect("EKU present");
    let ParsedExtension::ExtendedKeyUsage(eku) = ext.parsed_extension() else {
        panic!("EKU unparsed")
    };
    let mut v: Vec<String> = eku.other.iter().map(|o| o.to_id_string()).collect();
    if eku.email_protection {
        v.push("1.3.6.1.5.5.7.3.4".into());
    }
    if eku.time_stamping {
        v.push("1.3.6.1.5.5.7.3.8".into());
    }
    (ext.critical, v)
}

fn dir_snapshot(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let e = e.expect("entry");
        m.insert(
            e.file_name().to_string_lossy().into_owned(),
            std::fs::read(e.path()).expect("read"),
        );
    }
    m
}

#[tokio::test]
async fn every_seal_cert_chains_to_the_root_with_the_right_usages() {
    for b in backends() {
        let (env, inst) = provisioned(b).await;
        verify_issued_by(&inst.pki.seal_ca.cert_der, &inst.pki.root.cert_der)
            .expect("seal CA under root");
        verify_issued_by(&inst.pki.tsa.cert_der, &inst.pki.root.cert_der).expect("TSA under root");
        verify_issued_by(&inst.pki.root.cert_der, &inst.pki.root.cert_der)
            .expect("root self-signed");

        let (_, root) = X509Certificate::from_der(&inst.pki.root.cert_der).expect("root");
        let cn = root.subject().iter_common_name().next().expect("cn");
        assert_eq!(
            cn.attr_value().tag(),
            x509_parser::der_parser::asn1_rs::Tag::Utf8String
        );
        assert_eq!(cn.as_str().expect("utf8"), "连云港市赣榆区电子印章根证书");

        let (_, tsa) = X509Certificate::from_der(&inst.pki.tsa.cert_der).expect("tsa");
        assert_eq!(
            eku_oids(&tsa),
            (true, vec!["1.3.6.1.5.5.7.3.8".to_string()]),
            "TSA EKU critical timeStamping"
        );

        let seals = registry::list(&inst.store, None).await.expect("list");
        assert_eq!(seals.len(), 563);
        for s in &seals {
            let m = registry::signing_material(&inst.store, s.seal_id.as_str())
                .await
                .expect("material");
            verify_issued_by(&m.cert_der, &inst.pki.seal_ca.cert_der).expect("seal under seal CA");
            let (_, c) = X509Certificate::from_der(&m.cert_der).expect("cert");
            let info = CertInfo::parse(&m.cert_der).expect("info");
            assert_eq!(info.subject_cn, s.holder);
            assert_eq!(
                info.subject_serial_number.as_deref(),
                Some(s.seal_id.as_str())
            );
            let ku = c.key_usage().expect("ku").expect("ku present");
            assert!(ku.critical && ku.value.digital_signature() && ku.value.non_repudiation());
            assert!(!ku.value.key_cert_sign());
            let (_, ekus) = eku_oids(&c);
            assert!(
                ekus.contains(&"1.3.6.1.5.5.7.3.36".to_string()),
                "documentSigning EKU: {ekus:?}"
            );
            let days = (info.not_after - info.not_before).whole_days();
            assert!(
                (5 * 365..=5 * 365 + 2).contains(&days),
                "five years: {days}"
            );
            let crl_dp = c
                .extensions()
                .iter()
                .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_CRL_DISTRIBUTION_POINTS)
                .expect("CRL DP");
            assert!(
                String::from_utf8_lossy(crl_dp.value)
                    .contains("https://eseal.test/pki/seal-ca.crl")
            );
        }
        inst.store.close().await;
        env.cleanup().await;
    }
}

#[tokio::test]
async fn openssl_verifies_the_chain_and_parses_the_crl() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let (env, inst) = provisioned(Backend::Sqlite).await;
    let d = env.dir.path();
    std::fs::write(
        d.join("root.pem"),
        eseal::pki::cert_pem(&inst.pki.root.cert_der),
    )
    .unwrap();
    std::fs::write(
        d.join("sealca.pem"),
        eseal::pki::cert_pem(&inst.pki.seal_ca.cert_der),
    )
    .unwrap();
    std::fs::write(
        d.join("tsa.pem"),
        eseal::pki::cert_pem(&inst.pki.tsa.cert_der),
    )
    .unwrap();
    let mut files = vec![];
    for id in ["320707000000-01", "320707100000-01", "320707100002-01"] {
        let m = registry::signing_material(&inst.store, id).await.unwrap();
        let p = d.join(format!("{id}.pem"));
        std::fs::write(&p, eseal::pki::cert_pem(&m.cert_der)).unwrap();
        files.push(p);
    }
    let mut cmd = std::process::Command::new(&openssl);
    cmd.args(["verify", "-CAfile"])
        .arg(d.join("root.pem"))
        .arg("-untrusted")
        .arg(d.join("sealca.pem"));
    cmd.args(["-purpose", "any"]).args(&files);
    let (ok, out, err) = run(&mut cmd);
    assert!(ok, "openssl verify: {out}{err}");
    assert_eq!(out.matches(": OK").count(), 3, "{out}");
    let (ok, out, err) = run(std::process::Command::new(&openssl)
        .args(["verify", "-purpose", "timestampsign", "-CAfile"])
        .arg(d.join("root.pem"))
        .arg(d.join("tsa.pem")));
    assert!(ok, "TSA cert for timestamp signing: {out}{err}");

    // Revoke one seal: its serial lands on the CRL with the reason.
    let victim = registry::signing_material(&inst.store, "320707100002-01")
        .await
        .unwrap();
    let serial = CertInfo::parse(&victim.cert_der)
        .unwrap()
        .serial_hex
        .to_uppercase();
    registry::revoke(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        inst.sm2.as_ref(),
        "320707100002-01",
        RevocationReason::KeyCompromise,
        "test",
    )
    .await
    .unwrap();
    let crl = eseal::seal::crl_publication::publish_due(
        &inst.store,
        inst.signer.as_ref(),
        eseal::seal::crl_publication::Authorities::of(&inst),
        "test",
    )
    .await
    .unwrap()
    .seal_ca;
    std::fs::write(d.join("crl.der"), &crl).unwrap();
    let (ok, out, err) = run(std::process::Command::new(&openssl)
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(d.join("crl.der")));
    assert!(ok, "openssl crl: {err}");
    assert!(
        out.to_uppercase()
            .replace(':', "")
            .contains(&serial.trim_start_matches('0').to_string()),
        "{out}"
    );
    assert!(out.contains("Key Compromise"), "{out}");
    let (ok, out, err) = run(std::process::Command::new(&openssl)
        .args(["crl", "-inform", "DER", "-noout", "-in"])
        .arg(d.join("crl.der"))
        .arg("-CAfile")
        .arg(d.join("sealca.pem")));
    assert!(
        ok && (out.contains("verify OK") || err.contains("verify OK")),
        "CRL signature: {out}{err}"
    );
    // The revoked seal can no longer sign; the CRL is signed by the seal CA.
    assert!(
        registry::signing_material(&inst.store, "320707100002-01")
            .await
            .is_err()
    );
    inst.store.close().await;
}

#[tokio::test]
async fn provisioning_is_idempotent_and_reports_missing_rows() {
    for b in backends() {
        let (env, inst) = provisioned(b).await;
        let roster = Roster::parse(ROSTER).unwrap();
        let again = registry::provision(
            &inst.store,
            inst.signer.as_ref(),
            &inst.pki,
            None,
            &roster,
            "test",
            &|| {},
        )
        .await
        .unwrap();
        assert_eq!((again.added.len(), again.unchanged), (0, 563));
        let before = registry::signing_material(&inst.store, "320707100000-01")
            .await
            .unwrap();

        let text = String::from_utf8(ROSTER.to_vec()).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let dropped = lines.remove(5).split(',').next().unwrap().to_string();
        let mut new = lines.join("\n");
        new.push_str("\n320707100299-01,village,320707100,青口镇,测试村,测试村民委员会\n");
        let r = registry::provision(
            &inst.store,
            inst.signer.as_ref(),
            &inst.pki,
            None,
            &Roster::parse(new.as_bytes()).unwrap(),
            "test",
            &|| {},
        )
        .await
        .unwrap();
        assert_eq!(r.added, vec!["320707100299-01".to_string()]);
        assert_eq!(r.missing, vec![dropped.clone()]);
        assert_eq!(
            registry::list(&inst.store, None).await.unwrap().len(),
            564,
            "nothing deleted"
        );
        let after = registry::signing_material(&inst.store, "320707100000-01")
            .await
            .unwrap();
        assert_eq!(before.cert_der, after.cert_der, "existing seals untouched");
        inst.store.close().await;
        env.cleanup().await;
    }
}

#[tokio::test]
async fn a_bad_roster_is_refused_with_its_line_and_writes_nothing() {
    for b in backends() {
        let env = TestEnv::new(b).await;
        Installation::init(&env.settings).await.unwrap();
        let bad = env.dir.path().join("bad.csv");
        let mut text = String::from_utf8(ROSTER.to_vec()).unwrap();
        text.push_str("320707000000-01,district,320707,赣榆区,,重复的印章\n");
        std::fs::write(&bad, &text).unwrap();
        let (ok, out, err) = run(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(&bad));
        assert!(!ok, "{out}");
        assert!(
            err.contains("roster line 565") && err.contains("duplicate seal_id"),
            "{err}"
        );
        let inst = Installation::open(&env.settings).await.unwrap();
        assert!(
            registry::list(&inst.store, None).await.unwrap().is_empty(),
            "nothing written"
        );
        inst.store.close().await;
        env.cleanup().await;
    }
}

#[tokio::test]
async fn init_refuses_an_existing_installation_and_changes_nothing() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (ok, out, err) = run(eseal(&env).arg("init"));
    assert!(ok, "{out}{err}");
    let before = dir_snapshot(env.data_dir());
    let (ok, _, err) = run(eseal(&env).arg("init"));
    assert!(!ok);
    assert!(err.contains("already initialised"), "{err}");
    assert_eq!(before, dir_snapshot(env.data_dir()));
    // The CLI prints PEM for root and chain.
    let (ok, out, _) = run(eseal(&env).args(["pki", "root"]));
    assert!(ok && out.matches("BEGIN CERTIFICATE").count() == 1);
    let (ok, out, _) = run(eseal(&env).args(["pki", "chain"]));
    assert!(ok && out.matches("BEGIN CERTIFICATE").count() == 2);
    let (ok, out, _) = run(eseal(&env).args(["pki", "crl", "--pem"]));
    assert!(ok && out.contains("BEGIN X509 CRL"), "{out}");
}

#[tokio::test]
async fn wrong_master_key_and_corrupted_blob_fail_cleanly() {
    for b in backends() {
        let (env, inst) = provisioned(b).await;
        inst.store.close().await;
        // A different master key is refused before anything is touched.
        let other = env.dir.path().join("other.key");
        std::fs::write(
            &other,
            eseal::crypto::MasterKey::generate()
                .unwrap()
                .to_text()
                .as_bytes(),
        )
        .unwrap();
        let mut s = env.settings.clone();
        s.master_key_file = Some(other);
        match Installation::open(&s).await {
            Err(InstallationError::WrongMasterKey { .. }) => {}
            other => panic!("expected WrongMasterKey, got {other:?}"),
        }
        // A corrupted blob names the seal and changes nothing.
        let inst = Installation::open(&env.settings).await.unwrap();
        sqlx::query("UPDATE seal_certs SET key_wrapped = $1 WHERE seal_id = $2")
            .bind(vec![1u8; 80])
            .bind("320707100000-02")
            .execute(&inst.store.pool)
            .await
            .unwrap();
        let m = registry::signing_material(&inst.store, "320707100000-02")
            .await
            .unwrap();
        let e = inst.signer.sign(&m.key, b"doc").unwrap_err().to_string();
        assert!(e.contains("320707100000-02"), "{e}");
        // A blob moved onto another seal fails to decrypt.
        let donor = registry::signing_material(&inst.store, "320707100000-03")
            .await
            .unwrap();
        let moved = eseal::crypto::KeyRef {
            label: m.key.label.clone(),
            wrapped: donor.key.wrapped.clone(),
        };
        assert!(inst.signer.sign(&moved, b"doc").is_err());
        inst.store.close().await;
        env.cleanup().await;
    }
}

#[tokio::test]
async fn rotation_keeps_the_old_cert_known() {
    for b in backends() {
        let (env, inst) = provisioned(b).await;
        let id = "320707100000-01";
        let old = registry::signing_material(&inst.store, id).await.unwrap();
        let c = registry::rotate(
            &inst.store,
            inst.signer.as_ref(),
            &inst.pki,
            None,
            id,
            "test",
        )
        .await
        .unwrap();
        assert_eq!(c.generation, 2);
        let new = registry::signing_material(&inst.store, id).await.unwrap();
        assert_ne!(old.cert_der, new.cert_der);
        let (_, certs) = registry::show(&inst.store, id).await.unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].status, "superseded");
        assert_eq!(certs[0].cert_der, old.cert_der);
        // The old key is destroyed: it cannot sign any more.
        let e = inst.signer.sign(&old.key, b"x");
        assert!(
            e.is_ok(),
            "the in-memory copy still decrypts; the stored blob is gone"
        );
        let row: Option<Vec<u8>> = sqlx::Row::try_get(
            &sqlx::query(
                "SELECT key_wrapped FROM seal_certs WHERE seal_id = $1 AND generation = 1",
            )
            .bind(id)
            .fetch_one(&inst.store.pool)
            .await
            .unwrap(),
            0,
        )
        .unwrap();
        assert!(row.is_none());
        inst.store.close().await;
        env.cleanup().await;
    }
}
