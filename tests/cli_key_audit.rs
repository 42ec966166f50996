#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly
//! Issue 11, item 6: every use of a key is audited from the command line as
//! from the web, and every signed output is in the registry. The CLI runs
//! as a subprocess against a temporary data dir: `eseal init`, `seals
//! provision` (the seal CAs' and the maker's keys), `eseal issue` and
//! `eseal sign` (the seals' keys), `seals rotate`, `seals revoke` and the
//! CRL signings (ECDSA and SM2) each leave their entry; `eseal audit
//! verify` accounts for every document on record, and refuses a registry
//! row without its `seal.use`; the running service's verifier finds a file
//! stamped by `eseal sign` on record.

mod common;

use std::path::{Path, PathBuf};

use common::{TestEnv, audit_rows, backends, eseal, run};
use eseal::configuration::installation::Installation;
use eseal::store::audit::AuditRow;

/// A village seal (may issue business-premises certificates), a second one
/// to revoke, and a district one.
const SEAL: &str = "320707100002-01";
const OTHER: &str = "320707100004-01";
const DISTRICT: &str = "320707000000-01";

fn ok(cmd: &mut std::process::Command) -> String {
    let (success, out, err) = run(cmd);
    assert!(success, "{cmd:?} failed:\n{out}\n{err}");
    out
}

fn roster(dir: &Path) -> PathBuf {
    common::roster_with(dir, &[SEAL, OTHER, DISTRICT])
}

/// The entries after `from` with `action`.
fn with_action<'a>(rows: &'a [AuditRow], from: usize, action: &str) -> Vec<&'a AuditRow> {
    rows[from..].iter().filter(|r| r.action == action).collect()
}

/// The text after `key` up to the next space, comma or semicolon.
fn word_after<'a>(text: &'a str, key: &str) -> &'a str {
    let at = text
        .find(key)
        .unwrap_or_else(|| panic!("{key:?} in {text}"))
        + key.len();
    text[at..]
        .split([' ', ',', ';', '\n'])
        .next()
        .unwrap_or_default()
}

fn audit_verify(env: &TestEnv) -> (bool, serde_json::Value, String) {
    let (good, out, err) = run(eseal(env).args(["audit", "verify", "--json"]));
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let (_, text, _) = run(eseal(env).args(["audit", "verify"]));
    (good, v, text)
}

#[tokio::test]
async fn every_key_use_from_the_cli_is_audited_and_every_signed_output_is_on_record() {
    for b in backends() {
        let env = TestEnv::new(b).await;
        let dir = env.dir.path().to_path_buf();
        ok(eseal(&env).arg("init"));
        let rows = audit_rows(&env).await;
        let init = with_action(&rows, 0, "pki.init");
        assert_eq!(init.len(), 1, "{rows:?}");
        assert_eq!(init[0].actor, "cli");

        // Provisioning: the seal CA signed three certs, the SM2 seal CA three
        // SM2 certs and the maker three SES_Seals.
        let mark = rows.len();
        ok(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(roster(&dir)));
        let rows = audit_rows(&env).await;
        let provisioned = with_action(&rows, mark, "seal.provision");
        assert_eq!(provisioned.len(), 3, "{rows:?}");
        assert!(
            provisioned.iter().all(|r| r.actor == "cli"
                && r.detail.contains("keys=seal_ca")
                && r.seal_id.is_some())
        );
        let sm2 = with_action(&rows, mark, "seal.provision_sm2");
        assert_eq!(sm2.len(), 3, "{rows:?}");
        assert!(
            sm2.iter()
                .all(|r| r.detail.contains("keys=sm2_seal_ca,sm2_maker")
                    && r.detail.contains("esl_sha256="))
        );

        // `eseal issue`: the seal's key, and the CRLs it embeds (first
        // signed here, offline: ECDSA seal CA, root and SM2 seal CA).
        let mark = rows.len();
        let issued = dir.join("issued.pdf");
        let out = ok(eseal(&env)
            .args([
                "issue",
                "--template",
                "business_premises",
                "--seal",
                SEAL,
                "--sample",
                "--out",
            ])
            .arg(&issued));
        let issued_id = word_after(&out, "document id ").to_string();
        let rows = audit_rows(&env).await;
        let uses = with_action(&rows, mark, "seal.use");
        assert_eq!(uses.len(), 1, "{rows:?}");
        assert_eq!(uses[0].actor, "cli");
        assert_eq!(uses[0].seal_id.as_deref(), Some(SEAL));
        assert_eq!(uses[0].document_id.as_deref(), Some(issued_id.as_str()));
        assert!(uses[0].detail.contains("via=issue"), "{:?}", uses[0]);
        let crls: Vec<&str> = with_action(&rows, mark, "crl.sign")
            .iter()
            .map(|r| word_after(&r.detail, "issuer="))
            .collect();
        assert_eq!(crls, ["seal_ca", "root", "sm2_seal_ca"], "{rows:?}");

        // `eseal sign` of a PDF from outside: audited and on record.
        let plain = dir.join("plain.pdf");
        ok(eseal(&env)
            .args([
                "render",
                "--template",
                "business_premises",
                "--seal",
                SEAL,
                "--sample",
                "--out",
            ])
            .arg(&plain));
        let mark = rows.len();
        let stamped = dir.join("stamped.pdf");
        let out = ok(eseal(&env)
            .args(["sign", "--seal", SEAL, "--in"])
            .arg(&plain)
            .arg("--out")
            .arg(&stamped));
        let stamped_id = word_after(&out, "document id ").to_string();
        let code = word_after(&out, "verification code ").to_string();
        let number = word_after(&out, "recorded as ").to_string();
        let rows = audit_rows(&env).await;
        let uses = with_action(&rows, mark, "seal.use");
        assert_eq!(uses.len(), 1, "{rows:?}");
        assert_eq!(uses[0].document_id.as_deref(), Some(stamped_id.as_str()));
        assert!(uses[0].detail.contains("via=sign"), "{:?}", uses[0]);
        assert!(
            uses[0].detail.contains(&format!("number={number}")),
            "{:?}",
            uses[0]
        );
        let inst = Installation::open(&env.settings).await.unwrap();
        let doc = eseal::store::documents::get(&inst.store.pool, &stamped_id)
            .await
            .unwrap()
            .expect("the stamped file is on record");
        let bytes = std::fs::read(&stamped).unwrap();
        assert_eq!(
            doc.pdf_sha256,
            hex::encode(eseal::crypto::sha256(&bytes)),
            "the record is of the file written"
        );
        assert_eq!(doc.kind, eseal::issuance::SIGNED_FILE_KIND);
        assert_eq!(doc.seal_id, SEAL);
        assert_ne!(doc.number, "");
        let input = hex::encode(eseal::crypto::sha256(&std::fs::read(&plain).unwrap()));
        assert!(doc.fields_json.contains(&input), "{}", doc.fields_json);
        inst.store.close().await;

        // Rotation and revocation: both key types, and the CRLs re-signed.
        let mark = rows.len();
        ok(eseal(&env).args(["seals", "rotate", DISTRICT]));
        ok(eseal(&env).args(["seals", "revoke", OTHER, "--reason", "key-compromise"]));
        let rows = audit_rows(&env).await;
        let rotated = with_action(&rows, mark, "seal.rotate");
        assert_eq!(rotated.len(), 1);
        assert_eq!(rotated[0].seal_id.as_deref(), Some(DISTRICT));
        assert!(
            rotated[0].detail.contains("generation=2")
                && rotated[0].detail.contains("keys=sm2_seal_ca,sm2_maker"),
            "{:?}",
            rotated[0]
        );
        let revoked = with_action(&rows, mark, "seal.revoke");
        assert_eq!(revoked.len(), 1);
        assert!(
            revoked[0].detail.contains("sm2_revoked=1"),
            "{:?}",
            revoked[0]
        );
        let crls: Vec<(&str, &str)> = with_action(&rows, mark, "crl.sign")
            .iter()
            .map(|r| {
                (
                    word_after(&r.detail, "issuer="),
                    word_after(&r.detail, "reason="),
                )
            })
            .collect();
        assert_eq!(
            crls,
            [("seal_ca", "revocation"), ("sm2_seal_ca", "revocation")]
        );

        // `eseal audit verify` accounts for both documents.
        let (good, v, text) = audit_verify(&env);
        assert!(good, "{v}");
        assert_eq!(v["documents"]["documents"], 2, "{v}");
        assert_eq!(v["documents"]["seal_uses"], 2, "{v}");
        assert_eq!(v["documents"]["unaudited_count"], 0, "{v}");
        assert!(
            text.contains("signed documents accounted for: 2 on record"),
            "{text}"
        );

        // The running service's verifier finds the stamped file on record,
        // and its holder can look it up with the code `eseal sign` printed.
        let server = common::server::Server::start(&env);
        let http = reqwest::Client::new();
        let v: serde_json::Value = http
            .post(format!("{}/api/v1/verify", server.base))
            .header("content-type", "application/pdf")
            .body(bytes.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["registry"]["status"], "ON_RECORD", "{v}");
        assert_eq!(v["registry"]["document_number"], number.as_str(), "{v}");
        assert_eq!(v["verdict"], "VALID", "{v}");
        let r = http
            .get(format!(
                "{}/api/v1/documents/{stamped_id}/status?c={code}",
                server.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        let s: serde_json::Value = r.json().await.unwrap();
        assert_eq!(s["status"], "valid", "{s}");
        // Its page names it in words, not by the stored kind.
        let page = http
            .get(format!("{}/v/{stamped_id}?c={code}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), reqwest::StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("加盖电子印章的文件"), "{page}");
        assert!(page.contains(&number), "{page}");
        drop(server);

        // A signed output slipped into the registry without its seal.use
        // (as every `eseal sign` and `eseal issue` was before) is reported.
        let inst = Installation::open(&env.settings).await.unwrap();
        sqlx::query(
            "INSERT INTO documents (document_id, number, seal_id, year, seq, kind, holder, fields_json, \
             code_sha256, pdf, pdf_sha256, pades_level, cert_serial_hex, issued_at, issued_by, status) \
             SELECT 'unaudited-doc', 'UNAUDITED-1', seal_id, year, seq + 1000, kind, holder, fields_json, \
             code_sha256, pdf, 'ff' || pdf_sha256, pades_level, cert_serial_hex, issued_at, issued_by, status \
             FROM documents WHERE document_id = $1",
        )
        .bind(stamped_id.clone())
        .execute(&inst.store.pool)
        .await
        .unwrap();
        inst.store.close().await;
        let (good, v, text) = audit_verify(&env);
        assert!(!good, "an unaudited document must fail the check: {v}");
        assert_eq!(
            v["documents"]["unaudited"],
            serde_json::json!(["UNAUDITED-1"])
        );
        assert!(
            text.contains("NOT ACCOUNTED FOR: 1 of 3") && text.contains("UNAUDITED-1"),
            "{text}"
        );
        env.cleanup().await;
    }
}
