use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::backends;
use crate::helpers::{
    IssuerMode, SEAL_A, SEAL_B, SEAL_DISTRICT, SEAL_TOWN, application_body, spawn_app,
};

#[tokio::test]
async fn apply_review_issue_download_void() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let clerk = app.token("clerk-a").await;
        let other = app.token("clerk-b").await;

        // The resident picks the kind and finds the community by name.
        let (s, kinds) = app.call("GET", "/api/v1/kinds", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(kinds[0]["kind"], "business_premises");
        let (s, seals) = app
            .call(
                "GET",
                "/api/v1/kinds/business_premises/seals?q=%E7%B9%81%E8%8D%A3",
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let seals = seals.as_array().unwrap();
        assert_eq!(seals.len(), 1, "{seals:?}");
        assert_eq!(seals[0]["seal_id"], SEAL_A);
        // District offices may not issue village certificates; residence is village-only.
        let (_, all) = app
            .call("GET", "/api/v1/kinds/business_premises/seals", None, None)
            .await;
        assert!(
            all.as_array()
                .unwrap()
                .iter()
                .all(|s| s["level"] != "district"),
            "{all}"
        );
        let (_, res) = app
            .call("GET", "/api/v1/kinds/residence/seals", None, None)
            .await;
        assert!(
            res.as_array()
                .unwrap()
                .iter()
                .all(|s| s["level"] == "village"),
            "{res}"
        );
        let (_, ee) = app
            .call("GET", "/api/v1/kinds/exit_entry/seals", None, None)
            .await;
        assert!(
            ee.as_array()
                .unwrap()
                .iter()
                .any(|s| s["seal_id"] == SEAL_TOWN)
        );

        // Submit.
        let receipt = app.submit(SEAL_A).await;
        let token = receipt["tracking_token"].as_str().unwrap();
        assert!(token.len() >= 32, "at least 192 bits: {token}");
        assert!(
            receipt["tracking_url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/a/{token}"))
        );
        let number = receipt["number"].as_str().unwrap();
        let code = receipt["access_code"].as_str().unwrap();
        assert_eq!(code.len(), 8);

        let (s, v) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["status"], "submitted");
        assert_eq!(v["status_label"], "已提交，等待受理");
        assert_eq!(v["seal_holder"], "连云港市赣榆区青口镇繁荣社区居民委员会");
        assert_eq!(v["fields"]["applicant_id"], "320707199003071233");
        assert_eq!(v["fields"]["usage"], "租赁");
        let id = v["application_id"].as_str().unwrap().to_string();

        // Number + access code (case-insensitive) open the same application.
        let (s, v2) = app
            .call(
                "POST",
                "/api/v1/track",
                None,
                Some(json!({"number": number, "access_code": code.to_lowercase()})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v2["application_id"], id.as_str());
        let (s, e) = app
            .call(
                "POST",
                "/api/v1/track",
                None,
                Some(json!({"number": number, "access_code": "AAAAAAAA"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(e["code"], "not_found");
        // No document yet.
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/track/{token}/document"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The queue of seal A shows it; seal B's does not.
        let (_, q) = app
            .call(
                "GET",
                "/api/v1/applications?status=submitted",
                Some(&clerk),
                None,
            )
            .await;
        assert!(
            q.as_array()
                .unwrap()
                .iter()
                .any(|a| a["application_id"] == id.as_str())
        );
        let (_, q) = app
            .call("GET", "/api/v1/applications", Some(&other), None)
            .await;
        assert!(q.as_array().unwrap().is_empty());

        // Accept, then approve: the document is issued once.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/accept"),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, v) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(v["status"], "under_review");
        let (s, ap) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/approve"),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{ap}");
        assert_eq!(ap["already_issued"], false);
        let doc_id = ap["document"]["document_id"].as_str().unwrap().to_string();
        let year = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+8))
            .year();
        assert_eq!(
            ap["document"]["number"],
            format!("赣榆青口繁荣〔{year}〕第000001号")
        );
        let (s, again) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/approve"),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(again["already_issued"], true);
        assert_eq!(again["document"]["document_id"], doc_id.as_str());
        assert_eq!(app.document_count().await, 1);

        // The resident sees it at once and downloads the same PDF the clerk sees.
        let (_, v) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(v["status"], "issued");
        assert_eq!(v["document"]["document_id"], doc_id.as_str());
        let r = app
            .http
            .get(app.url(&format!("/api/v1/track/{token}/document")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''")
        );
        let pdf = r.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let r = app
            .http
            .get(app.url(&format!("/api/v1/documents/{doc_id}/pdf")))
            .bearer_auth(&clerk)
            .send()
            .await
            .unwrap();
        assert_eq!(r.bytes().await.unwrap(), pdf);
        // The stored row carries the PDF's hash and the application link.
        let row = eseal::store::documents::get(&app.store.pool, &doc_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.pdf_sha256, hex::encode(eseal::crypto::sha256(&pdf)));
        assert_eq!(row.application_id.as_deref(), Some(id.as_str()));
        assert_eq!(row.issued_by, "clerk-a");

        // A rejected or issued application cannot be rejected.
        let (s, e) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/reject"),
                Some(&clerk),
                Some(json!({"reason": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(e["code"], "conflict");

        // Void: needs a reason; then the resident sees it voided.
        let (s, e) = app
            .call(
                "POST",
                &format!("/api/v1/documents/{doc_id}/void"),
                Some(&clerk),
                Some(json!({"reason": "  "})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "reason");
        let (s, d) = app
            .call(
                "POST",
                &format!("/api/v1/documents/{doc_id}/void"),
                Some(&clerk),
                Some(json!({"reason": "信息有误，重新申请"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["status"], "voided");
        let (_, v) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(v["document"]["status"], "voided");
        assert_eq!(v["document"]["void_reason"], "信息有误，重新申请");
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/documents/{doc_id}/void"),
                Some(&clerk),
                Some(json!({"reason": "again"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);

        // Every step is on the audit chain, which is intact.
        let actions = app.audit_actions().await;
        let seq: Vec<&str> = actions
            .iter()
            .filter(|(a, _)| a != "test")
            .map(|(_, x)| x.as_str())
            .collect();
        for a in [
            "application.submit",
            "token.create",
            "application.accept",
            "application.approve",
            "seal.use",
            "document.void",
        ] {
            assert!(seq.contains(&a), "{a} missing from {seq:?}");
        }
        let report = eseal::audit::verify(&app.store).await.unwrap();
        assert_eq!(report.problem, None);
        app.stop().await;
    }
}

#[tokio::test]
async fn rejection_shows_the_reason_to_the_resident() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let clerk = app.token("clerk-a").await;
        let (id, token) = app.submit_id(SEAL_A).await;
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/reject"),
                Some(&clerk),
                Some(json!({"reason": "经营场所地址不在本社区"})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, v) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(v["status"], "rejected");
        assert_eq!(v["status_label"], "未通过");
        assert_eq!(v["reject_reason"], "经营场所地址不在本社区");
        // Approving a rejected application is refused and issues nothing.
        let (s, e) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/approve"),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert_eq!(app.document_count().await, 0);
        app.stop().await;
    }
}

#[tokio::test]
async fn concurrent_approvals_issue_exactly_one_document() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let t1 = app.token("clerk-a").await;
        let t2 = app.token("clerk-a2").await;
        let (id, _) = app.submit_id(SEAL_A).await;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let http = app.http.clone();
            let url = app.url(&format!("/api/v1/applications/{id}/approve"));
            let t = if i % 2 == 0 { t1.clone() } else { t2.clone() };
            tasks.push(tokio::spawn(async move {
                let r = http.post(url).bearer_auth(t).send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            }));
        }
        let mut created = 0;
        let mut ids = std::collections::BTreeSet::new();
        for t in tasks {
            let (s, v) = t.await.unwrap();
            match s {
                StatusCode::CREATED => created += 1,
                StatusCode::OK => assert_eq!(v["already_issued"], true),
                other => panic!("{other}: {v}"),
            }
            ids.insert(v["document"]["document_id"].as_str().unwrap().to_string());
        }
        assert_eq!(created, 1);
        assert_eq!(ids.len(), 1);
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) FROM documents")
                .fetch_one(&app.store.pool)
                .await
                .unwrap(),
            0,
        );
        assert_eq!(n, 1);
        let uses = app
            .audit_actions()
            .await
            .into_iter()
            .filter(|(_, a)| a == "seal.use")
            .count();
        // One document: its PDF signed with the seal's ECDSA key and its
        // OFD twin sealed with its SM2 key, each use audited once.
        assert_eq!(uses, 2);
        assert_eq!(
            eseal::audit::verify(&app.store).await.unwrap().problem,
            None
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_failing_timestamp_authority_leaves_nothing_half_done() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::TsaDown).await;
        let clerk = app.token("clerk-a").await;
        let (id, token) = app.submit_id(SEAL_A).await;
        let before = app.audit_actions().await.len();
        let (s, e) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/approve"),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e["code"], "tsa_unavailable");
        assert_eq!(app.document_count().await, 0);
        let (_, v) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(v["status"], "submitted");
        assert!(v["document"].is_null());
        assert_eq!(app.audit_actions().await.len(), before);
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) FROM document_counters")
                .fetch_one(&app.store.pool)
                .await
                .unwrap(),
            0,
        );
        assert_eq!(n, 0, "the number was not consumed");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_specific_4xx_never_a_500() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let post = |body: Vec<u8>, ct: &'static str| {
            let http = app.http.clone();
            let url = app.url("/api/v1/applications");
            async move {
                let r = http
                    .post(url)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let s = r.status();
                (s, r.json::<Value>().await.unwrap())
            }
        };
        let (s, v) = post(b"{not json".to_vec(), "application/json").await;
        assert_eq!(
            (s, v["code"].as_str().unwrap()),
            (StatusCode::BAD_REQUEST, "invalid_json")
        );
        let (s, v) = post(b"{}".to_vec(), "text/plain").await;
        assert_eq!(
            (s, v["code"].as_str().unwrap()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        );
        let mut big = application_body(SEAL_A);
        big["fields"]["shop_name"] = Value::String("长".repeat(40_000));
        let (s, v) = post(serde_json::to_vec(&big).unwrap(), "application/json").await;
        assert_eq!(
            (s, v["code"].as_str().unwrap()),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        );

        let cases: Vec<(Value, StatusCode, &str)> = vec![
            (
                {
                    let mut b = application_body(SEAL_A);
                    b["fields"]["applicant_id"] = json!("320707199003071234");
                    b
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                "applicant_id",
            ),
            (
                {
                    let mut b = application_body(SEAL_A);
                    b["fields"]["phone"] = json!("12345");
                    b
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                "phone",
            ),
            (
                {
                    let mut b = application_body(SEAL_A);
                    b["fields"]["role"] = json!("admin");
                    b
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                "role",
            ),
            (
                {
                    let mut b = application_body(SEAL_A);
                    b["kind"] = json!("no_such_kind");
                    b
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                "kind",
            ),
            (
                application_body(SEAL_DISTRICT),
                StatusCode::UNPROCESSABLE_ENTITY,
                "seal_id",
            ),
            (
                application_body("320707999999-01"),
                StatusCode::NOT_FOUND,
                "",
            ),
            (application_body("not-a-seal"), StatusCode::NOT_FOUND, ""),
        ];
        for (body, status, field) in cases {
            let (s, v) = app
                .call("POST", "/api/v1/applications", None, Some(body.clone()))
                .await;
            assert_eq!(s, status, "{body} -> {v}");
            if !field.is_empty() {
                assert_eq!(v["code"], "invalid_field");
                assert_eq!(v["field"], field, "{v}");
                assert!(
                    v["message"]
                        .as_str()
                        .unwrap()
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "Chinese message: {v}"
                );
            }
        }
        let (s, v) = app
            .call(
                "GET",
                "/api/v1/applications?status=bogus",
                Some(&app.token("clerk-a").await),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str().unwrap()),
            (StatusCode::BAD_REQUEST, "invalid_status")
        );
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/track/{}", "x".repeat(500)),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn one_residents_link_reveals_nothing_of_another() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let (id_a, token_a) = app.submit_id(SEAL_A).await;
        let (id_b, token_b) = app.submit_id(SEAL_B).await;
        assert_ne!(token_a, token_b);
        let (_, a) = app
            .call("GET", &format!("/api/v1/track/{token_a}"), None, None)
            .await;
        assert_eq!(a["application_id"], id_a.as_str());
        assert_ne!(a["application_id"], id_b.as_str());
        // Ids are not a way in for residents.
        for path in [
            format!("/api/v1/applications/{id_b}"),
            format!("/api/v1/track/{id_b}"),
            format!("/a/{id_b}"),
        ] {
            let r = app.http.get(app.url(&path)).send().await.unwrap();
            assert!(
                matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND),
                "{path}: {}",
                r.status()
            );
        }
        // A changed character in the token finds nothing.
        let mut t = token_b.clone().into_bytes();
        t[0] = if t[0] == b'A' { b'B' } else { b'A' };
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/track/{}", String::from_utf8(t).unwrap()),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn guessing_access_codes_is_rate_limited() {
    let app = spawn_app(crate::common::Backend::Sqlite, IssuerMode::Works).await;
    let r = app.submit(SEAL_A).await;
    let number = r["number"].as_str().unwrap();
    let mut limited = false;
    for i in 0..25 {
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/track",
                None,
                Some(json!({"number": number, "access_code": format!("WRONG{i:03}")})),
            )
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(v["code"], "too_many_requests");
            limited = true;
            break;
        }
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    assert!(limited, "20 wrong codes must trip the limiter");
    // Even the right code is refused while limited.
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/track",
            None,
            Some(json!({"number": number, "access_code": r["access_code"]})),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn a_clerk_issues_directly_for_a_walk_in_resident_on_their_seal_only() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let clerk = app.token("clerk-a").await;
        let other = app.token("clerk-b").await;
        let admin = app.token("admin").await;
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/documents",
                Some(&clerk),
                Some(application_body(SEAL_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["approval"]["already_issued"], false);
        assert!(
            v["approval"]["document"]["number"]
                .as_str()
                .unwrap()
                .starts_with("赣榆青口繁荣〔")
        );
        let token = v["receipt"]["tracking_token"].as_str().unwrap();
        let (_, t) = app
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(t["status"], "issued", "the resident's link shows it issued");
        for who in [&other, &admin] {
            let (s, e) = app
                .call(
                    "POST",
                    "/api/v1/documents",
                    Some(who),
                    Some(application_body(SEAL_A)),
                )
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        }
        assert_eq!(app.document_count().await, 1);
        let actions = app.audit_actions().await;
        assert!(
            actions
                .iter()
                .any(|(a, x)| a == "user:clerk-a" && x == "application.submit")
        );
        assert_eq!(
            actions
                .iter()
                .filter(|(_, x)| x == "denied.walk_in")
                .count(),
            2
        );
        // Bad fields are refused like a resident's, and nothing is issued.
        let mut bad = application_body(SEAL_A);
        bad["fields"]["area"] = json!("-3");
        let (s, e) = app
            .call("POST", "/api/v1/documents", Some(&clerk), Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "area");
        assert_eq!(app.document_count().await, 1);
        app.stop().await;
    }
}
