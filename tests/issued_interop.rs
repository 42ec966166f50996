//! Documents issued by a real installation (its own root, seal CA and TSA,
//! through `eseal issue` and `eseal sign`) validate in independent tools at
//! every PAdES level: pdfsig with an NSS database trusting only the
//! district root ("Certificate is Trusted"), pyHanko (signature, timestamp,
//! and AdES long-term validation offline from the DSS, the district root as
//! the only anchor), and `openssl cms -verify` over each byte range.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;
#[path = "pades_common/mod.rs"]
mod pades_common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Backend, Keys, TestEnv, eseal, keystores, repo};
use pades_common::{nss_db, run, signatures, tool};

const VILLAGE: &str = "320707100002-01";
const TOWN: &str = "320707100000-01";

async fn installation(keys: Keys) -> (TestEnv, PathBuf) {
    let env = TestEnv::with_keys(Backend::Sqlite, keys).await;
    let (ok, _, err) = common::run(eseal(&env).arg("init"));
    assert!(ok, "{err}");
    let roster = repo().join("keys-example/roster.csv");
    let (ok, _, err) = common::run(
        eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(&roster),
    );
    assert!(ok, "{err}");
    let dir = env.dir.path().join("interop");
    std::fs::create_dir_all(&dir).unwrap();
    let (ok, root, err) = common::run(eseal(&env).args(["pki", "root"]));
    assert!(ok, "{err}");
    std::fs::write(dir.join("root.pem"), root).unwrap();
    (env, dir)
}

fn issue(env: &TestEnv, dir: &Path, kind: &str, level: &str) -> PathBuf {
    let out = dir.join(format!("{kind}-{level}.pdf"));
    let (ok, _, err) = common::run(
        eseal(env)
            .args([
                "issue",
                "--template",
                kind,
                "--seal",
                VILLAGE,
                "--sample",
                "--level",
                level,
                "--out",
            ])
            .arg(&out),
    );
    assert!(ok, "eseal issue {level}: {err}");
    out
}

fn pdfsig_trusts(dir: &Path, pdf: &Path, n: usize) {
    let Some(pdfsig) = tool("pdfsig") else { return };
    // One NSS database per installation (certutil -N must not run twice).
    let Some(db) = (if dir.join("nssdb").exists() {
        Some(format!("sql:{}", dir.join("nssdb").display()))
    } else {
        nss_db(dir)
    }) else {
        return;
    };
    let o = run(Command::new(pdfsig).args(["-nssdir", &db]).arg(pdf));
    assert!(o.ok, "pdfsig: {}", o.text);
    assert_eq!(
        o.text.matches("Signature is Valid.").count(),
        n,
        "pdfsig: {}",
        o.text
    );
    assert_eq!(
        o.text.matches("Certificate is Trusted.").count(),
        n,
        "pdfsig: {}",
        o.text
    );
    assert!(
        o.text.contains("Signature Type: ETSI.CAdES.detached"),
        "{}",
        o.text
    );
}

fn openssl_verifies(dir: &Path, pdf: &Path, cades: usize) {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let bytes = std::fs::read(pdf).unwrap();
    let sigs = signatures(&bytes);
    let mut checked = 0;
    for (i, s) in sigs.iter().enumerate() {
        // Document timestamps (B-LTA) are checked by pyHanko below.
        if bytes.windows(13).any(|w| w == b"/DocTimeStamp") && i == sigs.len() - 1 {
            continue;
        }
        let (sig, data) = (dir.join(format!("s{i}.der")), dir.join(format!("s{i}.bin")));
        std::fs::write(&sig, &s.der).unwrap();
        std::fs::write(&data, s.signed_bytes(&bytes)).unwrap();
        let o = run(Command::new(&openssl)
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
                "-in",
            ])
            .arg(&sig)
            .arg("-content")
            .arg(&data)
            .arg("-CAfile")
            .arg(dir.join("root.pem")));
        assert!(
            o.ok && o.text.contains("Verification successful"),
            "openssl cms -verify: {}",
            o.text
        );
        checked += 1;
    }
    assert_eq!(checked, cades);
}

fn pyhanko(dir: &Path, pdf: &Path, args: &[&str]) -> Option<String> {
    let py = tool("pyhanko")?;
    let o = run(Command::new(py)
        .arg("sign")
        .args(args)
        .args(["--trust-replace", "--trust"])
        .arg(dir.join("root.pem"))
        .arg(pdf));
    assert!(o.ok, "pyhanko {args:?}: {}", o.text);
    Some(o.text)
}

/// pyHanko's signature validation (revocation is not fetched: the CRL URLs
/// of the test installation do not resolve).
fn pyhanko_valid(dir: &Path, pdf: &Path, timestamped: bool) {
    let Some(text) = pyhanko(
        dir,
        pdf,
        &["validate", "--pretty-print", "--no-revocation-check"],
    ) else {
        return;
    };
    for needle in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "judged VALID",
    ] {
        assert!(
            text.contains(needle),
            "pyhanko validate lacks {needle:?}: {text}"
        );
    }
    if timestamped {
        assert!(text.contains("The TSA certificate is trusted."), "{text}");
    }
}

/// pyHanko's AdES long-term validation, offline: the DSS must hold every
/// cert and CRL (seal CA's and root's) the chain and the TSA need.
fn pyhanko_ltv(dir: &Path, pdf: &Path, n: usize) {
    let Some(text) = pyhanko(dir, pdf, &["adesverify", "--executive-summary"]) else {
        return;
    };
    // The executive summary is one `FIELD:CERT-SHA256:BOTTOM-LINE` line per
    // signature; without the root's CRL in the DSS it said INDETERMINATE
    // ("no revocation information ... for intermediate certificate").
    let good = text
        .lines()
        .filter(|l| l.starts_with("Signature") && l.ends_with(":VALID"))
        .count();
    assert_eq!(good, n, "adesverify: {text}");
}

#[tokio::test]
async fn every_level_of_an_issued_document_validates_in_independent_tools() {
    // On the file keystore and with the keys on a SoftHSM2 token (issue 16).
    for keys in keystores() {
        let (env, dir) = installation(keys).await;
        for kind in ["business_premises", "exit_entry"] {
            for level in ["B-B", "B-T", "B-LT", "B-LTA"] {
                let pdf = issue(&env, &dir, kind, level);
                pdfsig_trusts(&dir, &pdf, 1);
                openssl_verifies(&dir, &pdf, 1);
                pyhanko_valid(&dir, &pdf, level != "B-B");
                if level == "B-LT" || level == "B-LTA" {
                    pyhanko_ltv(&dir, &pdf, 1);
                }
            }
        }
        env.cleanup().await;
    }
}

#[tokio::test]
async fn a_town_seal_over_a_village_seal_both_validate() {
    for keys in keystores() {
        let (env, dir) = installation(keys).await;
        let first = issue(&env, &dir, "exit_entry", "B-LT");
        let second = dir.join("countersigned.pdf");
        let (ok, out, err) = common::run(
            eseal(&env)
                .args([
                    "sign",
                    "--seal",
                    TOWN,
                    "--level",
                    "B-LT",
                    "--reason",
                    "镇级审核电子签章",
                    "--in",
                ])
                .arg(&first)
                .arg("--out")
                .arg(&second),
        );
        assert!(ok, "eseal sign: {out}{err}");
        let a = std::fs::read(&first).unwrap();
        let b = std::fs::read(&second).unwrap();
        assert!(
            b.starts_with(&a),
            "the village-sealed bytes are kept unchanged"
        );
        pdfsig_trusts(&dir, &second, 2);
        openssl_verifies(&dir, &second, 2);
        if let Some(text) = pyhanko(
            &dir,
            &second,
            &["validate", "--pretty-print", "--no-revocation-check"],
        ) {
            assert_eq!(text.matches("judged VALID").count(), 2, "{text}");
        }
        pyhanko_ltv(&dir, &second, 2);
        // Our own verifier agrees.
        let (ok, out, err) = common::run(eseal(&env).args(["verify", "--json"]).arg(&second));
        assert!(ok, "eseal verify: {out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["verdict"], "VALID", "{v}");
        assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
        env.cleanup().await;
    }
}
