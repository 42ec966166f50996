//! Verifications per second of a signed document. The document is built by
//! tests/support/make_corpus.py (pyHanko): set ESEAL_VERIFY_CORPUS to a corpus
//! directory, or the benchmark builds one (needs the .venv of scripts/test.sh).
//! `cargo bench --bench verify`
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eseal::verify::{TrustStore, Verdict, VerifyOptions, verify};

fn corpus() -> PathBuf {
    if let Ok(d) = std::env::var("ESEAL_VERIFY_CORPUS") {
        return d.into();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("eseal-verify-bench-{}", std::process::id()));
    let ok = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/support/make_corpus.py"))
        .arg(&dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "could not build the corpus (run scripts/test.sh once, or set ESEAL_VERIFY_CORPUS)"
    );
    dir
}

fn bench(c: &mut Criterion) {
    let dir = corpus();
    let mut trust = TrustStore::new();
    trust
        .add_anchor(&std::fs::read(dir.join("root.pem")).unwrap())
        .unwrap();
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));
    for file in ["genuine_bt.pdf", "genuine_blt.pdf", "genuine_blta.pdf"] {
        let pdf = std::fs::read(dir.join(file)).unwrap();
        assert_eq!(
            verify(&pdf, &trust, &VerifyOptions::default()).verdict,
            Verdict::Valid
        );
        g.bench_function(format!("{file} ({} KB)", pdf.len() / 1024), |b| {
            b.iter(|| verify(black_box(&pdf), &trust, &VerifyOptions::default()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
