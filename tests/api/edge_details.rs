//! The smaller holes of the public edge, each tried from outside: file
//! modes of the data directory, `Secure` cookies, `Cache-Control`, request
//! ids, control characters in text inputs, metrics labels, and long runs
//! of Latin letters in a certificate's free text.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, backends};
use crate::helpers::{IssuerMode, SEAL_A, TestApp, application_body, spawn_app, spawn_app_with};

fn modes_under(dir: &Path, out: &mut Vec<(String, bool, u32)>) {
    let meta = std::fs::symlink_metadata(dir).unwrap();
    out.push((
        dir.display().to_string(),
        meta.is_dir(),
        meta.permissions().mode() & 0o777,
    ));
    if meta.is_dir() {
        for e in std::fs::read_dir(dir).unwrap() {
            modes_under(&e.unwrap().path(), out);
        }
    }
}

#[tokio::test]
async fn every_file_of_the_data_dir_is_0600_and_every_directory_0700() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        // A document issued: the database, its WAL and shared memory written.
        let token = app.token("clerk-a").await;
        app.issued_document(SEAL_A, &token).await;
        let dir = app.env.settings.data_dir.clone();
        let mut found = Vec::new();
        modes_under(&dir, &mut found);
        let names: Vec<String> = found
            .iter()
            .filter_map(|(p, _, _)| Path::new(p).file_name())
            .map(|n| n.to_string_lossy().to_string())
            .collect();
        assert!(names.contains(&"master.key".to_string()), "{names:?}");
        if b == Backend::Sqlite {
            for f in ["eseal.db", "eseal.db-wal", "eseal.db-shm"] {
                assert!(names.contains(&f.to_string()), "{f} missing: {names:?}");
            }
        }
        for (path, is_dir, mode) in &found {
            let wanted = if *is_dir { 0o700 } else { 0o600 };
            assert_eq!(*mode, wanted, "{path} is {mode:o}, not {wanted:o}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn an_older_installation_with_loose_modes_is_tightened_when_opened() {
    let app = spawn_app(Backend::Sqlite, IssuerMode::Works).await;
    let settings = app.env.settings.clone();
    let dir = settings.data_dir.clone();
    // As an older version left them.
    for f in ["eseal.db", "master.key"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let inst = eseal::configuration::installation::Installation::open(&settings)
        .await
        .unwrap();
    let mut found = Vec::new();
    modes_under(&dir, &mut found);
    for (path, is_dir, mode) in &found {
        assert_eq!(*mode, if *is_dir { 0o700 } else { 0o600 }, "{path}");
    }
    inst.store.close().await;
    app.stop().await;
}

fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("eseal_session="))
        .expect("session cookie set")
}

async fn login_cookie(app: &TestApp, proto: Option<&str>) -> String {
    let mut rb = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "clerk-a", "password": crate::helpers::PASSWORD}));
    if let Some(p) = proto {
        rb = rb.header("x-forwarded-proto", p);
    }
    let r = rb.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    session_cookie(&r)
}

async fn anon_csrf_cookie(app: &TestApp, proto: Option<&str>) -> String {
    let mut rb = app
        .http
        .get(app.url(&format!("/apply/business_premises/{SEAL_A}")));
    if let Some(p) = proto {
        rb = rb.header("x-forwarded-proto", p);
    }
    let r = rb.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.headers()["set-cookie"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn cookies_are_secure_when_the_service_is_reached_over_https_not_by_the_init_url() {
    let b = Backend::Sqlite;
    // Initialised with an https URL, served at an http one: not Secure (a
    // browser would never send it back), whatever a client claims.
    let app = spawn_app_with(b, IssuerMode::Works, |s| {
        s.public_url = "http://127.0.0.1:8080".into();
    })
    .await;
    for proto in [None, Some("https")] {
        let c = login_cookie(&app, proto).await;
        assert!(!c.contains("Secure"), "{proto:?}: {c}");
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        let c = anon_csrf_cookie(&app, proto).await;
        assert!(!c.contains("Secure"), "{proto:?}: {c}");
    }
    app.stop().await;

    // Behind a trusted proxy: Secure when the proxy says https.
    let app = spawn_app_with(b, IssuerMode::Works, |s| {
        s.public_url = "http://127.0.0.1:8080".into();
        s.trusted_proxies = vec![eseal::domain::Cidr::parse("127.0.0.1/32").unwrap()];
    })
    .await;
    let c = login_cookie(&app, Some("https")).await;
    assert!(c.contains("; Secure"), "{c}");
    let c = anon_csrf_cookie(&app, Some("https")).await;
    assert!(c.contains("; Secure"), "{c}");
    let c = login_cookie(&app, Some("http")).await;
    assert!(!c.contains("Secure"), "{c}");
    let c = login_cookie(&app, None).await;
    assert!(!c.contains("Secure"), "{c}");
    app.stop().await;

    // Served at an https URL (configured at serve time): always Secure.
    let app = spawn_app_with(b, IssuerMode::Works, |s| {
        s.public_url = "https://eseal.ganyu.example".into();
    })
    .await;
    let c = login_cookie(&app, None).await;
    assert!(c.contains("; Secure"), "{c}");
    app.stop().await;
}

async fn cache_control(app: &TestApp, path: &str, auth: (&str, &str)) -> (StatusCode, String) {
    let r = app
        .http
        .get(app.url(path))
        .header(auth.0, auth.1)
        .send()
        .await
        .unwrap();
    let cc = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), cc)
}

#[tokio::test]
async fn pages_and_json_with_personal_data_are_never_cached() {
    let app = spawn_app(Backend::Sqlite, IssuerMode::Works).await;
    let session = app.login("clerk-a").await;
    let token = app.token("clerk-a").await;
    let (id, tracking) = app.submit_id(SEAL_A).await;
    let bearer = format!("Bearer {token}");
    let cookie = session.cookie.clone();
    for (path, auth) in [
        ("/clerk".to_string(), ("cookie", cookie.as_str())),
        (
            format!("/clerk/applications/{id}"),
            ("cookie", cookie.as_str()),
        ),
        (format!("/a/{tracking}"), ("x-none", "")),
        (format!("/api/v1/track/{tracking}"), ("x-none", "")),
        (
            format!("/api/v1/applications/{id}"),
            ("authorization", bearer.as_str()),
        ),
        (
            "/api/v1/applications".to_string(),
            ("authorization", bearer.as_str()),
        ),
        ("/api/v1/me".to_string(), ("authorization", bearer.as_str())),
    ] {
        let (s, cc) = cache_control(&app, &path, auth).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(cc.contains("no-store"), "{path}: Cache-Control {cc:?}");
    }
    // Public, cacheable material keeps its own header.
    let (s, cc) = cache_control(&app, "/pki/seal-ca.crl", ("x-none", "")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(cc.contains("public"), "{cc}");
    app.stop().await;
}

#[tokio::test]
async fn a_clients_request_id_is_kept_only_when_short_and_plain() {
    let app = spawn_app(Backend::Sqlite, IssuerMode::Works).await;
    let id_of = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_string();
    let r = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-7f3a.2026_12-01")
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&r), "lb-7f3a.2026_12-01");
    let long = "a".repeat(200);
    for bad in [
        long.as_bytes(),
        b"<script>alert(1)</script>".as_slice(),
        b"id with spaces",
        b"id\"quoted\"",
        "\u{9ad8}\u{7ea7}".as_bytes(),
        b"",
    ] {
        let r = app
            .http
            .get(app.url("/healthz"))
            .header(
                "x-request-id",
                reqwest::header::HeaderValue::from_bytes(bad).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let id = id_of(&r);
        assert_ne!(id.as_bytes(), bad);
        assert_eq!(id.len(), 36, "a generated UUID, not {id:?}");
    }
    // None sent: one generated.
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(id_of(&r).len(), 36);
    app.stop().await;
}

/// A JSON request's status and `message`.
async fn json_status(
    app: &TestApp,
    method: &str,
    path: &str,
    who: Option<&str>,
    body: Value,
) -> (StatusCode, String) {
    let (s, v) = app.call(method, path, who, Some(body)).await;
    (s, v["message"].as_str().unwrap_or_default().to_string())
}

async fn application_count(app: &TestApp) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM applications")
        .fetch_one(&app.store.pool)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

fn refused(s: StatusCode, message: &str, what: &str) {
    assert!(s.is_client_error(), "{what}: {s} {message}");
    assert!(
        message.contains("控制字符") || message.contains("换行") || message.contains("制表符"),
        "{what}: {message}"
    );
}

#[tokio::test]
async fn control_characters_are_refused_in_every_text_input_with_a_chinese_message() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let token = app.token("clerk-a").await;
        let before = application_count(&app).await;
        // Application fields (JSON).
        for (field, value) in [
            ("shop_name", "明记\u{0}小吃店"),
            ("business_use", "餐饮\u{1b}[2J服务"),
            ("premises_address", "赣榆区青口镇\u{202E}组三区社荣繁18号"),
            ("shop_name", "明记小吃店\r\nX-Injected: 1"),
            ("business_use", "餐饮\t服务"),
        ] {
            let mut body = application_body(SEAL_A);
            body["fields"][field] = json!(value);
            let (s, m) = json_status(&app, "POST", "/api/v1/applications", None, body).await;
            refused(s, &m, &format!("{field}={value:?}"));
        }
        assert_eq!(application_count(&app).await, before, "nothing stored");
        // A field that spans lines takes the browser's CRLF as a line break.
        let t = eseal::document::Templates::builtin().unwrap();
        let mut fields = eseal::document::sample(t.get("exit_entry").unwrap());
        fields["facts"] = json!("该居民在本辖区居住多年。\r\n遵纪守法，无违法犯罪记录。");
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/applications",
                None,
                Some(json!({"kind": "exit_entry", "seal_id": SEAL_A, "fields": fields})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        fields["facts"] = json!("该居民在本辖区居住多年\u{202E}。");
        let (s, m) = json_status(
            &app,
            "POST",
            "/api/v1/applications",
            None,
            json!({"kind": "exit_entry", "seal_id": SEAL_A, "fields": fields}),
        )
        .await;
        refused(s, &m, "RLO in a multi-line field");

        // Reasons, usernames, token names (JSON).
        let (id, _) = app.submit_id(SEAL_A).await;
        for (path, body) in [
            (
                format!("/api/v1/applications/{id}/reject"),
                json!({"reason": "材料\u{202E}不全"}),
            ),
            (
                format!("/api/v1/applications/{id}/reject"),
                json!({"reason": "材料不全\r\n请补交"}),
            ),
            (
                "/api/v1/applications/reject".to_string(),
                json!({"application_ids": [id], "reason": "垃圾\u{0}申请"}),
            ),
            (
                "/api/v1/tokens".to_string(),
                json!({"name": "client\u{1b}]0;pwned\u{7}"}),
            ),
        ] {
            let (s, m) = json_status(&app, "POST", &path, Some(&token), body.clone()).await;
            refused(s, &m, &format!("{path} {body}"));
        }
        let (s, m) = json_status(
            &app,
            "POST",
            "/api/v1/session",
            None,
            json!({"username": "clerk-a\u{0}", "password": "whatever it is"}),
        )
        .await;
        refused(s, &m, "NUL in a username");
        let doc = app.issued_document(SEAL_A, &token).await;
        for reason in ["打印错误\u{1b}[8m", "打印错误\r\n", "打印\u{2066}错误"] {
            let (s, m) = json_status(
                &app,
                "POST",
                &format!("/api/v1/documents/{doc}/void"),
                Some(&token),
                json!({"reason": reason}),
            )
            .await;
            refused(s, &m, &format!("void reason {reason:?}"));
        }
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/applications/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["status"], "submitted", "no reject went through: {v}");

        // Forms: a clerk's void and reject, the login form.
        let session = app.login("clerk-a").await;
        let page = app
            .http
            .get(app.url(&format!("/clerk/applications/{id}")))
            .header("cookie", &session.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        for (path, form) in [
            (
                format!("/clerk/documents/{doc}/void"),
                vec![
                    ("reason", "打印错误"),
                    ("application_id", "x\r\nLocation: https://evil.example/"),
                ],
            ),
            (
                format!("/clerk/documents/{doc}/void"),
                vec![("reason", "打印错误\r\n另起一行")],
            ),
            (
                format!("/clerk/applications/{id}/reject"),
                vec![("reason", "材料\u{202E}不全")],
            ),
        ] {
            let mut form = form.clone();
            form.push(("csrf", &session.csrf));
            let r = app
                .http
                .post(app.url(&path))
                .header("cookie", &session.cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            let s = r.status();
            let text = r.text().await.unwrap();
            refused(s, &text, &format!("{path} {form:?}"));
        }
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/documents/{doc}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_ne!(v["status"], "voided", "{v}");

        // Query strings: the seal search, on the API and on the page.
        for q in ["%1B%5B2J", "%00", "%E2%80%AE", "a%0D%0Ab"] {
            let (s, v) = app
                .call(
                    "GET",
                    &format!("/api/v1/kinds/business_premises/seals?q={q}"),
                    None,
                    None,
                )
                .await;
            refused(
                s,
                v["message"].as_str().unwrap_or_default(),
                &format!("API q={q}"),
            );
            let r = app
                .http
                .get(app.url(&format!("/apply/business_premises?q={q}")))
                .send()
                .await
                .unwrap();
            let s = r.status();
            let text = r.text().await.unwrap();
            assert!(text.contains("<html"), "a page, not JSON: {text}");
            refused(s, &text, &format!("page q={q}"));
        }
        let (s, _) = app
            .call(
                "GET",
                "/api/v1/kinds/business_premises/seals?q=%E9%9D%92%E5%8F%A3",
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "a plain search still answers");
        app.stop().await;
    }
}

#[tokio::test]
async fn metrics_labels_only_take_known_methods() {
    let app = spawn_app(Backend::Sqlite, IssuerMode::Works).await;
    for i in 0..20 {
        let m = format!("ZZFLOOD{}{i}", "Q".repeat(500));
        let r = app
            .http
            .request(
                reqwest::Method::from_bytes(m.as_bytes()).unwrap(),
                app.url("/healthz"),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("ZZFLOOD"), "a method became a label");
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(text.contains("method=\"GET\""));
    app.stop().await;
}

/// Every word's box in `pdftotext -bbox` output, with its page's size.
fn word_boxes(html: &str) -> Vec<(f64, f64, f64, f64, f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let mut out = Vec::new();
    let (mut w, mut h) = (0.0, 0.0);
    for part in html.split('<').skip(1) {
        if part.starts_with("page ") {
            w = attr(part, "width");
            h = attr(part, "height");
        } else if part.starts_with("word ") {
            let text = part.split('>').nth(1).unwrap_or_default().to_string();
            out.push((
                w,
                h,
                attr(part, "xMin"),
                attr(part, "yMin"),
                attr(part, "xMax"),
                attr(part, "yMax"),
                text,
            ));
        }
    }
    out
}

#[tokio::test]
async fn a_long_unbroken_latin_run_is_wrapped_inside_the_page() {
    let app = spawn_app(Backend::Sqlite, IssuerMode::Works).await;
    let token = app.token("clerk-a").await;
    let t = eseal::document::Templates::builtin().unwrap();
    let mut fields = eseal::document::sample(t.get("exit_entry").unwrap());
    // The worst case: the whole 200-character field one Latin run (wide
    // capitals), and a 150-character run after Chinese text.
    let run: String = (0..150).map(|i| ["W", "M", "Q", "D"][i % 4]).collect();
    for facts in ["W".repeat(200), format!("该居民在本辖区居住多年，{run}")] {
        fields["facts"] = json!(facts);
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/applications",
                None,
                Some(json!({"kind": "exit_entry", "seal_id": SEAL_A, "fields": fields})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let tracking = v["tracking_token"].as_str().unwrap();
        let (_, v) = app
            .call("GET", &format!("/api/v1/track/{tracking}"), None, None)
            .await;
        let id = v["application_id"].as_str().unwrap();
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/approve"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let doc = v["document"]["document_id"].as_str().unwrap();
        let pdf = app
            .http
            .get(app.url(&format!("/api/v1/documents/{doc}/pdf")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doc.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg("-bbox")
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) installed");
        assert!(out.status.success());
        let boxes = word_boxes(&String::from_utf8_lossy(&out.stdout));
        let latin: usize = boxes
            .iter()
            .filter(|b| b.6.chars().any(|c| c.is_ascii_uppercase()))
            .map(|b| b.6.chars().filter(char::is_ascii_uppercase).count())
            .sum();
        assert!(latin >= 150, "the run is drawn ({latin} letters found)");
        for (w, h, x0, y0, x1, y1, text) in &boxes {
            assert!(
                *x0 >= 0.0 && *y0 >= 0.0 && x1 <= w && y1 <= h,
                "{text:?} at ({x0}, {y0})-({x1}, {y1}) falls outside the {w} x {h} page"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_public_timestamp_authority_is_limited_per_client_and_every_use_is_audited() {
    for b in backends() {
        let app =
            spawn_app_with(b, IssuerMode::Works, |s| s.timestamps_per_client_minute = 5).await;
        let started = eseal::store::now_unix();
        let query = eseal::tsa::exchange::Request::new(&[7; 32]).unwrap();
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let r = app
                .http
                .post(app.url("/tsa"))
                .header("content-type", "application/timestamp-query")
                .body(query.der.clone())
                .send()
                .await
                .unwrap();
            let s = r.status();
            if s == StatusCode::OK {
                query
                    .token_from_response(&r.bytes().await.unwrap())
                    .unwrap();
            } else {
                assert!(r.headers().contains_key("retry-after"));
            }
            statuses.push(s.as_u16());
        }
        // A minute boundary between the requests restarts the window: at
        // most one more may pass.
        let ok = statuses.iter().filter(|s| **s == 200).count();
        assert!((5..=6).contains(&ok), "{statuses:?}");
        assert!(statuses.contains(&429), "{statuses:?}");
        // Nothing is in the log until the minute is over; then one entry
        // per minute accounts for every token signed.
        assert!(
            !app.audit_actions()
                .await
                .iter()
                .any(|(a, _)| a == "tsa.use"),
            "no entry per anonymous request"
        );
        let later = started - started.rem_euclid(60) + 180;
        let n = eseal::audit::tsa_use::record_before(&app.store, later)
            .await
            .unwrap();
        assert!((1..=2).contains(&n), "{n}");
        let counted: i64 = eseal::store::audit::page(&app.store.pool, 0, 100_000)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.action == "tsa.use")
            .map(|r| {
                assert_eq!(r.actor, "public");
                r.detail
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("requests="))
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
            })
            .sum();
        assert_eq!(counted, ok as i64, "every signing and only signings");
        // Recording again adds nothing; the log still verifies.
        assert_eq!(
            eseal::audit::tsa_use::record_before(&app.store, later)
                .await
                .unwrap(),
            0
        );
        let report = eseal::audit::verify(&app.store).await.unwrap();
        assert!(report.problem.is_none(), "{:?}", report.problem);
        app.stop().await;
    }
}
