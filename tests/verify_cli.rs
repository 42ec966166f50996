//! `eseal verify` exit codes and output, run as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod support;

use std::process::Command;

fn eseal(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .output()
        .expect("run eseal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn exit_codes_and_json() {
    let dir = support::corpus();
    let root = dir.join("root.pem");
    let root = root.to_str().unwrap();
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();

    let (code, out) = eseal(&["verify", &path("genuine_blta.pdf"), "--trust", root]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("VALID"), "{out}");

    let (code, out) = eseal(&["verify", &path("genuine_bt.pdf"), "--json", "--trust", root]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["verdict"], "VALID");
    assert_eq!(
        json["signatures"][0]["signer"]["seal_id"],
        "320707100000-01"
    );
    assert_eq!(json["signatures"][0]["pades_level"], "B-T");

    // Invalid and indeterminate both exit 1.
    assert_eq!(
        eseal(&[
            "verify",
            &path("tamper_annotation_added.pdf"),
            "--trust",
            root
        ])
        .0,
        1
    );
    assert_eq!(
        eseal(&["verify", &path("other_root.pdf"), "--trust", root]).0,
        1
    );
    // A second --trust makes the other root trusted.
    let other = path("other_root.pem");
    assert_eq!(
        eseal(&[
            "verify",
            &path("other_root.pdf"),
            "--trust",
            root,
            "--trust",
            &other
        ])
        .0,
        0
    );
    // --crl: revoked before the signing time.
    let crl = path("seal_ca_crl.der");
    assert_eq!(
        eseal(&[
            "verify",
            &path("revoked_before_signing.pdf"),
            "--trust",
            root,
            "--crl",
            &crl
        ])
        .0,
        1
    );

    // Read and usage errors exit 2.
    assert_eq!(
        eseal(&["verify", "/nonexistent/file.pdf", "--trust", root]).0,
        2
    );
    assert_eq!(
        eseal(&[
            "verify",
            &path("genuine_bt.pdf"),
            "--trust",
            "/nonexistent/root.pem"
        ])
        .0,
        2
    );
    assert_eq!(eseal(&["verify"]).0, 2);
}
