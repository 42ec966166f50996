//! Logins under attack: the attempt is counted before the password is
//! hashed, hashing is bounded, unknown usernames behave like known ones.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::backends;
use crate::helpers::{IssuerMode, PASSWORD, TestApp, spawn_app, spawn_app_with};

/// Held by the tests that hash passwords flat out and by the one that
/// times logins, so the timing is not taken while two other tests keep both
/// cores busy with argon2 (each has its own runtime: a tokio mutex works
/// across them).
static HASHING_FLAT_OUT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    let _cores = HASHING_FLAT_OUT.lock().await;
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
async fn unknown_usernames_lock_out_exactly_like_known_ones_in_the_same_time() {
    let _cores = HASHING_FLAT_OUT.lock().await;
    for b in backends() {
        // Many attempts from one client: its own budget out of the way.
        let app =
            spawn_app_with(b, IssuerMode::Works, |s| s.logins_per_client_10min = 10_000).await;
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for _ in 0..7 {
            known.push(login(&app, "clerk-b", "not the password").await.0);
            unknown.push(login(&app, "no-such-clerk", "not the password").await.0);
        }
        assert_eq!(known, unknown, "the status sequence tells the names apart");
        assert_eq!(known[4], StatusCode::UNAUTHORIZED);
        assert_eq!(known[5], StatusCode::TOO_MANY_REQUESTS);
        // The same time, attempt by attempt up to and including the one
        // that locks (whose lock is audited for both): twelve fresh accounts and twelve made-up names, each
        // pair timed back to back (in alternating order) so a burst of load
        // from other tests hits both; the median of the pairs' ratios, not
        // absolute times.
        let mut ratios = Vec::new();
        for i in 0..12 {
            let known = format!("timing-clerk-{i}");
            let unknown = format!("timing-ghost-{i}");
            let seal = eseal::domain::SealId::parse(crate::helpers::SEAL_A).unwrap();
            eseal::accounts::add_user(
                &app.store,
                &known,
                eseal::accounts::Role::Clerk,
                &[seal],
                PASSWORD,
                "test",
            )
            .await
            .unwrap();
            for attempt in 1..=eseal::accounts::FREE_FAILURES {
                let mut took = [Duration::ZERO; 2];
                for which in if (i + attempt as usize).is_multiple_of(2) {
                    [0, 1]
                } else {
                    [1, 0]
                } {
                    let name = [&known, &unknown][which];
                    let t = Instant::now();
                    assert_eq!(
                        login(&app, name, "not the password").await.0,
                        StatusCode::UNAUTHORIZED,
                        "{name} attempt {attempt}"
                    );
                    took[which] = t.elapsed();
                }
                let r = took[1].as_secs_f64() / took[0].as_secs_f64();
                ratios.push(r);
            }
        }
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        assert!(
            (0.67..1.5).contains(&median),
            "{b:?}: unknown/known time, median of {} pairs {median:.2}: the time tells the names apart ({ratios:.2?})",
            ratios.len()
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_login_flood_is_turned_away_with_retry_after_and_health_answers() {
    let _cores = HASHING_FLAT_OUT.lock().await;
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
