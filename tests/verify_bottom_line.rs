#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The bottom-line rules (SECURITY.md, "What VALID means"), tried as an
//! attacker would: a document timestamp is not a seal, an untrusted TSA
//! proves no time, and without a trust anchor nothing is VALID.

mod support;

use std::process::Command;

use eseal::verify::{Code, SignatureKind, TimeSource, TrustStore, Verdict, VerifyOptions, verify};
use support::read;

fn trust(files: &[&str]) -> TrustStore {
    let mut t = TrustStore::new();
    for f in files {
        t.add_anchor(&read(f)).unwrap();
    }
    t
}

fn no_trusted_time(r: &eseal::verify::Report) {
    for s in &r.signatures {
        if let Some(t) = &s.signing_time {
            assert_ne!(t.source, TimeSource::Timestamp, "{}", r.to_text());
        }
        assert!(s.timestamp.as_ref().is_none_or(|t| !t.trusted));
    }
}

#[test]
fn a_document_timestamp_alone_is_never_valid() {
    // Its TSA chains to the trusted root, and the token is intact: still no seal.
    let pdf = read("doc_timestamp_only.pdf");
    let r = verify(&pdf, &trust(&["root.pem"]), &VerifyOptions::default());
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.to_text());
    assert!(r.has(Code::NO_APPROVAL_SIGNATURE), "{}", r.to_text());
    assert_eq!(r.signatures.len(), 1);
    assert_eq!(r.signatures[0].kind, SignatureKind::DocumentTimestamp);
    assert_eq!(
        r.signatures[0].verdict,
        Verdict::Valid,
        "the token itself is fine"
    );

    // A self-made TSA, no anchor at all.
    let pdf = read("doc_timestamp_only_untrusted_tsa.pdf");
    let r = verify(&pdf, &TrustStore::new(), &VerifyOptions::default());
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.to_text());
    assert!(r.has(Code::NO_APPROVAL_SIGNATURE));
    assert!(r.has(Code::NO_TRUST_ANCHOR));
    assert!(r.has(Code::TIMESTAMP_UNTRUSTED));
    no_trusted_time(&r);
    // The same with the evil TSA's own cert given as an anchor: it would then be
    // trusted, but a timestamp is still not a seal.
    let r = verify(&pdf, &trust(&["evil_tsa.pem"]), &VerifyOptions::default());
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.to_text());
}

#[test]
fn an_untrusted_tsa_never_yields_valid_or_trusted_time() {
    // The seal is genuine and trusted; only its timestamp comes from a self-made TSA.
    let pdf = read("untrusted_tsa_signature.pdf");
    let r = verify(&pdf, &trust(&["root.pem"]), &VerifyOptions::default());
    assert!(
        !matches!(r.verdict, Verdict::Valid | Verdict::ValidWithWarnings),
        "{}",
        r.to_text()
    );
    assert!(r.has(Code::TIMESTAMP_UNTRUSTED), "{}", r.to_text());
    assert!(!r.has(Code::TIMESTAMP_VALID));
    no_trusted_time(&r);
    let s = &r.signatures[0];
    assert_eq!(
        s.signing_time.as_ref().unwrap().source,
        TimeSource::ClaimedUnverified
    );
}

#[test]
fn without_a_trust_anchor_nothing_is_valid() {
    for f in [
        "genuine_blta.pdf",
        "genuine_bt.pdf",
        "doc_timestamp_only.pdf",
        "doc_timestamp_only_untrusted_tsa.pdf",
        "untrusted_tsa_signature.pdf",
    ] {
        let r = verify(&read(f), &TrustStore::new(), &VerifyOptions::default());
        assert!(
            !matches!(r.verdict, Verdict::Valid | Verdict::ValidWithWarnings),
            "{f}: {}",
            r.to_text()
        );
        assert!(r.has(Code::NO_TRUST_ANCHOR), "{f}");
    }
}

fn eseal_exit(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        // No installation in the working directory: no implicit anchor.
        .current_dir(std::env::temp_dir())
        .env(
            "ESEAL_DATA_DIR",
            std::env::temp_dir().join("eseal-no-installation"),
        )
        .output()
        .expect("run eseal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn eseal_verify_without_anchor_never_exits_0() {
    let dir = support::corpus();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    for f in [
        "genuine_blta.pdf",
        "doc_timestamp_only.pdf",
        "doc_timestamp_only_untrusted_tsa.pdf",
        "untrusted_tsa_signature.pdf",
    ] {
        let (code, out) = eseal_exit(&["verify", &p(f)]);
        assert_eq!(code, 1, "{f}: {out}");
        assert!(!out.starts_with("VALID"), "{f}: {out}");
    }
    // With the installation's root given, the timestamp-only file is still not accepted.
    let (code, out) = eseal_exit(&[
        "verify",
        &p("doc_timestamp_only.pdf"),
        "--trust",
        &p("root.pem"),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NO_APPROVAL_SIGNATURE"), "{out}");
    // And a genuine document with its root exits 0 (the rule is not "always 1").
    let (code, out) = eseal_exit(&["verify", &p("genuine_blta.pdf"), "--trust", &p("root.pem")]);
    assert_eq!(code, 0, "{out}");
}
