//! The audit log: concurrent appends from several processes and pools
//! never fork it; `eseal audit verify` finds edits, deletions and reorders.

use eseal::audit::{self, ChainProblem, Event};
use eseal::store::Store;
use eseal::store::audit::AuditRow;

use crate::common::{backends, eseal, run};
use crate::helpers::{IssuerMode, spawn_app};

async fn rows(store: &Store) -> Vec<AuditRow> {
    eseal::store::audit::page(&store.pool, 0, 100_000)
        .await
        .unwrap()
}

async fn put(store: &Store, r: &AuditRow) {
    sqlx::query("UPDATE audit_log SET at = $1, actor = $2, action = $3, detail = $4, prev_hash = $5, hash = $6, \
                 seal_id = $7, document_id = $8, application_id = $9 WHERE seq = $10")
        .bind(r.at)
        .bind(r.actor.clone())
        .bind(r.action.clone())
        .bind(r.detail.clone())
        .bind(r.prev_hash.clone())
        .bind(r.hash.clone())
        .bind(r.seal_id.clone())
        .bind(r.document_id.clone())
        .bind(r.application_id.clone())
        .bind(r.seq)
        .execute(&store.pool)
        .await
        .unwrap();
}

async fn insert(store: &Store, r: &AuditRow) {
    sqlx::query("INSERT INTO audit_log (seq, at, actor, action, seal_id, document_id, application_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(r.seq).bind(r.at).bind(r.actor.clone()).bind(r.action.clone()).bind(r.seal_id.clone())
        .bind(r.document_id.clone()).bind(r.application_id.clone()).bind(r.detail.clone()).bind(r.prev_hash.clone()).bind(r.hash.clone())
        .execute(&store.pool).await.unwrap();
}

fn cli_verify(env: &crate::common::TestEnv) -> (bool, String) {
    let (ok, out, err) = run(eseal(env).args(["audit", "verify"]));
    (ok, format!("{out}{err}"))
}

#[tokio::test]
async fn concurrent_appends_from_processes_and_pools_keep_one_chain() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let before = rows(&app.store).await.len();
        // Four more connection pools append 25 entries each, all at once...
        let url = app.env.settings.database_url();
        let mut tasks = Vec::new();
        for p in 0..4 {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let store = Store::connect(&url).await.unwrap();
                let actor = format!("pool-{p}");
                for i in 0..25 {
                    let detail = format!("n={i}");
                    audit::append_alone(
                        &store,
                        &Event {
                            actor: &actor,
                            action: "test.append",
                            detail: &detail,
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                }
                store.close().await;
            }));
        }
        // ...while four separate processes add accounts (each audited).
        let mut children = Vec::new();
        for i in 0..4 {
            let mut c = eseal(&app.env);
            c.args([
                "users",
                "add",
                "--username",
                &format!("proc-{i}"),
                "--role",
                "admin",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
            children.push(c.spawn().unwrap());
        }
        for t in tasks {
            t.await.unwrap();
        }
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let all = rows(&app.store).await;
        assert_eq!(all.len(), before + 100 + 4);
        let seqs: Vec<i64> = all.iter().map(|r| r.seq).collect();
        assert_eq!(
            seqs,
            (1..=all.len() as i64).collect::<Vec<_>>(),
            "no gaps, no duplicates"
        );
        let report = audit::verify(&app.store).await.unwrap();
        assert_eq!(report.problem, None);
        assert_eq!(report.entries, all.len() as i64);
        let (ok, out) = cli_verify(&app.env);
        assert!(ok, "{out}");
        assert!(out.contains("intact"), "{out}");
        app.stop().await;
    }
}

#[tokio::test]
async fn audit_verify_names_the_first_edited_deleted_or_reordered_entry() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        for i in 0..6 {
            let d = format!("n={i}");
            audit::append_alone(
                &app.store,
                &Event {
                    actor: "t",
                    action: "test.append",
                    detail: &d,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        let orig = rows(&app.store).await;
        let n = orig.len();
        assert!(n >= 10);
        let store = &app.store;

        // Edited: one field changed.
        let mut e = orig[2].clone();
        e.detail = "role=admin seals=".into();
        put(store, &e).await;
        assert_eq!(
            audit::verify(store).await.unwrap().problem,
            Some(ChainProblem::Edited { seq: 3 })
        );
        let (ok, out) = cli_verify(&app.env);
        assert!(!ok);
        assert!(out.contains("entry 3 was edited"), "{out}");
        put(store, &orig[2]).await;
        assert_eq!(audit::verify(store).await.unwrap().problem, None);

        // Deleted: a middle entry removed.
        sqlx::query("DELETE FROM audit_log WHERE seq = 5")
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(
            audit::verify(store).await.unwrap().problem,
            Some(ChainProblem::Deleted {
                seq: 6,
                expected: 5
            })
        );
        insert(store, &orig[4]).await;
        assert_eq!(audit::verify(store).await.unwrap().problem, None);

        // Reordered: entries 6 and 7 swapped, each re-hashed under its new
        // seq so that it looks self-consistent; the links give it away.
        let (mut x, mut y) = (orig[6].clone(), orig[5].clone());
        x.seq = 6;
        y.seq = 7;
        x.hash = audit::entry_hash(&x);
        y.hash = audit::entry_hash(&y);
        put(store, &x).await;
        put(store, &y).await;
        assert_eq!(
            audit::verify(store).await.unwrap().problem,
            Some(ChainProblem::Reordered { seq: 6 })
        );
        put(store, &orig[5]).await;
        put(store, &orig[6]).await;
        assert_eq!(audit::verify(store).await.unwrap().problem, None);

        // Deleted from the end: the head row no longer matches.
        sqlx::query("DELETE FROM audit_log WHERE seq = $1")
            .bind(n as i64)
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(
            audit::verify(store).await.unwrap().problem,
            Some(ChainProblem::HeadMismatch {
                head_seq: n as i64,
                last_seq: n as i64 - 1
            })
        );
        let (ok, _) = cli_verify(&app.env);
        assert!(!ok);
        app.stop().await;
    }
}

#[tokio::test]
async fn timestamps_of_the_head_date_the_log_and_catch_a_rewritten_chain() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let root = eseal::configuration::installation::Installation::open(&app.env.settings)
            .await
            .unwrap()
            .pki
            .root
            .cert_der;
        let tsa = app.issuer.tsa.clone();
        app.submit(crate::helpers::SEAL_A).await;
        let seq = audit::anchor_head(&app.store, tsa.clone()).await.unwrap();
        assert!(seq.is_some());
        assert_eq!(
            audit::anchor_head(&app.store, tsa.clone()).await.unwrap(),
            None,
            "already anchored"
        );
        app.submit(crate::helpers::SEAL_A).await;
        let seq2 = audit::anchor_head(&app.store, tsa.clone())
            .await
            .unwrap()
            .unwrap();
        let r = audit::verify_anchors(&app.store, std::slice::from_ref(&root))
            .await
            .unwrap();
        assert_eq!(r.anchors, 2);
        assert_eq!(r.problem, None);
        assert_eq!(r.latest.map(|(s, _)| s), Some(seq2));
        let (ok, out) = cli_verify(&app.env);
        assert!(
            ok && out.contains("audit timestamps intact: 2 anchors"),
            "{out}"
        );
        // Tokens count only from a TSA under the trusted root.
        let r = audit::verify_anchors(&app.store, &[]).await.unwrap();
        assert!(r.problem.unwrap().contains("does not verify"));

        // Someone rewrites the whole chain consistently (every hash
        // recomputed): the chain alone looks intact, the timestamps do not.
        let mut all = rows(&app.store).await;
        let mut prev = audit::GENESIS.to_string();
        for r in all.iter_mut() {
            if r.seq == 1 {
                r.detail = "kind=exit_entry".into();
            }
            r.prev_hash = prev.clone();
            r.hash = audit::entry_hash(r);
            prev = r.hash.clone();
            put(&app.store, r).await;
        }
        // ...and the tree built over them, which the next integration
        // rebuilds from the rewritten entries.
        let _ = prev;
        for sql in [
            "DELETE FROM audit_leaves",
            "DELETE FROM audit_tree_hashes",
            "UPDATE audit_tree SET size = 0, root = '', last_seq = 0",
        ] {
            sqlx::query(sql).execute(&app.store.pool).await.unwrap();
        }
        assert_eq!(
            audit::verify(&app.store).await.unwrap().problem,
            None,
            "the rewrite is self-consistent"
        );
        let r = audit::verify_anchors(&app.store, std::slice::from_ref(&root))
            .await
            .unwrap();
        assert!(r.problem.unwrap().contains("no longer has the hash"));
        let (ok, out) = cli_verify(&app.env);
        assert!(!ok && out.contains("audit timestamps BROKEN"), "{out}");
        app.stop().await;
    }
}

fn event<'a>(detail: &'a str) -> Event<'a> {
    Event {
        actor: "t",
        action: "test.append",
        detail,
        ..Default::default()
    }
}

#[tokio::test]
async fn appends_do_not_wait_for_each_other_and_a_rolled_back_number_loses_nothing() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;
        let store = &app.store;
        if store.backend == eseal::store::Backend::Postgres {
            // A transaction that appended and has not committed holds no
            // lock another appender needs.
            let mut open = store.begin_write().await.unwrap();
            audit::append(&mut open, &event("open"), eseal::store::now_unix())
                .await
                .unwrap();
            let other = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                audit::append_alone(store, &event("alone")),
            )
            .await
            .expect("an append waited for another transaction")
            .unwrap();
            assert!(other > 0);
            open.commit().await.unwrap();
        }

        // A number taken by a transaction that rolled back (a gap on
        // PostgreSQL) holds integration up only for the grace period.
        let old = eseal::store::now_unix() - 2 * eseal::audit::integrate::GAP_GRACE_SECS;
        let mut rolled_back = store.begin_write().await.unwrap();
        let lost = audit::append(&mut rolled_back, &event("rolled back"), old)
            .await
            .unwrap();
        drop(rolled_back);
        let mut tx = store.begin_write().await.unwrap();
        let kept = audit::append(&mut tx, &event("kept"), old).await.unwrap();
        tx.commit().await.unwrap();
        let r = audit::verify(store).await.unwrap();
        assert_eq!(r.problem, None);
        assert_eq!(r.pending, 0, "the entry after the gap is in the tree");
        assert!(
            eseal::store::audit::leaf_of(&store.pool, kept)
                .await
                .unwrap()
                .is_some()
        );

        // An entry that still arrives under a passed-over number (a very
        // slow transaction) is integrated then, out of order.
        if lost != kept {
            let mut late = store.begin_write().await.unwrap();
            let mut row = eseal::store::audit::AuditRow {
                seq: lost,
                at: old,
                actor: "t".into(),
                action: "test.late".into(),
                seal_id: None,
                document_id: None,
                application_id: None,
                detail: String::new(),
                prev_hash: String::new(),
                hash: String::new(),
            };
            row.hash = audit::entry_hash(&row);
            eseal::store::audit::insert(&mut late, &row).await.unwrap();
            late.commit().await.unwrap();
            let r = audit::verify(store).await.unwrap();
            assert_eq!(r.problem, None);
            let late_leaf = eseal::store::audit::leaf_of(&store.pool, lost)
                .await
                .unwrap()
                .unwrap();
            let kept_leaf = eseal::store::audit::leaf_of(&store.pool, kept)
                .await
                .unwrap()
                .unwrap();
            assert!(late_leaf > kept_leaf);
        }

        // Committed entries nobody integrated (the process died first) are
        // taken by the next integrator, from any process.
        let before = audit::integrate(store).await.unwrap().size;
        for i in 0..3 {
            let d = format!("n={i}");
            audit::append_alone(store, &event(&d)).await.unwrap();
        }
        let (ok, out) = cli_verify(&app.env);
        assert!(ok, "{out}");
        assert_eq!(audit::integrate(store).await.unwrap().size, before + 3);
        app.stop().await;
    }
}
