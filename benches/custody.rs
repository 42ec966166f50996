//! Issuing B-LT documents with the seal keys on a PKCS#11 token (SoftHSM2)
//! against the file keystore, in one run, as a ratio.
//!
//! Run: `cargo bench --bench custody -- [--secs N]`
//!
//! Two installations made the same way but for `keystore` (file, pkcs11),
//! each with two seals; `issuance::issue` (render, seal signature,
//! timestamp by the built-in TSA, DSS, the database transaction: the whole
//! of `eseal issue` after start-up) runs on two concurrent tasks, one per
//! seal, for N seconds each. With the token, the seal's ECDSA signature
//! and the TSA's are made by SoftHSM2 over PKCS#11; the rest is the same.
//! SoftHSM2 takes its configuration from SOFTHSM2_CONF when it starts, so
//! the bench makes a token of its own and runs itself again with it set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eseal::configuration::installation::Installation;
use eseal::configuration::{KeystoreKind, Settings};
use eseal::document::{self, Templates};
use eseal::issuance::{CrlCache, IssueContext, IssueRequest, SealTurns, issue, tsa_client};
use eseal::pades::PadesLevel;
use eseal::seal::{Roster, registry};

const SEALS: [&str; 2] = ["320707100002-01", "320707100000-01"];
const PIN: &str = "1379-bench";

fn softhsm_module() -> PathBuf {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("SoftHSM2 (Debian package softhsm2)")
}

/// A token in `dir`; returns the SOFTHSM2_CONF file.
fn make_token(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let ok = std::process::Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "bench"])
        .args(["--pin", PIN, "--so-pin", "2468-so"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("softhsm2-util")
        .success();
    assert!(ok, "softhsm2-util --init-token");
    std::fs::write(dir.join("pin"), PIN).unwrap();
    conf
}

fn roster() -> Roster {
    let full = include_str!("../keys-example/roster.csv");
    let mut lines = full.lines();
    let mut rows: Vec<&str> = lines.next().into_iter().collect();
    rows.extend(lines.filter(|l| SEALS.iter().any(|s| l.starts_with(s))));
    Roster::parse((rows.join("\n") + "\n").as_bytes()).unwrap()
}

/// Documents per second issued by an installation keeping its keys in `kind`.
async fn rate(dir: &Path, kind: KeystoreKind, secs: f64) -> (f64, u64) {
    let mut settings = Settings::for_data_dir(dir.join(kind.as_str()));
    settings.keystore = Some(kind);
    if kind == KeystoreKind::Pkcs11 {
        settings.pkcs11_module = Some(softhsm_module());
        settings.pkcs11_token = Some("bench".into());
        settings.pkcs11_pin_file = Some(dir.join("pin"));
    }
    Installation::init(&settings).await.unwrap();
    let inst = Installation::open(&settings).await.unwrap();
    registry::provision(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        None,
        &roster(),
        "bench",
        &|| {},
    )
    .await
    .unwrap();
    let templates = Templates::builtin().unwrap();
    let template = templates.get("business_premises").unwrap();
    let fields = document::sample(template);
    let crls = CrlCache::default();
    let turns = SealTurns::default();
    let ctx = IssueContext {
        inst: &inst,
        templates: &templates,
        font: eseal::font::shared().unwrap(),
        tsa: tsa_client(&inst).unwrap(),
        public_url: inst.public_url.clone(),
        specimen: false,
        crls: Some(&crls),
        turns: Some(&turns),
        ofd_tsa: None,
    };
    let request = |seal: &str| IssueRequest {
        seal_id: seal.into(),
        kind: "business_premises".into(),
        fields: fields.clone(),
        level: PadesLevel::BLT,
        issued_by: "bench".into(),
        application_id: None,
        document_id: None,
    };
    // Warm up: the CRLs, the font subset cache, the token's handles.
    for s in SEALS {
        issue(&ctx, &request(s)).await.unwrap();
    }
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(secs);
    let worker = |seal: &'static str| {
        let (ctx, request) = (&ctx, &request);
        async move {
            let mut n = 0u64;
            while Instant::now() < until {
                issue(ctx, &request(seal)).await.unwrap();
                n += 1;
            }
            n
        }
    };
    let (a, b) = tokio::join!(worker(SEALS[0]), worker(SEALS[1]));
    let elapsed = start.elapsed().as_secs_f64();
    inst.store.close().await;
    ((a + b) as f64 / elapsed, a + b)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: f64 = args
        .iter()
        .position(|a| a == "--secs")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(if args.iter().any(|a| a == "--bench") {
            20.0
        } else {
            0.5
        });
    let dir = match std::env::var_os("ESEAL_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            // First run: make the token and run again with it configured.
            let tmp = tempfile::tempdir().unwrap();
            let conf = make_token(tmp.path());
            let status = std::process::Command::new(std::env::current_exe().unwrap())
                .args(&args[1..])
                .env("SOFTHSM2_CONF", conf)
                .env("ESEAL_BENCH_DIR", tmp.path())
                .status()
                .unwrap();
            std::process::exit(status.code().unwrap_or(1));
        }
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (file, n_file) = rt.block_on(rate(&dir, KeystoreKind::File, secs));
    let (token, n_token) = rt.block_on(rate(&dir, KeystoreKind::Pkcs11, secs));
    println!("issue B-LT, file keystore:      {file:8.1}/s ({n_file} documents in {secs} s)");
    println!("issue B-LT, SoftHSM2 (PKCS#11): {token:8.1}/s ({n_token} documents in {secs} s)");
    println!("ratio SoftHSM2 / file:          {:8.2}", token / file);
}
