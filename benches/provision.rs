//! Provisioning all 563 seals of the roster into a fresh installation:
//! key generation, cert issuance, one database transaction. Measured with
//! both key types (ECDSA P-256 cert, and SM2 key, SM2 cert and GB/T 38540
//! seal with its 300 dpi picture) and, as the reference in the same run,
//! with the ECDSA identity only.
//!
//! Each run starts from cold (the seal pictures' caches emptied), as a new
//! `eseal seals provision` process does.
//!
//! Run: `cargo bench --bench provision` (SQLite; PostgreSQL too when
//! `ESEAL_TEST_PG_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use eseal::configuration::Settings;
use eseal::configuration::installation::Installation;
use eseal::seal::{Roster, registry};

const ROSTER: &[u8] = include_bytes!("../keys-example/roster.csv");

async fn one_run(settings: Settings, with_sm2: bool) -> Duration {
    Installation::init(&settings).await.expect("init");
    let inst = Installation::open(&settings).await.expect("open");
    let roster = Roster::parse(ROSTER).expect("roster");
    let national = inst.national().expect("font").filter(|_| with_sm2);
    // From cold, as `eseal seals provision` runs: no seal drawn yet.
    eseal::seal::picture::forget_drawn();
    let start = Instant::now();
    let r = registry::provision(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        national.as_ref(),
        &roster,
        "bench",
        &|| {},
    )
    .await
    .expect("provision");
    let took = start.elapsed();
    assert_eq!(r.added.len(), 563);
    assert_eq!(r.sm2_added.len(), if with_sm2 { 563 } else { 0 });
    inst.store.close().await;
    took
}

async fn pg_settings(dir: &std::path::Path, base: &str, n: u64) -> Settings {
    use sqlx::Connection;
    let name = format!("eseal_bench_{}_{n}", std::process::id());
    let mut c = sqlx::PgConnection::connect(base).await.expect("pg");
    sqlx::Executor::execute(
        &mut c,
        sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")),
    )
    .await
    .expect("drop");
    sqlx::Executor::execute(
        &mut c,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .expect("create");
    let mut s = Settings::for_data_dir(dir);
    s.database_url = Some(format!("{}/{name}", &base[..base.rfind('/').expect("url")]));
    s
}

fn provision_563(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut g = c.benchmark_group("provision_563_seals");
    g.sample_size(10);
    for (name, with_sm2) in [("sqlite_ecdsa_and_sm2", true), ("sqlite_ecdsa_only", false)] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().expect("tmp");
                    total += one_run(Settings::for_data_dir(dir.path().join("d")), with_sm2).await;
                }
                total
            })
        });
    }
    if let Ok(base) = std::env::var("ESEAL_TEST_PG_URL") {
        g.bench_function("postgres_ecdsa_and_sm2", |b| {
            let base = base.clone();
            b.to_async(&rt).iter_custom(move |iters| {
                let base = base.clone();
                async move {
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        let dir = tempfile::tempdir().expect("tmp");
                        total += one_run(pg_settings(dir.path(), &base, i).await, true).await;
                    }
                    total
                }
            })
        });
    }
    g.finish();
}

/// One seal's picture for its `SES_Seal` (42 mm at 300 dpi, PNG), the
/// largest part of an SM2 identity's making.
fn seal_picture(c: &mut Criterion) {
    let font = eseal::font::shared().expect("font");
    let mut g = c.benchmark_group("seal_picture");
    g.bench_function("layout_and_png_42mm_300dpi", |b| {
        b.iter(|| {
            eseal::seal::SealAppearance::new(&font, "连云港市赣榆区青口镇繁荣社区居民委员会", None)
                .expect("layout")
                .to_png(42.0, 300.0)
                .expect("png")
        })
    });
    g.finish();
}

criterion_group!(benches, provision_563, seal_picture);
criterion_main!(benches);
