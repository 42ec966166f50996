//! CRLs are signed on the service's schedule only, never by a public
//! request, and every signing (and every other CA key use) is audited.

use base64::Engine;
use reqwest::StatusCode;

use crate::common::{backends, eseal, run};
use crate::helpers::{IssuerMode, TestApp, spawn_app};

async fn count(app: &TestApp, action: &str) -> usize {
    app.audit_actions()
        .await
        .iter()
        .filter(|(_, a)| a == action)
        .count()
}

#[tokio::test]
async fn public_requests_never_sign_a_crl_even_a_stale_one() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        // Start-up published the three CRLs (seal CA, root, SM2 seal CA),
        // audited.
        assert_eq!(count(&app, "crl.sign").await, 3);
        // Make the stored seal CA CRL stale (signed five days ago, seven-day
        // life: past half of it), as if the schedule had not run.
        let inst = &app.issuer.inst;
        let old = inst
            .pki
            .crl(
                inst.signer.as_ref(),
                &[],
                99,
                time::OffsetDateTime::now_utc() - time::Duration::days(5),
            )
            .unwrap();
        let mut tx = app.store.begin_write().await.unwrap();
        eseal::store::meta::set(
            &mut **tx,
            "crl_der_b64",
            &base64::engine::general_purpose::STANDARD.encode(&old),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let signed_before = count(&app, "crl.sign").await;
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let http = app.http.clone();
                let (crl, verify) = (app.url("/pki/seal-ca.crl"), app.url("/api/v1/verify"));
                tokio::spawn(async move {
                    if i % 2 == 0 {
                        let r = http.get(crl).send().await.unwrap();
                        (r.status(), r.bytes().await.unwrap().to_vec())
                    } else {
                        let r = http
                            .post(verify)
                            .header("content-type", "application/pdf")
                            .body(b"%PDF-1.7\n%%EOF\n".to_vec())
                            .send()
                            .await
                            .unwrap();
                        (r.status(), Vec::new())
                    }
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            let (s, body) = t.await.unwrap();
            assert_eq!(s, StatusCode::OK, "request {i}");
            if i % 2 == 0 {
                assert_eq!(body, old, "the stored CRL is served as it is");
            }
        }
        assert_eq!(
            count(&app, "crl.sign").await,
            signed_before,
            "a public request signed a CRL"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn revocation_and_rotation_from_the_cli_are_audited_with_the_crl_signing() {
    let app = spawn_app(backends()[0], IssuerMode::Works).await;
    let signed = count(&app, "crl.sign").await;
    let mut cmd = eseal(&app.env);
    cmd.args(["seals", "rotate", crate::helpers::SEAL_B]);
    let (ok, _, err) = run(&mut cmd);
    assert!(ok, "{err}");
    let mut cmd = eseal(&app.env);
    cmd.args([
        "seals",
        "revoke",
        crate::helpers::SEAL_B,
        "--reason",
        "key-compromise",
    ]);
    let (ok, _, err) = run(&mut cmd);
    assert!(ok, "{err}");
    assert_eq!(count(&app, "seal.rotate").await, 1);
    assert_eq!(count(&app, "seal.revoke").await, 1);
    assert_eq!(
        count(&app, "crl.sign").await,
        signed + 2,
        "the revocation re-signed the seal CA's and the SM2 seal CA's CRLs"
    );
    app.stop().await;
}
