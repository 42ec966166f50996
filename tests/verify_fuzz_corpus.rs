//! Replays the saved fuzz corpora (fuzz/corpus/verify_pdf, verify_cms,
//! pdf_reader) as ordinary tests on stable: no input may panic (even a
//! caught one) or take long.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

use std::time::{Duration, Instant};

use eseal::verify::cms::{self, oids};
use eseal::verify::{Code, TrustStore, VerifyOptions, verify};

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "corpus {dir} is nearly empty");
    out
}

#[test]
fn replay_verify_pdf_corpus() {
    for (name, data) in inputs("verify_pdf") {
        let start = Instant::now();
        let r = verify(&data, &TrustStore::new(), &VerifyOptions::default());
        assert!(
            !r.has(Code::INTERNAL_ERROR),
            "{name}: panicked inside the verifier"
        );
        assert!(start.elapsed() < Duration::from_secs(2), "{name}: too slow");
        // Every input gets a reason for its bottom line.
        assert!(!r.codes().is_empty(), "{name}: no reason given");
    }
}

#[test]
fn replay_verify_cms_corpus() {
    for (name, data) in inputs("verify_cms") {
        let result = std::panic::catch_unwind(|| {
            let Ok(der) = cms::normalise(&data) else {
                return;
            };
            if let Ok(sd) = cms::parse_signed_data(&der) {
                let content = cms::Content {
                    parts: &[b"content"],
                    sha256: None,
                };
                let _ = cms::verify_signer(&sd, &content, &oids::DATA, &[]);
                let _ = cms::verify_signer(&sd, &content, &oids::TST_INFO, &sd.certs);
            }
            let _ = eseal::verify::check_token(&data, &[0u8; 32], &[], &[]);
        });
        assert!(result.is_ok(), "{name}: panicked");
    }
}

/// What fuzz/fuzz_targets/pdf_reader.rs does: every object of every
/// revision read, references resolved, streams decoded.
#[test]
fn replay_pdf_reader_corpus() {
    for (name, data) in inputs("pdf_reader") {
        let start = Instant::now();
        let result = std::panic::catch_unwind(|| eseal::pdf::read_everything(&data));
        assert!(result.is_ok(), "{name}: panicked");
        assert!(start.elapsed() < Duration::from_secs(2), "{name}: too slow");
    }
}

/// Cheap mutations of every corpus file (truncations and byte flips), as a
/// stable stand-in for a short fuzzing run.
#[test]
fn mutated_corpus_never_panics() {
    for (name, data) in inputs("verify_pdf") {
        let n = data.len();
        for i in 0..24usize {
            let mut m = data.clone();
            let at = (i * 7919 + 13) % n.max(1);
            match i % 3 {
                0 => m.truncate(at),
                1 => {
                    if let Some(b) = m.get_mut(at) {
                        *b ^= 0x5a;
                    }
                }
                _ => m.splice(at..at, b"[[[<<(".iter().copied()).for_each(drop),
            }
            let r = verify(&m, &TrustStore::new(), &VerifyOptions::default());
            assert!(
                !r.has(Code::INTERNAL_ERROR),
                "{name} mutation {i}: panicked"
            );
        }
    }
}
