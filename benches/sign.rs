//! Sign-only throughput for a ~50 KB PDF at B-B and B-LT (in-process TSA).
//! Run: cargo bench --bench sign
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

#[path = "../tests/pades_common/mod.rs"]
mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eseal::pades::{self, PadesLevel};

fn bench(c: &mut Criterion) {
    let pki = common::Pki::new();
    let pdf = common::minimal_pdf(1, 50_000);
    let id = pki.identity();
    let mut g = c.benchmark_group("sign_50kb");
    g.throughput(Throughput::Elements(1));
    for level in [PadesLevel::BB, PadesLevel::BLT] {
        let opts = pki.options(level, None);
        g.bench_function(level.as_str(), |b| {
            b.iter(|| pades::sign(&pdf, &id, &opts).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
