//! Throughput of signing, issuing and verifying, per core and on all cores,
//! with the files pyHanko needs to be measured on the same document and key
//! (`scripts/bench-vs-pyhanko.sh` runs both and prints the ratios).
//!
//! Run: `cargo bench --bench throughput -- [--out DIR] [--secs N]`
//!
//! - sign-only: `pades::sign` of a rendered document (B-B, B-LT);
//! - issue: render + sign + timestamp + DSS (B-B, B-LT), the database
//!   insert excluded;
//! - verify: the full verifier on a B-LT document.
//!
//! The seal key is generated here, imported into the signing core, and
//! certified by a fresh installation's seal CA; its PKCS#8 is written to the
//! output dir only so pyHanko can sign with the same key (a throw-away key
//! of a throw-away installation).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use eseal::configuration::Settings;
use eseal::configuration::installation::Installation;
use eseal::crypto::{FileKeystore, GeneratedKey, MasterKey};
use eseal::document::{self, DocumentMeta, SealPlacement, SealView, Templates};
use eseal::domain::SealLevel;
use eseal::pades::{self, LtvMaterial, PadesLevel, SignOptions, SigningIdentity, VisibleSeal};
use eseal::pki::SealSubject;
use eseal::seal::SealAppearance;
use eseal::verify::{TrustStore, VerifyOptions};

const HOLDER: &str = "连云港市赣榆区青口镇繁荣社区居民委员会";

/// Run `f` on `threads` threads for `secs`; documents per second in total.
fn rate(secs: f64, threads: usize, f: &(dyn Fn(u64) + Sync)) -> f64 {
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (stop, done) = (&stop, &done);
            s.spawn(move || {
                let mut i = (t as u64) << 32;
                while !stop.load(Ordering::Relaxed) {
                    f(i);
                    i += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Document `n`'s number, code and QR link (the seal's place reserved).
fn meta_for(n: u64) -> DocumentMeta {
    DocumentMeta {
        number: format!("赣榆青口繁荣〔2026〕第{:06}号", n % 1_000_000),
        verification_code: "7KQ3M9XA".into(),
        qr_url: format!(
            "https://eseal.example/v/AAAAAAAAAAAAAAAA{:06}?c=7KQ3M9XA",
            n % 1_000_000
        ),
        verify_url: "https://eseal.example/verify".into(),
        specimen: false,
        placement: SealPlacement::Reserved,
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    // `cargo bench` passes --bench; under `cargo test` this is a smoke run.
    let default_secs = if args.iter().any(|a| a == "--bench") {
        3.0
    } else {
        0.2
    };
    let secs: f64 = arg("--secs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_secs);
    let tmp = tempfile::tempdir()?;
    let out = arg("--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("out"));
    std::fs::create_dir_all(&out)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let rt = tokio::runtime::Runtime::new()?;
    let settings = Settings::for_data_dir(tmp.path().join("data"));
    rt.block_on(Installation::init(&settings))?;
    let inst = rt.block_on(Installation::open(&settings))?;
    let ks = FileKeystore::new(&MasterKey::from_file(&settings.master_key_path())?)?;

    // The seal key: generated here, imported into the core, certified.
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &rng,
    )
    .map_err(|_| anyhow::anyhow!("keygen"))?;
    let GeneratedKey { key, public_key } = ks.import_pkcs8("bench:seal", pkcs8.as_ref())?;
    let issuer = inst.pki.seal_ca_issuer(&ks)?;
    let subject = SealSubject {
        seal_id: "320707100002-01",
        holder: HOLDER,
        town: "青口镇",
    };
    let cert = inst.pki.issue_seal_cert(
        &issuer,
        &subject,
        &public_key,
        time::OffsetDateTime::now_utc(),
    )?;
    let eseal::seal::crl_publication::Crls {
        seal_ca: crl,
        root: root_crl,
        ..
    } = rt.block_on(eseal::seal::crl_publication::publish_due(
        &inst.store,
        &ks,
        eseal::seal::crl_publication::Authorities::of(&inst),
        "bench",
    ))?;
    let tsa = inst.timestamp_authority()?;

    // The document: business premises, sample values, seal place reserved.
    let templates = Templates::builtin()?;
    let template = templates
        .get("business_premises")
        .ok_or_else(|| anyhow::anyhow!("template"))?;
    let filled = document::validate(template, &document::sample(template))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let font = eseal::font::shared()?;
    let seal = SealView {
        seal_id: subject.seal_id.into(),
        holder: HOLDER.into(),
        level: SealLevel::Village,
        inscription: None,
    };
    let render = |n: u64| {
        let meta = meta_for(n);
        document::render_pdf(
            &font,
            template,
            &filled,
            &seal,
            time::OffsetDateTime::now_utc(),
            &meta,
        )
    };
    // A new applicant each time: names whose characters change from one
    // document to the next, so the embedded font subset is rebuilt (the
    // render cache keys it by character set).
    const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾";
    const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅海燕";
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let render_new = |n: u64| -> anyhow::Result<document::Rendered> {
        let i = n as usize;
        let name: String = [
            surnames[i % surnames.len()],
            given[(i / surnames.len()) % given.len()],
            given[(i / 7 + 3) % given.len()],
        ]
        .iter()
        .collect();
        let mut values = document::sample(template);
        values["applicant_name"] = serde_json::Value::String(name);
        let filled = document::validate(template, &values).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let meta = meta_for(n);
        Ok(document::render_pdf(
            &font,
            template,
            &filled,
            &seal,
            time::OffsetDateTime::now_utc(),
            &meta,
        )?)
    };
    let rendered = render(1)?;
    let size = rendered.seal_rect[2] - rendered.seal_rect[0];
    let appearance = SealAppearance::new(&font, HOLDER, None)?.pdf_content(size);
    let identity = SigningIdentity {
        signer: &ks,
        key: &key,
        cert_der: cert.clone(),
        chain_der: vec![inst.pki.seal_ca.cert_der.clone()],
    };
    let opts = |level: PadesLevel, visible: Option<VisibleSeal>| SignOptions {
        level,
        reason: "村级证明电子签章".into(),
        location: "江苏省连云港市赣榆区青口镇".into(),
        name: HOLDER.into(),
        visible,
        signing_time: time::OffsetDateTime::now_utc(),
        tsa: &tsa,
        validation: LtvMaterial {
            certs: vec![inst.pki.root.cert_der.clone()],
            crls: vec![crl.clone(), root_crl.clone()],
        },
    };
    let visible = |r: &document::Rendered| {
        Some(VisibleSeal {
            page_index: r.seal_page,
            rect: r.seal_rect,
            appearance: appearance.clone(),
        })
    };
    let blt = pades::sign(
        &rendered.pdf,
        &identity,
        &opts(PadesLevel::BLT, visible(&rendered)),
    )?
    .bytes;
    let mut trust = TrustStore::new();
    trust.add_anchor(&inst.pki.root.cert_der)?;
    let verdict = eseal::verify::verify(&blt, &trust, &VerifyOptions::default()).verdict;
    anyhow::ensure!(
        verdict.as_str() == "VALID",
        "the benchmark document must verify: {}",
        verdict.as_str()
    );

    // Files for pyHanko: the same document, key, cert and chain.
    std::fs::write(out.join("unsigned.pdf"), &rendered.pdf)?;
    std::fs::write(out.join("eseal-b-lt.pdf"), &blt)?;
    std::fs::write(out.join("seal-key.pem"), pem("PRIVATE KEY", pkcs8.as_ref()))?;
    std::fs::write(out.join("seal-cert.pem"), pem("CERTIFICATE", &cert))?;
    std::fs::write(
        out.join("seal-ca.pem"),
        pem("CERTIFICATE", &inst.pki.seal_ca.cert_der),
    )?;
    std::fs::write(
        out.join("root.pem"),
        pem("CERTIFICATE", &inst.pki.root.cert_der),
    )?;
    std::fs::write(out.join("seal-ca.crl"), &crl)?;
    std::fs::write(out.join("root.crl"), &root_crl)?;

    let mut results = serde_json::Map::new();
    let mut record = |name: &str, threads: usize, r: f64| {
        println!("{name:<28} {threads} thread(s): {r:>8.1} documents/s");
        results.insert(format!("{name}@{threads}"), serde_json::json!(r));
    };
    println!(
        "{} bytes unsigned, {} bytes at B-LT; {cores} cores; {secs} s per figure",
        rendered.pdf.len(),
        blt.len()
    );
    for (name, level) in [("sign B-B", PadesLevel::BB), ("sign B-LT", PadesLevel::BLT)] {
        let f = |_: u64| {
            let _ = pades::sign(&rendered.pdf, &identity, &opts(level, visible(&rendered)));
        };
        record(name, 1, rate(secs, 1, &f));
    }
    // The bound B-LT signing is held to: its own cryptography alone, i.e. two
    // ECDSA P-256 signatures (the seal's and the timestamp's) and SHA-256
    // over the document, with the key already in memory.
    let bound_key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        pkcs8.as_ref(),
        &rng,
    )
    .map_err(|_| anyhow::anyhow!("bound key"))?;
    let f = |_: u64| {
        let digest = eseal::crypto::sha256(&rendered.pdf);
        let _ = bound_key.sign(&rng, &digest);
        let _ = bound_key.sign(&rng, &digest);
    };
    record("bound: 2 ECDSA + SHA-256", 1, rate(secs, 1, &f));
    for (name, level) in [
        ("issue B-B", PadesLevel::BB),
        ("issue B-LT", PadesLevel::BLT),
    ] {
        let f = |n: u64| {
            if let Ok(r) = render(n) {
                let _ = pades::sign(&r.pdf, &identity, &opts(level, visible(&r)));
            }
        };
        record(name, 1, rate(secs, 1, &f));
        if level == PadesLevel::BLT {
            record(name, cores, rate(secs, cores, &f));
        }
    }
    let f = |n: u64| {
        if let Ok(r) = render_new(n) {
            let _ = pades::sign(&r.pdf, &identity, &opts(PadesLevel::BLT, visible(&r)));
        }
    };
    record("issue B-LT, new applicant", 1, rate(secs, 1, &f));
    record("issue B-LT, new applicant", cores, rate(secs, cores, &f));
    let f = |_: u64| {
        let _ = eseal::verify::verify(&blt, &trust, &VerifyOptions::default());
    };
    record("verify B-LT", 1, rate(secs, 1, &f));
    record("verify B-LT", cores, rate(secs, cores, &f));
    results.insert("cores".into(), serde_json::json!(cores));
    results.insert("bytes_b_lt".into(), serde_json::json!(blt.len()));
    std::fs::write(
        out.join("eseal.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    Ok(())
}
