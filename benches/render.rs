//! Render throughput per document kind (one core) and document size.
//! Run: `cargo bench --bench render`.
//!
//! `render/KIND` renders the kind's example form under a new document number
//! each time: the seal's drawing and the embedded font (same characters)
//! come from the render caches. `render/KIND/new_applicant` also changes the
//! applicant's name each time to one whose characters the other documents
//! lack, cycling through more names than the font cache holds: every
//! document then needs a new font subset, as a day of real applications does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eseal::document::{self, DocumentMeta, SealPlacement, SealView, Templates};
use eseal::domain::SealLevel;

fn render(c: &mut Criterion) {
    let all = Templates::builtin().expect("templates");
    let font = eseal::font::shared().expect("font");
    let seal = SealView {
        seal_id: "320707100002-01".into(),
        holder: "连云港市赣榆区青口镇繁荣社区居民委员会".into(),
        level: SealLevel::Village,
        inscription: None,
    };
    // Given names of two characters found nowhere else in either document.
    let pool: Vec<char> = "伟芳娜敏静丽强磊洋艳勇杰娟涛超霞桂鹏辉玲".chars().collect();
    let mut names = Vec::new();
    for (i, a) in pool.iter().enumerate() {
        for b in &pool[i + 1..] {
            names.push(format!("张{a}{b}"));
        }
    }
    names.truncate(150);
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(1));
    for (kind, new_applicant) in [
        ("business_premises", false),
        ("exit_entry", false),
        ("business_premises", true),
        ("exit_entry", true),
    ] {
        let t = all.get(kind).expect("kind");
        let forms: Vec<document::Filled> = if new_applicant {
            names
                .iter()
                .map(|name| {
                    let mut v = document::sample(t);
                    v["applicant_name"] = name.as_str().into();
                    document::validate(t, &v).expect("valid")
                })
                .collect()
        } else {
            vec![document::validate(t, &document::sample(t)).expect("sample valid")]
        };
        let id = if new_applicant {
            format!("{kind}/new_applicant")
        } else {
            kind.to_string()
        };
        let mut n = 0u64;
        let mut size = 0;
        g.bench_function(&id, |b| {
            b.iter(|| {
                n += 1;
                let filled = &forms[n as usize % forms.len()];
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
                    filled,
                    &seal,
                    time::OffsetDateTime::now_utc(),
                    &meta,
                )
                .expect("render");
                size = r.pdf.len();
                r
            })
        });
        eprintln!("{id}: {size} bytes per document");
    }
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
