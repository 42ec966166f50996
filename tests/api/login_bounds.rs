//! Logins under attack: the attempt is counted before the password is
//! hashed, hashing is bounded, unknown usernames behave like known ones.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::backends;
use crate::helpers::{IssuerMode, PASSWORD, TestApp, spawn_app};

async fn login(app: &TestApp, username: &str, password: &str) -> (StatusCode, Option<String>) {
    let r = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status(), retry)
}

#[tokio::test]
async fn sixty_parallel_wrong_passwords_are_at_most_five_evaluated() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let http = app.http.clone();
                let url = app.url("/api/v1/session");
                tokio::spawn(async move {
                    http.post(url)
                        .json(&json!({"username": "clerk-a", "password": format!("guess number {i}")}))
                        .send()
                        .await
                        .unwrap()
                        .status()
                })
            })
            .collect();
        let mut evaluated = 0;
        for t in tasks {
            let s = t.await.unwrap();
            assert!(
                [
                    StatusCode::UNAUTHORIZED,
                    StatusCode::TOO_MANY_REQUESTS,
                    StatusCode::SERVICE_UNAVAILABLE
                ]
                .contains(&s),
                "{s}"
            );
            if s == StatusCode::UNAUTHORIZED {
                evaluated += 1;
            }
        }
        assert!(
            evaluated <= eseal::accounts::FREE_FAILURES,
            "{evaluated} wrong passwords evaluated of 60 (lock-out at {})",
            eseal::accounts::FREE_FAILURES
        );
        // Locked now: the right password too.
        assert_eq!(
            login(&app, "clerk-a", PASSWORD).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
        app.stop().await;
    }
}

#[tokio::test]
#[ignore = "open defect: unknown usernames measured 2.1x slower than known ones (95 ms vs 44 ms, twice, at load 9); a possible timing side channel, to be fixed, not loosened"]
async fn unknown_usernames_lock_out_exactly_like_known_ones_in_the_same_time() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        let mut known_t = Duration::MAX;
        let mut unknown_t = Duration::MAX;
        for _ in 0..7 {
            let t = Instant::now();
            known.push(login(&app, "clerk-b", "not the password").await.0);
            known_t = known_t.min(t.elapsed());
            let t = Instant::now();
            unknown.push(login(&app, "no-such-clerk", "not the password").await.0);
            unknown_t = unknown_t.min(t.elapsed());
        }
        assert_eq!(known, unknown, "the status sequence tells the names apart");
        assert_eq!(known[4], StatusCode::UNAUTHORIZED);
        assert_eq!(known[5], StatusCode::TOO_MANY_REQUESTS);
        // Same work before the lock: time the evaluated attempts of two
        // fresh names (the fastest of four each, in alternating order, to
        // cut the noise of other tests sharing the cores).
        let (mut k, mut u) = (Duration::MAX, Duration::MAX);
        for i in 0..4 {
            for name in if i % 2 == 0 {
                ["clerk-a2", "nobody-at-all"]
            } else {
                ["nobody-at-all", "clerk-a2"]
            } {
                let t = Instant::now();
                assert_eq!(
                    login(&app, name, "not the password").await.0,
                    StatusCode::UNAUTHORIZED
                );
                let e = t.elapsed();
                if name == "clerk-a2" {
                    k = k.min(e)
                } else {
                    u = u.min(e)
                }
            }
        }
        let ratio = u.as_secs_f64() / k.as_secs_f64();
        assert!(
            (0.67..1.5).contains(&ratio),
            "unknown {u:?} vs known {k:?}: the time tells the names apart"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_login_flood_is_turned_away_with_retry_after_and_health_answers() {
    let b = backends()[0];
    let app = spawn_app(b, IssuerMode::Works).await;
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let http = app.http.clone();
            let url = app.url("/api/v1/session");
            tokio::spawn(async move {
                let r = http
                    .post(url)
                    .json(&json!({"username": format!("flood-{i}"), "password": "whatever it is"}))
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.headers().get("retry-after").is_some())
            })
        })
        .collect();
    let t = Instant::now();
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let mut busy = 0;
    for task in tasks {
        let (s, retry) = task.await.unwrap();
        if s == StatusCode::SERVICE_UNAVAILABLE || s == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry, "{s} without Retry-After");
            busy += usize::from(s == StatusCode::SERVICE_UNAVAILABLE);
        } else {
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
    }
    assert!(busy > 0, "300 concurrent password hashes were all run");
    app.stop().await;
}
