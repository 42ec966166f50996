#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Documents signed elsewhere (pyHanko as the signer, another PKI; see
//! support/corpus_foreign.py): RSA PKCS#1 v1.5 and PSS, ECDSA P-384,
//! Ed25519, BER-encoded CMS, adbe.pkcs7.detached with and without signed
//! attributes, a certification signature followed by a form fill, two
//! approval signatures. Each is VALID with its root trusted, and each is
//! not VALID when its root is not trusted.

mod support;

use eseal::verify::{ChainStatus, Code, Report, TrustStore, Verdict, VerifyOptions, verify};
use support::read;

fn run(file: &str, roots: &[&str]) -> Report {
    let mut t = TrustStore::new();
    for r in roots {
        t.add_anchor(&read(r)).unwrap();
    }
    verify(&read(file), &t, &VerifyOptions::default())
}

fn valid(file: &str, note: Option<Code>) -> Report {
    let r = run(file, &["foreign_root.pem"]);
    assert_eq!(r.verdict, Verdict::Valid, "{file}\n{}", r.to_text());
    assert!(
        r.signatures
            .iter()
            .all(|s| s.chain == ChainStatus::Trusted && s.intact)
    );
    if let Some(code) = note {
        assert!(r.has(code), "{file}: expected {code:?}\n{}", r.to_text());
    }
    // Our own root does not make a foreign signer trusted.
    let r2 = run(file, &["root.pem"]);
    assert!(
        r2.verdict > Verdict::ValidWithWarnings,
        "{file}\n{}",
        r2.to_text()
    );
    r
}

#[test]
fn rsa_pkcs1_and_pss() {
    valid("foreign_rsa2048.pdf", None);
    // pyHanko signs PSS with the largest salt (190 bytes for SHA-512 and a
    // 2048-bit key); ring verifies only hash-length salts: reported by name,
    // never accepted. (The signer's cert, RSA-PSS with a 32-byte salt over
    // SHA-256, verifies: its chain is not what fails.)
    let r = run("foreign_rsa_pss.pdf", &["foreign_root.pem"]);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{}", r.to_text());
    assert!(r.has(Code::UNSUPPORTED_ALGORITHM));
    assert!(r.to_text().contains("190-byte salt"), "{}", r.to_text());
    assert!(!r.has(Code::CHAIN_SIGNATURE_INVALID));
}

#[test]
fn ecdsa_p384_and_ed25519() {
    valid("foreign_p384.pdf", None);
    valid("foreign_ed25519.pdf", None);
}

#[test]
fn p521_is_reported_unsupported_by_name() {
    let r = run("foreign_p521.pdf", &["foreign_root.pem"]);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{}", r.to_text());
    assert!(r.has(Code::UNSUPPORTED_ALGORITHM));
    assert!(r.to_text().contains("P-521"), "{}", r.to_text());
}

#[test]
fn ber_cms_is_checked_in_der() {
    valid("foreign_ber_cms.pdf", Some(Code::CMS_BER_NORMALISED));
}

#[test]
fn adbe_pkcs7_detached_with_and_without_signed_attributes() {
    valid("foreign_adbe_pkcs7.pdf", Some(Code::NOT_PADES_BASELINE));
    let r = valid(
        "foreign_no_signed_attrs.pdf",
        Some(Code::NOT_PADES_BASELINE),
    );
    assert_eq!(r.signatures[0].pades_level, None);
}

#[test]
fn certified_then_form_filled() {
    valid("foreign_certified.pdf", None);
    valid(
        "foreign_certified_form_filled.pdf",
        Some(Code::LATER_FORM_FILL),
    );
    let r = valid(
        "foreign_certified_filled_then_signed.pdf",
        Some(Code::LATER_SIGNATURE),
    );
    assert_eq!(r.signatures.len(), 2);
    // At P=1 the same fill is a modification.
    let r = run(
        "foreign_certified_p1_form_filled.pdf",
        &["foreign_root.pem"],
    );
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.to_text());
    assert!(r.has(Code::FORM_CHANGED));
}

#[test]
fn two_approval_signatures() {
    let r = valid("foreign_two_approvals.pdf", Some(Code::LATER_SIGNATURE));
    assert_eq!(r.signatures.len(), 2);
}

#[test]
fn a_tampered_foreign_signature_fails() {
    // One byte of the signed text changed: the digest no longer matches.
    let mut pdf = read("foreign_rsa2048.pdf");
    let at = support::find(&pdf, b"Ganyu village certificate").unwrap();
    pdf[at] = b'X';
    let mut t = TrustStore::new();
    t.add_anchor(&read("foreign_root.pem")).unwrap();
    let r = verify(&pdf, &t, &VerifyOptions::default());
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.to_text());
    assert!(r.has(Code::DIGEST_MISMATCH));
}
