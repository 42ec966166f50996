//! Every level of PAdES signature this crate produces is checked by
//! independent validators: pyHanko, poppler's pdfsig and openssl.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod pades_common;
use pades_common as common;

use std::path::Path;
use std::process::Command;

use common::*;
use eseal::pades::{self, PadesLevel, VisibleSeal};

fn visible() -> Option<VisibleSeal> {
    Some(VisibleSeal {
        page_index: 0,
        rect: [400.0, 80.0, 520.0, 200.0],
        appearance: seal_appearance(120.0),
    })
}

fn sign_to(dir: &Path, pki: &Pki, level: PadesLevel, name: &str) -> (std::path::PathBuf, Vec<u8>) {
    let pdf = minimal_pdf(2, 50_000);
    let out = pades::sign(&pdf, &pki.identity(), &pki.options(level, visible())).unwrap();
    let signed = out.bytes;
    // The digest `sign` reports is the SHA-256 of its signature's byte range.
    let [a, b, c, d] = signatures(&signed)[0].range;
    let mut covered = signed[a..a + b].to_vec();
    covered.extend_from_slice(&signed[c..c + d]);
    assert_eq!(out.signed_digest, eseal::crypto::sha256(&covered));
    assert!(
        signed.starts_with(&pdf),
        "the original bytes must be kept unchanged"
    );
    let path = dir.join(name);
    std::fs::write(&path, &signed).unwrap();
    (path, signed)
}

/// `openssl cms -verify` over each CAdES signature's byte range.
fn openssl_verifies(dir: &Path, pdf: &[u8], expected: usize) {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let sigs: Vec<_> = signatures(pdf);
    let mut checked = 0;
    for (i, s) in sigs.iter().enumerate() {
        let sig_path = dir.join(format!("sig{i}.der"));
        let data_path = dir.join(format!("sig{i}.bin"));
        std::fs::write(&sig_path, &s.der).unwrap();
        std::fs::write(&data_path, s.signed_bytes(pdf)).unwrap();
        // The document timestamp of B-LTA is a TSTInfo token, checked by ts -verify.
        let is_doc_ts = s.der.windows(11).any(|w| {
            w == [
                0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10,
            ]
        }) && s.der.windows(13).any(|w| {
            w == [
                0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
            ]
        }) && i == sigs.len() - 1
            && pdf.windows(13).any(|w| w == b"/DocTimeStamp");
        if is_doc_ts {
            let o = run(Command::new(&openssl)
                .args(["ts", "-verify", "-token_in", "-in"])
                .arg(&sig_path)
                .arg("-data")
                .arg(&data_path)
                .arg("-CAfile")
                .arg(dir.join("root.pem"))
                .arg("-untrusted")
                .arg(dir.join("tsa.pem")));
            assert!(
                o.ok && o.text.contains("Verification: OK"),
                "openssl ts -verify (document timestamp): {}",
                o.text
            );
        } else {
            let o = run(Command::new(&openssl)
                .args([
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-purpose",
                    "any",
                    "-out",
                    "/dev/null",
                    "-in",
                ])
                .arg(&sig_path)
                .arg("-content")
                .arg(&data_path)
                .arg("-CAfile")
                .arg(dir.join("root.pem")));
            assert!(
                o.ok && o.text.contains("Verification successful"),
                "openssl cms -verify: {}",
                o.text
            );
        }
        checked += 1;
    }
    assert_eq!(checked, expected);
}

/// pdfsig with an NSS database trusting only the district root.
fn pdfsig_accepts(dir: &Path, path: &Path, signatures: usize) {
    let Some(pdfsig) = tool("pdfsig") else { return };
    let Some(db) = nss_db(dir) else { return };
    let o = run(Command::new(&pdfsig).args(["-nssdir", &db]).arg(path));
    assert!(o.ok, "pdfsig: {}", o.text);
    assert_eq!(
        o.text.matches("Signature is Valid").count(),
        signatures,
        "pdfsig: {}",
        o.text
    );
    // The fixture chain has no emailProtection EKU, which NSS wants of a
    // signer; "Certificate is Trusted" is asserted on documents of a real
    // installation in tests/issued_interop.rs.
    assert!(o.text.contains("ETSI.CAdES.detached"), "pdfsig: {}", o.text);
}

fn pyhanko(args: &[&str], dir: &Path, path: &Path) -> Option<Output> {
    let py = tool("pyhanko")?;
    Some(run(Command::new(py)
        .args(["sign"])
        .args(args)
        .args(["--trust-replace", "--trust"])
        .arg(dir.join("root.pem"))
        .arg(path)))
}

fn check_level(level: PadesLevel) -> (std::path::PathBuf, String) {
    let pki = Pki::new();
    let dir = scratch(&format!("pades-{}", level.as_str()));
    pki.write_pems(&dir);
    let (path, signed) = sign_to(&dir, &pki, level, "signed.pdf");
    let expected = if level == PadesLevel::BLTA { 2 } else { 1 };
    assert_eq!(signatures(&signed).len(), expected);
    openssl_verifies(&dir, &signed, expected);
    pdfsig_accepts(&dir, &path, 1);
    // Signature checks; revocation is checked offline from the DSS below.
    let mut text = String::new();
    if let Some(o) = pyhanko(
        &["validate", "--pretty-print", "--no-revocation-check"],
        &dir,
        &path,
    ) {
        assert!(o.ok, "pyhanko validate: {}", o.text);
        for needle in [
            "The signer's certificate is trusted.",
            "judged VALID",
            "Bottom line",
        ] {
            assert!(
                o.text.contains(needle),
                "pyhanko validate lacks {needle}: {}",
                o.text
            );
        }
        text = o.text;
    }
    (dir, text)
}

#[test]
fn b_b_validates_everywhere() {
    let (_, text) = check_level(PadesLevel::BB);
    if !text.is_empty() {
        assert!(
            text.contains("The signature covers the entire file."),
            "{text}"
        );
    }
}

#[test]
fn b_t_validates_with_signature_timestamp() {
    let (_, text) = check_level(PadesLevel::BT);
    if !text.is_empty() {
        assert!(
            text.contains("The signature covers the entire file."),
            "{text}"
        );
        assert!(text.contains("The TSA certificate is trusted."), "{text}");
    }
}

/// B-LT: pyHanko's AdES validation, offline, from the DSS.
fn ades_valid(level: PadesLevel) {
    let (dir, _) = check_level(level);
    if let Some(o) = pyhanko(
        &["adesverify", "--pretty-print"],
        &dir,
        &dir.join("signed.pdf"),
    ) {
        assert!(o.ok, "pyhanko adesverify: {}", o.text);
        for needle in [
            "The signer's certificate is trusted.",
            "The TSA certificate is trusted.",
            "judged VALID",
        ] {
            assert!(
                o.text.contains(needle),
                "adesverify lacks {needle}: {}",
                o.text
            );
        }
    }
}

#[test]
fn b_lt_validates_offline() {
    ades_valid(PadesLevel::BLT);
}

#[test]
fn b_lta_validates_offline() {
    ades_valid(PadesLevel::BLTA);
}

#[test]
fn second_signature_leaves_the_first_valid() {
    let pki = Pki::new();
    let dir = scratch("pades-second");
    pki.write_pems(&dir);
    let (_, first) = sign_to(&dir, &pki, PadesLevel::BLT, "first.pdf");
    let mut opts = pki.options(
        PadesLevel::BLT,
        Some(VisibleSeal {
            page_index: 0,
            rect: [250.0, 80.0, 370.0, 200.0],
            appearance: seal_appearance(120.0),
        }),
    );
    opts.name = "某某镇人民政府".into();
    let second = pades::sign(&first, &pki.identity(), &opts).unwrap().bytes;
    assert!(second.starts_with(&first));
    let path = dir.join("second.pdf");
    std::fs::write(&path, &second).unwrap();
    assert_eq!(signatures(&second).len(), 2);
    openssl_verifies(&dir, &second, 2);
    pdfsig_accepts(&dir, &path, 2);
    if let Some(o) = pyhanko(
        &["validate", "--pretty-print", "--no-revocation-check"],
        &dir,
        &path,
    ) {
        assert!(o.ok, "pyhanko validate: {}", o.text);
        assert_eq!(o.text.matches("judged VALID").count(), 2, "{}", o.text);
    }
}
