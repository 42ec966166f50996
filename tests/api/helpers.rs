//! Spawning the real application on a random port against a fresh database,
//! and the clients that talk to it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use eseal::accounts::{self, Role};
use eseal::application::Catalog;
use eseal::configuration::installation::Installation;
use eseal::document::Templates;
use eseal::domain::SealId;
use eseal::issuance::Issuer;
use eseal::seal::{Roster, registry};
use eseal::store::Store;
use eseal::web::{Application, Services};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestEnv};

/// Seal A: 繁荣社区 (village level). Seal B: 跃进社区. Town: 青口镇人民政府.
pub const SEAL_A: &str = "320707100002-01";
pub const SEAL_B: &str = "320707100004-01";
pub const SEAL_TOWN: &str = "320707100000-01";
/// A district office's seal: may issue none of the village certificates.
pub const SEAL_DISTRICT: &str = "320707000000-01";
pub const PASSWORD: &str = "correct horse battery staple";

fn mini_roster() -> Vec<u8> {
    let full =
        std::fs::read_to_string(crate::common::repo().join("keys-example/roster.csv")).unwrap();
    let mut lines = full.lines();
    let mut out = vec![lines.next().unwrap().to_string()];
    for l in lines {
        if [SEAL_A, SEAL_B, SEAL_TOWN, SEAL_DISTRICT, "320707100006-01"]
            .iter()
            .any(|s| l.starts_with(s))
        {
            out.push(l.to_string());
        }
    }
    assert_eq!(out.len(), 6);
    (out.join("\n") + "\n").into_bytes()
}

/// How the issuing pipeline is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerMode {
    /// The real pipeline with the built-in timestamp authority.
    Works,
    /// The real pipeline pointed at an external TSA that refuses
    /// connections: every issuance must fail and leave nothing behind.
    TsaDown,
}

pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub env: TestEnv,
    pub store: Store,
    pub issuer: Arc<Issuer>,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Spawn the app with a fresh installation, four seals, and three accounts:
/// `clerk-a` (seal A), `clerk-b` (seal B), `admin`.
pub async fn spawn_app(backend: Backend, mode: IssuerMode) -> TestApp {
    spawn_app_with(backend, mode, |_| {}).await
}

/// [`spawn_app`] with some settings changed (limits, timeouts).
pub async fn spawn_app_with(
    backend: Backend,
    mode: IssuerMode,
    tweak: impl FnOnce(&mut eseal::configuration::Settings),
) -> TestApp {
    // Server logs go to the failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,eseal=info"))
        .with_test_writer()
        .try_init();
    let env = TestEnv::new(backend).await;
    Installation::init(&env.settings).await.expect("init");
    let inst = Installation::open(&env.settings).await.expect("open");
    let roster = Roster::parse(&mini_roster()).expect("roster");
    // With their SM2 identity, as `eseal seals provision` gives them: every
    // document is issued as PDF and as its sealed OFD twin.
    let national = inst.national().expect("font");
    registry::provision(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        national.as_ref(),
        &roster,
        "test",
        &|| {},
    )
    .await
    .expect("provision");
    let store = inst.store.clone();
    for (u, role, seals) in [
        ("clerk-a", Role::Clerk, vec![SEAL_A]),
        ("clerk-a2", Role::Clerk, vec![SEAL_A]),
        ("clerk-b", Role::Clerk, vec![SEAL_B]),
        ("admin", Role::Admin, vec![]),
    ] {
        let seals: Vec<SealId> = seals.iter().map(|s| SealId::parse(s).unwrap()).collect();
        accounts::add_user(&store, u, role, &seals, PASSWORD, "test")
            .await
            .expect("add user");
    }
    let templates = Arc::new(Templates::builtin().expect("templates"));
    let public_url = inst.public_url.clone();
    let inst = Arc::new(inst);
    let mut issuer = Issuer::new(inst, templates.clone()).expect("issuer");
    if mode == IssuerMode::TsaDown {
        // A port nothing listens on: connection refused at once.
        let down = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        issuer.tsa = Arc::new(
            eseal::tsa::HttpTsaClient::new(
                &format!("http://{down}/tsa"),
                std::time::Duration::from_secs(2),
            )
            .unwrap(),
        );
    }
    let issuer = Arc::new(issuer);
    let services = Services {
        store: store.clone(),
        catalog: Catalog::new(templates),
        issuer: issuer.clone(),
        public_url,
    };
    let mut settings = env.settings.clone();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    // The tests submit dozens of applications from one client with the
    // template's example ID number; flood.rs checks the default limits.
    settings.applications_per_client_hour = 100_000;
    settings.applications_per_id_number_day = 100_000;
    tweak(&mut settings);
    let app = Application::from_services(services, &settings)
        .await
        .expect("bind");
    let port = app.port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        port,
        env,
        store,
        issuer,
        http,
        shutdown: Some(tx),
        server: Some(server),
    }
}

/// A logged-in browser-like session: the cookie and the CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub set_cookie: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stop the server gracefully and drop the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.unwrap().unwrap();
        }
        self.store.close().await;
        self.env.cleanup().await;
    }

    pub async fn login(&self, username: &str) -> Session {
        let r = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {username}");
        let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let body: Value = r.json().await.unwrap();
        Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
            set_cookie,
        }
    }

    /// A bearer token for `username`.
    pub async fn token(&self, username: &str) -> String {
        let s = self.login(username).await;
        let r = self
            .http
            .post(self.url("/api/v1/tokens"))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .json(&json!({"name": "test client"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A JSON request as `who` (a bearer token, or anonymous).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, self.url(path));
        if let Some(t) = who {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = r.bytes().await.unwrap();
        let v = if ct.starts_with("application/json") {
            serde_json::from_slice(&bytes).unwrap()
        } else {
            Value::String(format!("<{} bytes of {ct}>", bytes.len()))
        };
        (status, v)
    }

    /// Submit a valid business-premises application to `seal`.
    pub async fn submit(&self, seal: &str) -> Value {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/applications",
                None,
                Some(application_body(seal)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    /// Submit and return (application_id, tracking token), looked up as the resident.
    pub async fn submit_id(&self, seal: &str) -> (String, String) {
        let r = self.submit(seal).await;
        let token = r["tracking_token"].as_str().unwrap().to_string();
        let (s, v) = self
            .call("GET", &format!("/api/v1/track/{token}"), None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        (v["application_id"].as_str().unwrap().to_string(), token)
    }

    /// Submit and issue a document on `seal` with `clerk_token`; returns its id.
    pub async fn issued_document(&self, seal: &str, clerk_token: &str) -> String {
        let (id, _) = self.submit_id(seal).await;
        let (s, v) = self
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/approve"),
                Some(clerk_token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["document"]["document_id"].as_str().unwrap().to_string()
    }

    /// How many documents the store holds.
    pub async fn document_count(&self) -> i64 {
        use sqlx::Row;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM documents")
            .fetch_one(&self.store.pool)
            .await
            .unwrap();
        row.try_get::<i64, _>("n").unwrap()
    }

    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        let rows = eseal::store::audit::page(&self.store.pool, 0, 100_000)
            .await
            .unwrap();
        rows.into_iter().map(|r| (r.actor, r.action)).collect()
    }
}

/// The business-premises example values of the template.
pub fn business_fields() -> Value {
    let t = Templates::builtin().unwrap();
    eseal::document::sample(t.get("business_premises").unwrap())
}

pub fn application_body(seal: &str) -> Value {
    json!({
        "kind": "business_premises",
        "seal_id": seal,
        "fields": business_fields(),
    })
}
