//! Floods of anonymous writes and guesses: limits counted in the database
//! before the work, per client (IPv6 by /64, X-Forwarded-For only from
//! trusted proxies) and per ID number; the queue pages with counts and a
//! clerk rejects junk in bulk.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::backends;
use crate::helpers::{IssuerMode, SEAL_A, TestApp, application_body, spawn_app, spawn_app_with};

/// A valid ID number (GB 11643 check digit) for applicant `i`.
fn id_number(i: u32) -> String {
    let body = format!("32070719{:02}0{}{:02}{:03}", 60 + i % 30, 1 + i % 9, 1 + i % 28, i % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", "10X98765432".as_bytes()[(sum % 11) as usize] as char)
}

async fn submit(app: &TestApp, id: &str, xff: Option<&str>) -> (StatusCode, Option<String>) {
    let mut body = application_body(SEAL_A);
    body["fields"]["applicant_id"] = json!(id);
    let mut rb = app.http.post(app.url("/api/v1/applications")).json(&body);
    if let Some(x) = xff {
        rb = rb.header("x-forwarded-for", x);
    }
    let r = rb.send().await.unwrap();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (r.status(), retry)
}

#[tokio::test]
async fn anonymous_applications_are_limited_per_id_number_and_per_client() {
    for b in backends() {
        let app = spawn_app_with(b, IssuerMode::Works, |s| {
            s.applications_per_client_hour = 12;
            s.applications_per_id_number_day = 5;
        })
        .await;
        let same = id_number(1);
        for _ in 0..5 {
            assert_eq!(submit(&app, &same, None).await.0, StatusCode::CREATED);
        }
        let (s, retry) = submit(&app, &same, None).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "a sixth application for one ID number");
        assert!(retry.is_some());
        for i in 2..8 {
            assert_eq!(submit(&app, &id_number(i), None).await.0, StatusCode::CREATED);
        }
        // 12 counted for this client (the refused one too): the next is refused.
        let (s, retry) = submit(&app, &id_number(99), None).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "the client's 13th application");
        let retry: i64 = retry.unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry), "{retry}");
        app.stop().await;
    }
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies_and_ipv6_by_its_64() {
    let b = backends()[0];
    let app = spawn_app_with(b, IssuerMode::Works, |s| {
        s.applications_per_client_hour = 2;
        s.trusted_proxies = vec![eseal::domain::Cidr::parse("127.0.0.0/8").unwrap()];
    })
    .await;
    let mut n = 0;
    let mut next = || {
        n += 1;
        id_number(n)
    };
    for x in ["203.0.113.5", "203.0.113.5"] {
        assert_eq!(submit(&app, &next(), Some(x)).await.0, StatusCode::CREATED);
    }
    assert_eq!(submit(&app, &next(), Some("203.0.113.5")).await.0, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy has its own budget; a spoofed
    // entry further left does not help.
    assert_eq!(submit(&app, &next(), Some("203.0.113.5, 198.51.100.7")).await.0, StatusCode::CREATED);
    // One IPv6 /64 is one client.
    for x in ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"] {
        assert_eq!(submit(&app, &next(), Some(x)).await.0, StatusCode::CREATED);
    }
    assert_eq!(submit(&app, &next(), Some("2001:db8:1:2::77")).await.0, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;

    // Without trusted proxies the header is ignored: all of it is one client.
    let app = spawn_app_with(b, IssuerMode::Works, |s| s.applications_per_client_hour = 2).await;
    for (i, x) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"].iter().enumerate() {
        let want = if i < 2 { StatusCode::CREATED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(submit(&app, &id_number(50 + i as u32), Some(x)).await.0, want);
    }
    app.stop().await;
}

#[tokio::test]
async fn concurrent_code_guesses_are_counted_before_they_are_checked() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let r = app.submit(SEAL_A).await;
        let number = r["number"].as_str().unwrap().to_string();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let http = app.http.clone();
                let url = app.url("/api/v1/track");
                let body = json!({"number": number, "access_code": format!("WRONG{i:03}")});
                tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().status() })
            })
            .collect();
        let mut checked = 0;
        for t in tasks {
            let s = t.await.unwrap();
            assert!([StatusCode::NOT_FOUND, StatusCode::TOO_MANY_REQUESTS].contains(&s), "{s}");
            checked += usize::from(s == StatusCode::NOT_FOUND);
        }
        assert!(checked <= 20, "{checked} of 200 concurrent guesses were checked (limit 20)");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_queue_pages_with_counts_and_junk_is_rejected_in_bulk() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let clerk = app.token("clerk-a").await;
        let mut ids = Vec::new();
        for _ in 0..7 {
            ids.push(app.submit_id(SEAL_A).await.0);
        }
        let page = |p: u32| {
            let (http, url, t) = (
                app.http.clone(),
                app.url(&format!("/api/v1/applications?status=submitted&per_page=3&page={p}")),
                clerk.clone(),
            );
            async move {
                let r = http.get(url).bearer_auth(t).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                let total: i64 = r.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
                let v: Vec<Value> = r.json().await.unwrap();
                (total, v.iter().map(|a| a["application_id"].as_str().unwrap().to_string()).collect::<Vec<_>>())
            }
        };
        let mut seen = Vec::new();
        for p in 1..=3 {
            let (total, got) = page(p).await;
            assert_eq!(total, 7);
            seen.extend(got);
        }
        let (mut a, mut b) = (seen.clone(), ids.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "every application on exactly one page");
        // Clerk B may not reject seal A's applications, not even in bulk.
        let other = app.token("clerk-b").await;
        let (s, _) = app
            .call("POST", "/api/v1/applications/reject", Some(&other), Some(json!({"ids": ids[..2], "reason": "垃圾申请"})))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = app
            .call("POST", "/api/v1/applications/reject", Some(&clerk), Some(json!({"ids": ids[..5], "reason": "垃圾申请"})))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["rejected"].as_array().unwrap().len(), 5);
        let (s, c) = app.call("GET", "/api/v1/applications/counts", Some(&clerk), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((c["submitted"].as_i64(), c["rejected"].as_i64()), (Some(2), Some(5)), "{c}");
        let actions = app.audit_actions().await;
        assert_eq!(actions.iter().filter(|(_, a)| a == "application.bulk_reject").count(), 1);
        assert_eq!(actions.iter().filter(|(_, a)| a == "application.reject").count(), 5);
        app.stop().await;
    }
}
