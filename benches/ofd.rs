//! Issuing both forms (PDF and its OFD twin) against the PDF alone, and
//! verifying an OFD, in documents per second on one core, all in the same
//! run on the same document and seal of a fresh installation (one seal
//! provisioned with its SM2 identity).
//!
//! Run: `cargo bench --bench ofd -- [--secs N]`
//!
//! - issue PDF: render + PAdES B-LT (timestamp, DSS) with the seal's
//!   ECDSA key: what `eseal issue` does without `--ofd-out`;
//! - issue both: one layout written as PDF and OFD, the PDF signed as
//!   above and the OFD sealed with the seal's SM2 key, its `SES_Seal` and
//!   a token of the SM2 TSA;
//! - verify OFD: the full verifier on the sealed OFD.
//!
//! The database insert is excluded from both issue figures (as in the
//! throughput bench). Target: both forms at least 0.5 of the PDF-only rate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benches fail loudly

use std::time::{Duration, Instant};

use eseal::configuration::Settings;
use eseal::configuration::installation::Installation;
use eseal::document::{self, DocumentMeta, SealPlacement, SealView, Templates};
use eseal::domain::SealLevel;
use eseal::pades::{self, LtvMaterial, PadesLevel, SignOptions, SigningIdentity, VisibleSeal};
use eseal::seal::{Roster, SealAppearance, registry};
use eseal::verify::{TrustStore, Verdict, VerifyOptions};

const SEAL: &str = "320707100002-01";

/// Documents per second of `f`, run for `secs` on this thread.
fn rate(secs: f64, f: &mut dyn FnMut(u64)) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        f(n);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn meta_for(n: u64) -> DocumentMeta {
    DocumentMeta {
        number: format!("赣榆青口繁荣〔2026〕第{:06}号", n % 1_000_000),
        verification_code: "7KQ3M9XA".into(),
        qr_url: format!("https://eseal.example/v/AAAAAAAAAAAAAAAA{n:06}?c=7KQ3M9XA"),
        verify_url: "https://eseal.example/verify".into(),
        specimen: false,
        placement: SealPlacement::Reserved,
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let default_secs = if args.iter().any(|a| a == "--bench") {
        3.0
    } else {
        0.2
    };
    let secs: f64 = args
        .iter()
        .position(|a| a == "--secs")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_secs);

    let tmp = tempfile::tempdir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let settings = Settings::for_data_dir(tmp.path().join("data"));
    rt.block_on(Installation::init(&settings))?;
    let inst = rt.block_on(Installation::open(&settings))?;
    let full = std::str::from_utf8(include_bytes!("../keys-example/roster.csv"))?;
    let mut lines = full.lines();
    let mut rows: Vec<&str> = lines.next().into_iter().collect();
    rows.extend(lines.filter(|l| l.starts_with(SEAL)));
    let roster = Roster::parse((rows.join("\n") + "\n").as_bytes())?;
    let national = inst.national()?;
    rt.block_on(registry::provision(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        national.as_ref(),
        &roster,
        "bench",
        &|| {},
    ))?;
    let m = rt.block_on(registry::signing_material(&inst.store, SEAL))?;
    let sm2 = rt.block_on(registry::sm2_signing_material(&inst.store, SEAL))?;
    let crls = rt.block_on(eseal::seal::crl_publication::publish_due(
        &inst.store,
        inst.signer.as_ref(),
        eseal::seal::crl_publication::Authorities::of(&inst),
        "bench",
    ))?;
    let tsa = inst.timestamp_authority()?;
    let sm2_tsa = inst.sm2_timestamp_authority()?;

    let templates = Templates::builtin()?;
    let template = templates
        .get("business_premises")
        .ok_or_else(|| anyhow::anyhow!("template"))?;
    let filled = document::validate(template, &document::sample(template))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let font = eseal::font::shared()?;
    let view = SealView {
        seal_id: SEAL.into(),
        holder: m.seal.holder.clone(),
        level: SealLevel::Village,
        inscription: None,
    };
    let now = time::OffsetDateTime::now_utc();
    let probe = document::render_pdf(&font, template, &filled, &view, now, &meta_for(0))?;
    let size = probe.seal_rect[2] - probe.seal_rect[0];
    let appearance = SealAppearance::new(&font, &m.seal.holder, None)?.pdf_content(size);
    let identity = SigningIdentity {
        signer: inst.signer.as_ref(),
        key: &m.key,
        cert_der: m.cert_der.clone(),
        chain_der: vec![inst.pki.seal_ca.cert_der.clone()],
    };
    let sign_pdf = |r: &document::Rendered| -> Vec<u8> {
        let opts = SignOptions {
            level: PadesLevel::BLT,
            reason: "村级证明电子签章".into(),
            location: "江苏省连云港市赣榆区青口镇".into(),
            name: m.seal.holder.clone(),
            visible: Some(VisibleSeal {
                page_index: r.seal_page,
                rect: r.seal_rect,
                appearance: appearance.clone(),
            }),
            signing_time: time::OffsetDateTime::now_utc(),
            tsa: &tsa,
            validation: LtvMaterial {
                certs: vec![inst.pki.root.cert_der.clone()],
                crls: vec![crls.seal_ca.clone(), crls.root.clone()],
            },
        };
        pades::sign(&r.pdf, &identity, &opts).unwrap().bytes
    };
    let who = eseal::ses::SealSigner {
        signer: inst.signer.as_ref(),
        key: &sm2.key,
        cert_der: &sm2.cert_der,
        seal_der: &sm2.esl_der,
    };
    let timestamp = sm2_tsa.sm3_timestamper();
    let issue_both = |n: u64| -> (Vec<u8>, Vec<u8>) {
        let (pdf, ofd) = document::render_pdf_and_ofd(
            &font,
            template,
            &filled,
            &view,
            time::OffsetDateTime::now_utc(),
            &meta_for(n),
        )
        .unwrap();
        let opts = eseal::ofd::sign::SealOptions {
            time: time::OffsetDateTime::now_utc(),
            stamp: ofd.stamp,
            timestamp: &timestamp,
        };
        let sealed = eseal::ofd::sign::seal(ofd.package, &who, &opts).unwrap();
        (sign_pdf(&pdf), sealed.bytes)
    };

    // The sealed OFD verifies (the figures are of a real document).
    let sm2_pki = inst.sm2()?;
    let mut trust = TrustStore::new();
    trust.add_anchor(&sm2_pki.root.cert_der)?;
    for c in sm2_pki.chain_ders() {
        trust.add_intermediate(&c)?;
    }
    if let Some(c) = &crls.sm2_seal_ca {
        trust.add_crl(c)?;
    }
    let (_, ofd) = issue_both(1);
    let report = eseal::verify::verify(&ofd, &trust, &VerifyOptions::default());
    anyhow::ensure!(
        report.verdict == Verdict::Valid,
        "the benchmark OFD must verify: {}",
        report.to_text()
    );

    // The two issue figures in alternating slices of a tenth of a second,
    // so a burst of other work on the machine falls on both alike; the
    // ratio is the median of the slices' ratios.
    let mut issue_pdf = |n: u64| {
        let r = document::render_pdf(
            &font,
            template,
            &filled,
            &view,
            time::OffsetDateTime::now_utc(),
            &meta_for(n),
        )
        .unwrap();
        std::hint::black_box(sign_pdf(&r));
    };
    let mut issue_twins = |n: u64| {
        std::hint::black_box(issue_both(n));
    };
    let slices = ((secs / 0.1).round() as usize).max(1);
    let (mut pdf_rates, mut both_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..slices {
        let p = rate(0.1, &mut issue_pdf);
        let b = rate(0.1, &mut issue_twins);
        pdf_rates.push(p);
        both_rates.push(b);
        ratios.push(b / p);
    }
    let (pdf_only, both, ratio) = (
        median(&mut pdf_rates),
        median(&mut both_rates),
        median(&mut ratios),
    );
    let verify = rate(secs, &mut |_| {
        std::hint::black_box(eseal::verify::verify(
            &ofd,
            &trust,
            &VerifyOptions::default(),
        ));
    });
    println!(
        "ofd bench, one core, {secs} s per issue figure (medians), {secs} s verifying ({} byte OFD)",
        ofd.len()
    );
    println!("issue PDF only (B-LT)        {pdf_only:>8.0} documents/s");
    println!("issue PDF + OFD              {both:>8.0} documents/s");
    println!(
        "ratio both / PDF only        {ratio:>8.2} (median of {slices} alternating slices; target >= 0.5)"
    );
    println!("verify OFD                   {verify:>8.0} documents/s");
    rt.block_on(inst.store.close());
    Ok(())
}
