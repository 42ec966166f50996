//! The service as processes: two `eseal serve` on one PostgreSQL behave as
//! one service, and a SIGKILL in the middle of issuing loses nothing a
//! client was told had succeeded and leaves nothing half-issued.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use common::server::{PASSWORD, SEAL_A, Server, setup};
use common::{Backend, TestEnv, backends, eseal, run};
use serde_json::{Value, json};

fn sample_fields() -> Value {
    let t = eseal::document::Templates::builtin().expect("templates");
    eseal::document::sample(t.get("business_premises").expect("template"))
}

async fn submit(http: &reqwest::Client, base: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/applications"))
        .json(&json!({"kind": "business_premises", "seal_id": SEAL_A, "fields": sample_fields()}))
        .send()
        .await
        .expect("submit");
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.expect("json")["tracking_token"]
        .as_str()
        .expect("token")
        .to_string();
    let v: Value = http
        .get(format!("{base}/api/v1/track/{token}"))
        .send()
        .await
        .expect("track")
        .json()
        .await
        .expect("json");
    v["application_id"].as_str().expect("id").to_string()
}

async fn bearer(http: &reqwest::Client, base: &str, user: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200, "login {user}");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_string();
    let csrf = r.json::<Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let r = http
        .post(format!("{base}/api/v1/tokens"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "process test"}))
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}

fn audit_intact(env: &TestEnv) {
    let (ok, out, err) = run(eseal(env).args(["audit", "verify"]));
    assert!(ok, "audit chain broken: {out} {err}");
}

#[tokio::test]
async fn two_processes_on_one_postgresql_are_one_service() {
    if !backends().contains(&Backend::Postgres) {
        return; // backends() said why in one line (and fails under CI).
    }
    let env = TestEnv::new(Backend::Postgres).await;
    setup(&env, &["clerk-1", "clerk-2"]);
    let s1 = Server::start(&env);
    let s2 = Server::start(&env);
    let http = reqwest::Client::new();
    let t1 = bearer(&http, &s1.base, "clerk-1").await;
    let t2 = bearer(&http, &s2.base, "clerk-2").await;
    let mut ids = Vec::new();
    for i in 0..16 {
        ids.push(submit(&http, if i % 2 == 0 { &s1.base } else { &s2.base }).await);
    }
    // Every application is approved through both processes at once.
    let mut tasks = Vec::new();
    for id in &ids {
        for (base, t) in [(&s1.base, &t1), (&s2.base, &t2)] {
            let (http, url, t) = (
                http.clone(),
                format!("{base}/api/v1/applications/{id}/approve"),
                t.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let r = http.post(url).bearer_auth(t).send().await.expect("approve");
                (r.status().as_u16(), r.json::<Value>().await.expect("json"))
            }));
        }
    }
    let mut created = 0;
    let mut numbers = std::collections::BTreeSet::new();
    for t in tasks {
        let (status, v) = t.await.expect("task");
        assert!(status == 201 || status == 200, "{status}: {v}");
        if status == 201 {
            created += 1;
        }
        numbers.insert(
            v["document"]["number"]
                .as_str()
                .expect("number")
                .to_string(),
        );
    }
    assert_eq!(created, ids.len(), "each application issued exactly once");
    assert_eq!(
        numbers.len(),
        ids.len(),
        "one number per document: {numbers:?}"
    );
    let year = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .year();
    let expected: std::collections::BTreeSet<String> = (1..=ids.len())
        .map(|n| format!("赣榆青口繁荣〔{year}〕第{n:06}号"))
        .collect();
    assert_eq!(numbers, expected, "numbers are unique and without gaps");
    drop(s1);
    drop(s2);
    audit_intact(&env);
    env.cleanup().await;
}

#[tokio::test]
async fn sigkill_while_issuing_loses_nothing_and_leaves_nothing_half_done() {
    for b in backends() {
        let env = TestEnv::new(b).await;
        setup(&env, &["clerk-1"]);
        let mut server = Server::start(&env);
        let http = reqwest::Client::new();
        let token = bearer(&http, &server.base, "clerk-1").await;
        let mut ids = Vec::new();
        for _ in 0..30 {
            ids.push(submit(&http, &server.base).await);
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for id in ids.clone() {
            let (http, url, t, tx) = (
                http.clone(),
                format!("{}/api/v1/applications/{id}/approve", server.base),
                token.clone(),
                tx.clone(),
            );
            tokio::spawn(async move {
                let answer = match http.post(url).bearer_auth(t).send().await {
                    Ok(r) if r.status().as_u16() == 201 => r
                        .json::<Value>()
                        .await
                        .ok()
                        .map(|v| v["document"]["document_id"].as_str().map(str::to_string)),
                    _ => None,
                };
                let _ = tx.send((id, answer.flatten()));
            });
        }
        drop(tx);
        // Kill the server once a few approvals have been confirmed.
        let mut confirmed = Vec::new();
        while let Some((id, doc)) = rx.recv().await {
            if let Some(d) = doc {
                confirmed.push((id, d));
            }
            if confirmed.len() >= 4 {
                server.kill9();
                break;
            }
        }
        while let Some((id, doc)) = rx.recv().await {
            if let Some(d) = doc {
                confirmed.push((id, d));
            }
        }
        assert!(confirmed.len() >= 4);
        assert!(
            confirmed.len() < ids.len(),
            "the kill came mid-way ({} of {})",
            confirmed.len(),
            ids.len()
        );

        // Restart: every confirmed document is there and verifies; no
        // application is issued without its document or the reverse.
        let server = Server::start(&env);
        let token = bearer(&http, &server.base, "clerk-1").await;
        for (_, doc) in &confirmed {
            let r = http
                .get(format!("{}/api/v1/documents/{doc}/pdf", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("pdf");
            assert_eq!(r.status(), 200, "confirmed document {doc} lost");
            let pdf = r.bytes().await.expect("bytes");
            let v: Value = http
                .post(format!("{}/api/v1/verify", server.base))
                .header("content-type", "application/pdf")
                .body(pdf)
                .send()
                .await
                .expect("verify")
                .json()
                .await
                .expect("json");
            assert_eq!(v["verdict"], "VALID", "{v}");
        }
        let mut issued = 0;
        for id in &ids {
            let v: Value = http
                .get(format!("{}/api/v1/applications/{id}", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            match v["status"].as_str() {
                Some("issued") => {
                    issued += 1;
                    assert!(
                        v["document"]["document_id"].is_string(),
                        "issued without a document: {v}"
                    );
                }
                Some("submitted") => assert!(
                    v["document"].is_null(),
                    "a document without its approval: {v}"
                ),
                other => panic!("unexpected status {other:?}: {v}"),
            }
        }
        assert!(issued >= confirmed.len());
        // The unfinished ones can still be approved, with the next numbers.
        let pending: Vec<&String> = ids
            .iter()
            .filter(|id| !confirmed.iter().any(|(c, _)| c == *id))
            .collect();
        for id in pending.iter().take(2) {
            let r = http
                .post(format!("{}/api/v1/applications/{id}/approve", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("approve");
            assert!(r.status() == 201 || r.status() == 200, "{}", r.status());
        }
        drop(server);
        audit_intact(&env);
        env.cleanup().await;
    }
}

/// `openssl ts -query ... | curl --data-binary @- .../tsa` against the
/// running service, and `openssl ts -verify` with the district root.
#[tokio::test]
async fn the_served_tsa_answers_openssl() {
    let Some(openssl) = common::tool("openssl") else {
        return;
    };
    let env = TestEnv::new(Backend::Sqlite).await;
    setup(&env, &[]);
    let server = Server::start(&env);
    let dir = env.dir.path();
    let data = dir.join("data.txt");
    std::fs::write(&data, "村级证明 2026").unwrap();
    let (ok, root, _) = run(eseal(&env).args(["pki", "root"]));
    assert!(ok);
    std::fs::write(dir.join("root.pem"), root).unwrap();
    let query = dir.join("q.tsq");
    let o = std::process::Command::new(&openssl)
        .args(["ts", "-query", "-sha256", "-cert", "-data"])
        .arg(&data)
        .arg("-out")
        .arg(&query)
        .output()
        .unwrap();
    assert!(o.status.success());
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/tsa", server.base))
        .header("content-type", "application/timestamp-query")
        .body(std::fs::read(&query).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/timestamp-reply");
    let reply = dir.join("r.tsr");
    std::fs::write(&reply, r.bytes().await.unwrap()).unwrap();
    let o = std::process::Command::new(&openssl)
        .args(["ts", "-verify", "-data"])
        .arg(&data)
        .arg("-in")
        .arg(&reply)
        .arg("-CAfile")
        .arg(dir.join("root.pem"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("Verification: OK"),
        "openssl ts -verify: {text}"
    );
    // A malformed request gets an RFC 3161 rejection, not a crash.
    let r = http
        .post(format!("{}/tsa", server.base))
        .header("content-type", "application/timestamp-query")
        .body(b"not DER".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let reply = r.bytes().await.unwrap();
    assert!(
        reply.len() < 64 && reply[0] == 0x30,
        "a PKIStatusInfo rejection: {reply:?}"
    );
    drop(server);
    env.cleanup().await;
}

/// `eseal demo`: one command gives a served installation with the 563
/// seals, demo clerks and sample applications; its documents are specimens.
#[tokio::test]
async fn the_demo_serves_with_accounts_samples_and_specimen_documents() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let server = Server::start_with(&env, &["demo", "--listen", "127.0.0.1:0"]);
    let http = reqwest::Client::new();
    let home = http
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("经营场所证明"));
    let r = http
        .post(format!("{}/api/v1/session", server.base))
        .json(&json!({"username": "fanrong", "password": "eseal-demo-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the demo clerk logs in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = r.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let queue: Value = http
        .get(format!("{}/api/v1/applications", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let apps = queue.as_array().unwrap();
    assert_eq!(
        apps.len(),
        2,
        "two sample applications to 繁荣社区: {queue}"
    );
    let id = apps[0]["application_id"].as_str().unwrap();
    let r = http
        .post(format!("{}/api/v1/applications/{id}/approve", server.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let doc = r.json::<Value>().await.unwrap()["document"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let pdf = http
        .get(format!("{}/api/v1/documents/{doc}/pdf", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(pdftotext) = common::tool("pdftotext") {
        let path = env.dir.path().join("demo.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new(pdftotext)
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("样本"),
            "demo documents are specimens"
        );
    }
    drop(server);
    env.cleanup().await;
}
