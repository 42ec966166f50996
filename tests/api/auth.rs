use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, backends, eseal, run};
use crate::helpers::{IssuerMode, PASSWORD, SEAL_A, TestApp, spawn_app, spawn_app_with};

#[tokio::test]
async fn session_cookie_is_httponly_strict_and_secure_over_https() {
    let app = spawn_app(Backend::Sqlite, IssuerMode::Works).await;
    let s = app.login("clerk-a").await;
    let c = s.set_cookie.to_ascii_lowercase();
    assert!(c.starts_with("eseal_session="));
    for attr in ["httponly", "samesite=strict", "secure", "path=/"] {
        assert!(c.contains(attr), "{attr} missing: {c}");
    }
    let r = app
        .http
        .get(app.url("/api/v1/me"))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["username"], "clerk-a");
    assert_eq!(me["role"], "clerk");
    assert_eq!(me["seals"], json!([SEAL_A]));
    app.stop().await;
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_for_changes() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let s = app.login("clerk-a").await;
        let (id, _) = app.submit_id(SEAL_A).await;
        let url = app.url(&format!("/api/v1/applications/{id}/accept"));
        let r = app
            .http
            .post(&url)
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["code"],
            "csrf_failed"
        );
        let r = app
            .http
            .post(&url)
            .header("cookie", &s.cookie)
            .header("x-csrf-token", "wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = app
            .http
            .post(&url)
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);

        // Logout ends the session.
        let r = app
            .http
            .delete(app.url("/api/v1/session"))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = app
            .http
            .get(app.url("/api/v1/me"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        app.stop().await;
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_then_a_reset_unlocks_it() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let attempt = |pw: &'static str| {
            let http = app.http.clone();
            let url = app.url("/api/v1/session");
            async move {
                let r = http
                    .post(url)
                    .json(&json!({"username": "clerk-a", "password": pw}))
                    .send()
                    .await
                    .unwrap();
                let s = r.status();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                (s, retry, r.json::<serde_json::Value>().await.unwrap())
            }
        };
        for _ in 0..eseal::accounts::FREE_FAILURES {
            let (s, _, v) = attempt("wrong password!").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
            assert_eq!(v["code"], "bad_credentials");
            assert_eq!(v["message"], "用户名或密码错误");
        }
        // Locked now: even the right password is refused, with Retry-After.
        let (s, retry, v) = attempt(PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
        assert_eq!(v["code"], "too_many_requests");
        let retry: i64 = retry.expect("Retry-After").parse().unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|(_, a)| a == "user.locked")
        );

        // Unknown users look the same as wrong passwords.
        let r = app
            .http
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "nobody", "password": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["code"],
            "bad_credentials"
        );

        // The admin resets the password from the CLI: unlocked, new password works.
        let mut cmd = eseal(&app.env);
        cmd.args(["users", "reset-password", "clerk-a"]);
        let (ok, out, err) = run(&mut cmd);
        assert!(ok, "{err}");
        let new_pw = out
            .lines()
            .find_map(|l| l.strip_prefix("password: "))
            .expect("printed password")
            .to_string();
        let r = app
            .http
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "clerk-a", "password": new_pw}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        app.stop().await;
    }
}

#[tokio::test]
async fn users_cli_adds_disables_and_validates() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        // Password from stdin.
        let mut cmd = eseal(&app.env);
        cmd.args([
            "users",
            "add",
            "--username",
            "clerk-c",
            "--role",
            "clerk",
            "--seal",
            SEAL_A,
        ])
        .args(["--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough password\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("password:"));
        let r = app
            .http
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "clerk-c", "password": "a long enough password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        // Generated password.
        let (ok, out, err) =
            run(eseal(&app.env).args(["users", "add", "--username", "admin-2", "--role", "admin"]));
        assert!(ok, "{err}");
        let pw = out
            .lines()
            .find_map(|l| l.strip_prefix("password: "))
            .unwrap();
        assert!(pw.len() >= 16);

        // Refusals: unknown seal, clerk without seal, duplicate, bad role.
        for args in [
            vec![
                "users",
                "add",
                "--username",
                "x-1",
                "--role",
                "clerk",
                "--seal",
                "320707999999-01",
            ],
            vec!["users", "add", "--username", "x-2", "--role", "clerk"],
            vec![
                "users",
                "add",
                "--username",
                "clerk-a",
                "--role",
                "clerk",
                "--seal",
                SEAL_A,
            ],
            vec!["users", "add", "--username", "x-3", "--role", "root"],
            vec!["users", "disable", "nobody"],
        ] {
            let (ok, _, _) = run(eseal(&app.env).args(&args));
            assert!(!ok, "{args:?} should fail");
        }

        // Disable: sessions and tokens stop working at once.
        let s = app.login("clerk-b").await;
        let t = app.token("clerk-b").await;
        let (ok, _, err) = run(eseal(&app.env).args(["users", "disable", "clerk-b"]));
        assert!(ok, "{err}");
        let r = app
            .http
            .get(app.url("/api/v1/me"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let (s2, _) = app.call("GET", "/api/v1/me", Some(&t), None).await;
        assert_eq!(s2, StatusCode::UNAUTHORIZED);
        let r = app
            .http
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "clerk-b", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

        // The hashes in the database are argon2id, never the password.
        let hash: String = sqlx::Row::get(
            &sqlx::query("SELECT password_hash FROM users WHERE username = 'clerk-c'")
                .fetch_one(&app.store.pool)
                .await
                .unwrap(),
            0,
        );
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("a long enough password"));
        app.stop().await;
    }
}

#[tokio::test]
async fn api_tokens_are_created_listed_used_and_revoked() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let token = app.token("clerk-a").await;
        assert!(token.starts_with("esk_"));
        let (s, me) = app.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(me["username"], "clerk-a");
        let (_, list) = app.call("GET", "/api/v1/tokens", Some(&token), None).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert!(
            !list[0].to_string().contains(&token[10..]),
            "the secret is never listed"
        );
        let tid = list[0]["token_id"].as_str().unwrap().to_string();
        // Stored hashed only.
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) FROM api_tokens WHERE token_sha256 = $1")
                .bind(hex::encode(eseal::crypto::sha256(token.as_bytes())))
                .fetch_one(&app.store.pool)
                .await
                .unwrap(),
            0,
        );
        assert_eq!(n, 1);

        // Someone else cannot revoke it; an empty name is refused.
        let other = app.token("clerk-b").await;
        let (s, _) = app
            .call(
                "DELETE",
                &format!("/api/v1/tokens/{tid}"),
                Some(&other),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/tokens",
                Some(&token),
                Some(json!({"name": " "})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

        let (s, _) = app
            .call(
                "DELETE",
                &format!("/api/v1/tokens/{tid}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = app.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(v["code"], "invalid_token");
        let (s, v) = app
            .call("GET", "/api/v1/me", Some("esk_forged_token"), None)
            .await;
        assert_eq!(
            (s, v["code"].as_str().unwrap()),
            (StatusCode::UNAUTHORIZED, "invalid_token")
        );
        let r = app
            .http
            .get(app.url("/api/v1/me"))
            .header("authorization", "Basic abc")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        app.stop().await;
    }
}

/// `revoked_at` of the token with this secret.
async fn token_revoked_at(app: &TestApp, token: &str) -> Option<i64> {
    sqlx::Row::get(
        &sqlx::query("SELECT revoked_at FROM api_tokens WHERE token_sha256 = $1")
            .bind(hex::encode(eseal::crypto::sha256(token.as_bytes())))
            .fetch_one(&app.store.pool)
            .await
            .unwrap(),
        0,
    )
}

#[tokio::test]
async fn api_tokens_expire_list_their_last_use_and_die_with_a_reset_or_disable() {
    for b in backends() {
        let app = spawn_app_with(b, IssuerMode::Works, |s| s.api_token_days = 30).await;
        let token = app.token("clerk-a").await;
        let (s, list) = app.call("GET", "/api/v1/tokens", Some(&token), None).await;
        assert_eq!(s, StatusCode::OK);
        let t = &list.as_array().unwrap()[0];
        assert_eq!(t["state"], "active", "{t}");
        let created = t["created_at"].as_i64().unwrap();
        assert_eq!(t["expires_at"].as_i64().unwrap(), created + 30 * 86_400);
        // This very request used it: its last use is listed.
        let used = t["last_used_at"].as_i64().expect("last use listed");
        assert!(used >= created, "{t}");

        // Past its expiry it stops working, and is listed as expired.
        let lister = app.token("clerk-a").await;
        sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE token_sha256 = $2")
            .bind(eseal::store::now_unix() - 1)
            .bind(hex::encode(eseal::crypto::sha256(token.as_bytes())))
            .execute(&app.store.pool)
            .await
            .unwrap();
        let (s, v) = app.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
        let (_, list) = app.call("GET", "/api/v1/tokens", Some(&lister), None).await;
        // The secret is `esk_<token id: 12 characters>_<random>`.
        let id_of = |secret: &str| secret[4..16].to_string();
        let state_of = |secret: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|t| t["token_id"] == id_of(secret).as_str())
                .map(|t| t["state"].as_str().unwrap().to_string())
        };
        assert_eq!(state_of(&token).as_deref(), Some("expired"), "{list}");
        assert_eq!(state_of(&lister).as_deref(), Some("active"), "{list}");

        // A password reset revokes every live token of the account.
        assert_eq!(token_revoked_at(&app, &lister).await, None);
        let (ok, _, err) = run(eseal(&app.env).args(["users", "reset-password", "clerk-a"]));
        assert!(ok, "{err}");
        let (s, _) = app.call("GET", "/api/v1/me", Some(&lister), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(token_revoked_at(&app, &lister).await.is_some());

        // Disabling revokes too: enabling the account again would not revive it.
        let other = app.token("clerk-b").await;
        let (ok, _, err) = run(eseal(&app.env).args(["users", "disable", "clerk-b"]));
        assert!(ok, "{err}");
        assert!(token_revoked_at(&app, &other).await.is_some());
        let audit = eseal::store::audit::page(&app.store.pool, 0, 100_000)
            .await
            .unwrap();
        assert!(
            audit.iter().any(|r| r.action == "user.reset_password"
                && r.detail.contains("username=clerk-a tokens_revoked=2")),
            "the reset is audited with the tokens it revoked"
        );
        app.stop().await;
    }
}
