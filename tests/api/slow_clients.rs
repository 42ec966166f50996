//! Slow and idle clients, and uploads: every connection and body is bounded
//! in time and number; a verification slot is taken before the upload is read.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::backends;
use crate::helpers::{IssuerMode, TestApp, spawn_app_with};

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(("127.0.0.1", app.port)).await.unwrap()
}

/// Whether the server closes `s` within `within` (reads EOF or a reset).
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // a response (408) before the close
        }
    }
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed_after_their_timeouts() {
    let app = spawn_app_with(backends()[0], IssuerMode::Works, |s| {
        s.header_read_timeout_secs = 1;
        s.idle_timeout_secs = 1;
        s.body_timeout_secs = 1;
    })
    .await;
    let mut silent = connect(&app).await;
    let mut half_head = connect(&app).await;
    half_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut half_body = connect(&app).await;
    half_body
        .write_all(
            b"POST /api/v1/applications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":",
        )
        .await
        .unwrap();
    assert!(
        closed_within(&mut silent, Duration::from_secs(5)).await,
        "idle connection kept"
    );
    assert!(
        closed_within(&mut half_head, Duration::from_secs(5)).await,
        "half-sent head kept"
    );
    assert!(
        closed_within(&mut half_body, Duration::from_secs(5)).await,
        "stalled body kept"
    );
    app.stop().await;
}

#[tokio::test]
async fn past_the_connection_cap_idle_connections_make_room_and_health_answers() {
    let app = spawn_app_with(backends()[0], IssuerMode::Works, |s| {
        s.max_connections = 50;
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(connect(&app).await);
    }
    let t = Instant::now();
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let mut closed = 0;
    for s in &mut idle {
        if closed_within(s, Duration::from_millis(20)).await {
            closed += 1;
        }
    }
    assert!(
        closed >= 150,
        "only {closed} of 200 idle connections closed with a cap of 50"
    );
    app.stop().await;
}

#[tokio::test]
async fn past_the_cap_half_sent_heads_make_room_at_once_for_health_and_a_clerk() {
    let app = spawn_app_with(backends()[0], IssuerMode::Works, |s| {
        s.max_connections = 20;
    })
    .await;
    let token = app.token("clerk-a").await;
    let (id, _) = app.submit_id(crate::helpers::SEAL_A).await;
    // Slowloris: each connection sends part of a head and stops (hyper
    // waits for the rest until its header timeout, 10 s).
    let mut held = Vec::new();
    for _ in 0..100 {
        let mut s = connect(&app).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    for _ in 0..5 {
        let t = Instant::now();
        let r = reqwest::Client::new()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        for _ in 0..20 {
            let mut s = connect(&app).await;
            s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
            held.push(s);
        }
    }
    let t = Instant::now();
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/approve"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    drop(held);
    app.stop().await;
}

#[tokio::test]
async fn no_verification_slot_means_503_before_the_body_is_read() {
    for b in backends() {
        let app = spawn_app_with(b, IssuerMode::Works, |s| {
            s.verify_concurrency = 1;
        })
        .await;
        // One upload holds the slot, four more fill the queue: each sends
        // its head and a little of a 1 MiB body, then stalls.
        let mut stalled = Vec::new();
        for _ in 0..5 {
            let mut s = connect(&app).await;
            s.write_all(
                b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 1048576\r\n\r\n%PDF-1.7\n",
            )
            .await
            .unwrap();
            stalled.push(s);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = Instant::now();
        let r = app
            .http
            .post(app.url("/api/v1/verify"))
            .header("content-type", "application/pdf")
            .body(vec![b'%'; 200_000])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503);
        assert!(r.headers().get("retry-after").is_some());
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["code"], "busy");
        // A declared length over the limit: 413 without reading anything.
        let mut s = connect(&app).await;
        s.write_all(
            b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 40000000\r\n\r\n",
        )
        .await
        .unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 413");
        drop(stalled);
        app.stop().await;
    }
}
