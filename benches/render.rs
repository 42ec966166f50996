//! Render throughput per document kind (one core) and document size.
//! Run: `cargo bench --bench render`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eseal::document::{self, DocumentMeta, SealPlacement, SealView, Templates};
use eseal::domain::SealLevel;

fn render(c: &mut Criterion) {
    let all = Templates::load_dir(&Templates::builtin_dir()).expect("templates");
    let font = eseal::font::shared().expect("font");
    let seal = SealView {
        seal_id: "320707100002-01".into(),
        holder: "连云港市赣榆区青口镇繁荣社区居民委员会".into(),
        level: SealLevel::Village,
        inscription: None,
    };
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(1));
    for kind in ["business_premises", "exit_entry"] {
        let t = all.get(kind).expect("kind");
        let filled = document::validate(t, &document::sample(t)).expect("sample valid");
        let mut n = 0u64;
        let mut size = 0;
        g.bench_function(kind, |b| {
            b.iter(|| {
                n += 1;
                let meta = DocumentMeta {
                    number: format!("赣榆青口繁荣〔2026〕第{n:06}号"),
                    verification_code: "7KQ3M9XA".into(),
                    qr_url: format!("https://eseal.test/v/AAAAAAAAAAAAAAAAAAA{n:03}?c=7KQ3M9XA"),
                    verify_url: "https://eseal.test/verify".into(),
                    specimen: false,
                    placement: SealPlacement::InPage,
                };
                let r = document::render_pdf(
                    &font,
                    t,
                    &filled,
                    &seal,
                    time::OffsetDateTime::now_utc(),
                    &meta,
                )
                .expect("render");
                size = r.pdf.len();
                r
            })
        });
        eprintln!("{kind}: {size} bytes per document");
    }
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
