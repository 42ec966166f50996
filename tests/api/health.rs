use reqwest::StatusCode;

use crate::common::backends;
use crate::helpers::{IssuerMode, spawn_app};

#[tokio::test]
async fn health_readiness_request_ids_and_json_404s() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let r = app.http.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let id = r
            .headers()
            .get("x-request-id")
            .expect("request id")
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        assert_eq!(r.text().await.unwrap(), "ok");

        let r = app.http.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), "ready");

        // A request id sent by a proxy is kept.
        let r = app
            .http
            .get(app.url("/healthz"))
            .header("x-request-id", "abc-123")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["x-request-id"], "abc-123");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");

        let (s, v) = app.call("GET", "/api/v1/no-such-thing", None, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["code"], "not_found");
        assert!(v["message"].as_str().unwrap().contains("未找到"));

        let r = app.http.get(app.url("/no/such/page")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.text().await.unwrap().contains("页面不存在"));
        app.stop().await;
    }
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_gone() {
    let app = spawn_app(crate::common::Backend::Sqlite, IssuerMode::Works).await;
    app.store.pool.close().await;
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "database_unavailable");
    app.stop().await;
}

#[tokio::test]
async fn openapi_document_lists_every_endpoint() {
    let app = spawn_app(crate::common::Backend::Sqlite, IssuerMode::Works).await;
    let (s, v) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/api/v1/kinds",
        "/api/v1/kinds/{kind}/seals",
        "/api/v1/applications",
        "/api/v1/applications/{id}",
        "/api/v1/applications/{id}/accept",
        "/api/v1/applications/{id}/approve",
        "/api/v1/applications/{id}/reject",
        "/api/v1/track",
        "/api/v1/track/{token}",
        "/api/v1/track/{token}/document",
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/pdf",
        "/api/v1/documents/{id}/void",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(paths["/api/v1/applications"]["post"].is_object());
    assert!(paths["/api/v1/applications"]["get"].is_object());
    assert!(v["components"]["schemas"]["ErrorBody"].is_object());
    app.stop().await;
}
