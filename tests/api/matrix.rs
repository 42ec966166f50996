//! The authorization matrix: every role and anonymous × every endpoint ×
//! a target on seal A and on seal B, each cell asserted from a written
//! table (not computed by the rule under test).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::backends;
use crate::helpers::{IssuerMode, SEAL_A, SEAL_B, TestApp, application_body, spawn_app};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anon,
    ClerkA,
    ClerkB,
    Admin,
}
const WHO: [Who; 4] = [Who::Anon, Who::ClerkA, Who::ClerkB, Who::Admin];

/// What is called, and what it needs that is fresh for each cell.
#[derive(Debug, Clone, Copy)]
enum Ep {
    Kinds,
    Seals,
    Submit,
    Track,
    Queue,
    GetApp,
    Accept,
    Approve,
    Reject,
    GetDoc,
    DocPdf,
    Void,
    Me,
    ListTokens,
    CreateToken,
    WalkIn,
}

const S200: u16 = 200;
const S201: u16 = 201;
const S204: u16 = 204;
const S401: u16 = 401;
const S403: u16 = 403;

/// Expected status for [anon, clerk-a, clerk-b, admin], target on seal A.
/// On seal B, clerk-a and clerk-b swap places.
fn expected(ep: Ep) -> [u16; 4] {
    match ep {
        Ep::Kinds => [S200, S200, S200, S200],
        Ep::Seals => [S200, S200, S200, S200],
        Ep::Submit => [S201, S201, S201, S201],
        Ep::Track => [S200, S200, S200, S200],
        Ep::Queue => [S401, S200, S200, S200],
        Ep::GetApp => [S401, S200, S403, S200],
        Ep::Accept => [S401, S204, S403, S403],
        Ep::Approve => [S401, S201, S403, S403],
        Ep::Reject => [S401, S204, S403, S403],
        Ep::GetDoc => [S401, S200, S403, S200],
        Ep::DocPdf => [S401, S200, S403, S200],
        Ep::Void => [S401, S200, S403, S403],
        Ep::Me => [S401, S200, S200, S200],
        Ep::ListTokens => [S401, S200, S200, S200],
        Ep::CreateToken => [S401, S201, S201, S201],
        Ep::WalkIn => [S401, S201, S403, S403],
    }
}

const ALL: [Ep; 16] = [
    Ep::Kinds,
    Ep::Seals,
    Ep::Submit,
    Ep::Track,
    Ep::Queue,
    Ep::GetApp,
    Ep::Accept,
    Ep::Approve,
    Ep::Reject,
    Ep::GetDoc,
    Ep::DocPdf,
    Ep::Void,
    Ep::Me,
    Ep::ListTokens,
    Ep::CreateToken,
    Ep::WalkIn,
];

struct Tokens {
    a: String,
    b: String,
    admin: String,
}

impl Tokens {
    fn of(&self, w: Who) -> Option<&str> {
        match w {
            Who::Anon => None,
            Who::ClerkA => Some(&self.a),
            Who::ClerkB => Some(&self.b),
            Who::Admin => Some(&self.admin),
        }
    }
    /// The issuing clerk of a seal.
    fn owner(&self, seal: &str) -> &str {
        if seal == SEAL_A { &self.a } else { &self.b }
    }
}

/// Run one cell; returns the status and the target application id, if any.
async fn cell(
    app: &TestApp,
    t: &Tokens,
    ep: Ep,
    who: Who,
    seal: &str,
) -> (StatusCode, Option<String>) {
    let tok = t.of(who);
    let (method, path, body, target): (&str, String, Option<Value>, Option<String>) = match ep {
        Ep::Kinds => ("GET", "/api/v1/kinds".into(), None, None),
        Ep::Seals => (
            "GET",
            "/api/v1/kinds/business_premises/seals".into(),
            None,
            None,
        ),
        Ep::Submit => (
            "POST",
            "/api/v1/applications".into(),
            Some(application_body(seal)),
            None,
        ),
        Ep::Track => {
            let (id, token) = app.submit_id(seal).await;
            ("GET", format!("/api/v1/track/{token}"), None, Some(id))
        }
        Ep::Queue => ("GET", "/api/v1/applications".into(), None, None),
        Ep::WalkIn => (
            "POST",
            "/api/v1/documents".into(),
            Some(application_body(seal)),
            None,
        ),
        Ep::GetApp | Ep::Accept | Ep::Approve | Ep::Reject => {
            let (id, _) = app.submit_id(seal).await;
            let (m, p, b) = match ep {
                Ep::GetApp => ("GET", format!("/api/v1/applications/{id}"), None),
                Ep::Accept => ("POST", format!("/api/v1/applications/{id}/accept"), None),
                Ep::Approve => ("POST", format!("/api/v1/applications/{id}/approve"), None),
                _ => (
                    "POST",
                    format!("/api/v1/applications/{id}/reject"),
                    Some(json!({"reason": "材料不全"})),
                ),
            };
            (m, p, b, Some(id))
        }
        Ep::GetDoc | Ep::DocPdf | Ep::Void => {
            let doc = app.issued_document(seal, t.owner(seal)).await;
            let (m, p, b) = match ep {
                Ep::GetDoc => ("GET", format!("/api/v1/documents/{doc}"), None),
                Ep::DocPdf => ("GET", format!("/api/v1/documents/{doc}/pdf"), None),
                _ => (
                    "POST",
                    format!("/api/v1/documents/{doc}/void"),
                    Some(json!({"reason": "测试作废"})),
                ),
            };
            (m, p, b, Some(doc))
        }
        Ep::Me => ("GET", "/api/v1/me".into(), None, None),
        Ep::ListTokens => ("GET", "/api/v1/tokens".into(), None, None),
        Ep::CreateToken => (
            "POST",
            "/api/v1/tokens".into(),
            Some(json!({"name": "matrix"})),
            None,
        ),
    };
    let (s, _) = app.call(method, &path, tok, body).await;
    (s, target)
}

#[tokio::test]
async fn authorization_matrix() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let t = Tokens {
            a: app.token("clerk-a").await,
            b: app.token("clerk-b").await,
            admin: app.token("admin").await,
        };
        let mut failures = Vec::new();
        let mut cells = 0;
        for ep in ALL {
            for seal in [SEAL_A, SEAL_B] {
                let exp = expected(ep);
                for (i, who) in WHO.iter().enumerate() {
                    // On seal B the two clerks swap roles.
                    let j = match (seal == SEAL_B, i) {
                        (true, 1) => 2,
                        (true, 2) => 1,
                        _ => i,
                    };
                    let (got, _) = cell(&app, &t, ep, *who, seal).await;
                    cells += 1;
                    if got.as_u16() != exp[j] {
                        failures.push(format!(
                            "{ep:?} on {seal} as {who:?}: expected {}, got {got}",
                            exp[j]
                        ));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {cells} cells wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(cells, ALL.len() * 2 * 4);

        // Queues: each clerk sees only their seal; the admin sees both.
        let seals_in = |v: &Value| -> std::collections::BTreeSet<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|a| a["seal_id"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, qa) = app
            .call("GET", "/api/v1/applications", Some(&t.a), None)
            .await;
        let (_, qb) = app
            .call("GET", "/api/v1/applications", Some(&t.b), None)
            .await;
        let (_, qx) = app
            .call("GET", "/api/v1/applications", Some(&t.admin), None)
            .await;
        assert_eq!(seals_in(&qa), [SEAL_A.to_string()].into());
        assert_eq!(seals_in(&qb), [SEAL_B.to_string()].into());
        assert_eq!(
            seals_in(&qx),
            [SEAL_A.to_string(), SEAL_B.to_string()].into()
        );

        // Every refused action on another seal was audited, naming the seal.
        let rows = eseal::store::audit::page(&app.store.pool, 0, 100_000)
            .await
            .unwrap();
        for (actor, seal) in [
            ("user:clerk-b", SEAL_A),
            ("user:clerk-a", SEAL_B),
            ("user:admin", SEAL_A),
            ("user:admin", SEAL_B),
        ] {
            for action in [
                "denied.accept",
                "denied.approve",
                "denied.reject",
                "denied.void",
            ] {
                assert!(
                    rows.iter().any(|r| r.actor == actor
                        && r.action == action
                        && r.seal_id.as_deref() == Some(seal)),
                    "{actor} {action} on {seal} not audited"
                );
            }
        }
        assert_eq!(
            eseal::audit::verify(&app.store).await.unwrap().problem,
            None
        );
        app.stop().await;
    }
}
