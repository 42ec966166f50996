//! Verification over HTTP: the JSON API, the status endpoint, the `/verify`
//! page and the QR landing, against documents the real pipeline issued.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::backends;
use crate::helpers::{IssuerMode, SEAL_A, TestApp, spawn_app};

/// Issue a document on seal A; returns (document id, verification code, PDF).
async fn issued(app: &TestApp, clerk: &str) -> (String, String, Vec<u8>) {
    let id = app.issued_document(SEAL_A, clerk).await;
    let pdf = eseal::store::documents::pdf(&app.store.pool, &id)
        .await
        .unwrap()
        .unwrap();
    // The code is printed on the document (验证码：XXXXXXXX): read it back.
    let Some(pdftotext) = crate::common::tool("pdftotext") else {
        panic!("pdftotext is needed (poppler-utils; scripts/test.sh installs it)");
    };
    let file = app.env.data_dir().join(format!("{id}.pdf"));
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new(pdftotext)
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace(char::is_whitespace, "");
    let at = text.find("验证码：").expect("code printed") + "验证码：".len();
    let code: String = text[at..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(code.len(), 8, "verification code");
    (id, code, pdf)
}

async fn verify_raw(app: &TestApp, pdf: Vec<u8>) -> (StatusCode, Value) {
    verify_as(app, pdf, "application/pdf").await
}

async fn verify_as(app: &TestApp, file: Vec<u8>, content_type: &str) -> (StatusCode, Value) {
    let r = app
        .http
        .post(app.url("/api/v1/verify"))
        .header("content-type", content_type)
        .body(file)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

fn codes(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    for s in v["signatures"].as_array().unwrap() {
        out.extend(
            s["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["code"].as_str().unwrap().to_string()),
        );
    }
    out
}

#[tokio::test]
async fn issued_documents_verify_and_voiding_shows_at_once() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let clerk = app.token("clerk-a").await;
        let (id, code, pdf) = issued(&app, &clerk).await;

        // Raw body and multipart upload give the same verdict.
        let (s, v) = verify_raw(&app, pdf.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["verdict"], "VALID", "{v}");
        assert_eq!(v["registry"]["status"], "ON_RECORD", "{v}");
        assert_eq!(v["signatures"][0]["pades_level"], "B-LT");
        assert_eq!(v["signatures"][0]["signing_time"]["source"], "TIMESTAMP");
        assert_eq!(v["signatures"][0]["signer"]["seal_id"], SEAL_A);
        let part = reqwest::multipart::Part::bytes(pdf.clone())
            .file_name("证明.pdf")
            .mime_str("application/pdf")
            .unwrap();
        let r = app
            .http
            .post(app.url("/api/v1/verify"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["verdict"], "VALID");

        // The OFD twin: the clerk downloads it; it verifies as OFD and the
        // registry knows it as the same document.
        let r = app
            .http
            .get(app.url(&format!("/api/v1/documents/{id}/ofd")))
            .bearer_auth(&clerk)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/ofd");
        let ofd = r.bytes().await.unwrap().to_vec();
        let (s, v) = verify_as(&app, ofd.clone(), "application/ofd").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["verdict"], "VALID", "{v}");
        assert_eq!(v["format"], "OFD");
        assert_eq!(v["registry"]["status"], "ON_RECORD", "{v}");
        assert_eq!(v["signatures"][0]["signer"]["seal_id"], SEAL_A);
        assert_eq!(v["signatures"][0]["signing_time"]["source"], "TIMESTAMP");
        let (_, pdf_report) = verify_raw(&app, pdf.clone()).await;
        assert_eq!(
            v["registry"]["document_number"],
            pdf_report["registry"]["document_number"]
        );

        // Prometheus metrics count issuances per seal level and verifications per verdict.
        let metrics = app
            .http
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("eseal_issuances_total{seal_level=\"village\"}"),
            "{metrics}"
        );
        assert!(
            metrics.contains("eseal_verifications_total{verdict=\"VALID\"}"),
            "{metrics}"
        );
        assert!(
            metrics
                .lines()
                .any(|l| l.starts_with("eseal_http_request_seconds_bucket{")
                    && l.contains("route=\"/api/v1/verify\"")),
            "{metrics}"
        );
        assert!(!metrics.contains(&id), "no document ids in metrics");

        // The status endpoint: the code is needed, a wrong one looks like an unknown id.
        let (s, st) = app
            .call(
                "GET",
                &format!("/api/v1/documents/{id}/status?c={code}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{st}");
        assert_eq!(st["status"], "valid");
        assert_eq!(st["seal_id"], SEAL_A);
        let (s1, wrong) = app
            .call(
                "GET",
                &format!("/api/v1/documents/{id}/status?c=AAAAAAAA"),
                None,
                None,
            )
            .await;
        let (s2, unknown) = app
            .call(
                "GET",
                &format!("/api/v1/documents/{}/status?c={code}", "B".repeat(22)),
                None,
                None,
            )
            .await;
        assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        assert_eq!(wrong, unknown);
        let (s, _) = app
            .call("GET", &format!("/api/v1/documents/{id}/status"), None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Void: verification says so at once, with the reason.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/documents/{id}/void"),
                Some(&clerk),
                Some(json!({"reason": "申请人信息有误"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, v) = verify_raw(&app, pdf.clone()).await;
        assert_eq!(v["verdict"], "INVALID", "{v}");
        assert!(codes(&v).contains(&"REGISTRY_VOIDED".to_string()), "{v}");
        assert!(v["reasons"].to_string().contains("申请人信息有误"));
        // Voiding voids both forms.
        let (_, v) = verify_as(&app, ofd.clone(), "application/ofd").await;
        assert_eq!(v["verdict"], "INVALID", "{v}");
        assert!(codes(&v).contains(&"REGISTRY_VOIDED".to_string()), "{v}");
        let (_, st) = app
            .call(
                "GET",
                &format!("/api/v1/documents/{id}/status?c={code}"),
                None,
                None,
            )
            .await;
        assert_eq!(st["status"], "voided");
        assert_eq!(st["void_reason"], "申请人信息有误");

        // A PDF that was never issued here: signed by this PKI or not, it is not on record.
        let mut flipped = pdf.clone();
        let at = flipped.len() / 3;
        flipped[at] ^= 0x01;
        let (_, v) = verify_raw(&app, flipped).await;
        assert_eq!(v["verdict"], "INVALID");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_qr_landing_masks_personal_data_and_serves_the_original() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let clerk = app.token("clerk-a").await;
        let (id, code, pdf) = issued(&app, &clerk).await;
        let r = app
            .http
            .get(app.url(&format!("/v/{id}?c={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        let page = r.text().await.unwrap();
        assert!(page.contains("此文书登记有效"), "{page}");
        assert!(page.contains("张*明"), "masked name");
        assert!(page.contains("3207**********1233"), "masked id");
        assert!(
            !page.contains("张三明") && !page.contains("320707199003071233"),
            "no unmasked PII"
        );
        assert!(page.contains("经营场所证明"));
        let r = app
            .http
            .get(app.url(&format!("/v/{id}/document.pdf?c={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
        // Both forms are offered, the PDF first; the OFD is the stored twin.
        let (p, o) = (
            page.find("id=\"download\""),
            page.find("id=\"download-ofd\""),
        );
        assert!(p.is_some() && o.is_some() && p < o, "PDF then OFD: {page}");
        let r = app
            .http
            .get(app.url(&format!("/v/{id}/document.ofd?c={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/ofd");
        let stored = eseal::store::document_ofd::ofd(&app.store.pool, &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.bytes().await.unwrap().to_vec(), stored);
        // Lower-case code works (codes are case-insensitive).
        let r = app
            .http
            .get(app.url(&format!("/v/{id}?c={}", code.to_lowercase())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        // Wrong code, no code, unknown id: the same 404 page.
        let mut bodies = Vec::new();
        for path in [
            format!("/v/{id}?c=AAAAAAAA"),
            format!("/v/{id}"),
            format!("/v/{}?c={code}", "C".repeat(22)),
            format!("/v/{id}/document.pdf?c=AAAAAAAA"),
            format!("/v/{id}/document.ofd?c=AAAAAAAA"),
        ] {
            let r = app.http.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
            bodies.push(r.text().await.unwrap());
        }
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "404s reveal nothing"
        );
        // Guessing is rate-limited (20 wrong codes per client per 10 minutes).
        let mut limited = false;
        for i in 0..25 {
            let r = app
                .http
                .get(app.url(&format!("/v/{id}?c=WRONG{i:03}")))
                .send()
                .await
                .unwrap();
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                limited = true;
                break;
            }
        }
        assert!(limited);
        let r = app
            .http
            .get(app.url(&format!("/v/{id}?c={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "even the right code while limited"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_verify_page_shows_a_verdict_and_bad_uploads_get_a_reason() {
    let app = spawn_app(crate::common::Backend::Sqlite, IssuerMode::Works).await;
    let clerk = app.token("clerk-a").await;
    let (_, _, pdf) = issued(&app, &clerk).await;
    let r = app.http.get(app.url("/verify")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("type=\"file\""));
    let part = reqwest::multipart::Part::bytes(pdf)
        .file_name("a.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = app
        .http
        .post(app.url("/verify"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("data-verdict=\"valid\""), "{page}");
    assert!(page.contains("连云港市赣榆区青口镇繁荣社区居民委员会"));
    assert!(page.contains("可信时间戳证明"));
    assert!(
        page.contains("svg+xml;base64,PHN2Zy"),
        "the seal appearance: {page}"
    );

    // Not a PDF: a verdict with a reason, not an error.
    let (s, v) = verify_raw(&app, b"hello, not a pdf".to_vec()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["verdict"], "INVALID");
    assert!(codes(&v).contains(&"NOT_PDF".to_string()), "{v}");
    // Empty, wrong type, too large: 4xx with a code.
    let (s, v) = verify_raw(&app, Vec::new()).await;
    assert_eq!(
        (s, v["code"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "empty_file")
    );
    let r = app
        .http
        .post(app.url("/api/v1/verify"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = vec![b'%'; 33 * 1024 * 1024];
    match app
        .http
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/pdf")
        .body(big)
        .send()
        .await
    {
        Ok(r) => {
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(
                r.json::<Value>().await.unwrap()["code"],
                "payload_too_large"
            );
        }
        Err(e) => panic!("the server must answer 413, not drop the connection: {e}"),
    }
    // Multipart without a file.
    let r = app
        .http
        .post(app.url("/verify"))
        .multipart(reqwest::multipart::Form::new().text("x", "y"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("请选择要验证的 PDF 或 OFD 文件")
    );
    app.stop().await;
}
