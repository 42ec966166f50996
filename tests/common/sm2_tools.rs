//! openssl 3 as an independent SM2 checker (see NATIONAL-STANDARD.md):
//! signatures with the default user ID, cert chains one link at a time
//! (`-vfyopt distid` applies to the target cert only).

use std::path::Path;
use std::process::Command;

use super::run;

/// The GM/T 0009 default user ID as openssl's option.
pub const DISTID: &str = "distid:1234567812345678";

/// `openssl verify -partial_chain -CAfile CA [-vfyopt distid] CERTS`.
pub fn openssl_verify(openssl: &Path, ca: &Path, certs: &[&Path], distid: bool) -> (bool, String) {
    let mut c = Command::new(openssl);
    c.args(["verify", "-partial_chain", "-CAfile"]).arg(ca);
    if distid {
        c.args(["-vfyopt", DISTID]);
    }
    c.args(certs);
    let (success, out, err) = run(&mut c);
    (success, format!("{out}{err}"))
}

/// Does `sig` (DER) verify over `data` with the SM2 key `pubkey` (PEM)?
pub fn pkeyutl_verify(openssl: &Path, pubkey: &Path, data: &Path, sig: &Path) -> bool {
    run(Command::new(openssl)
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(pubkey)
        .args(["-rawin", "-digest", "sm3", "-pkeyopt", DISTID, "-in"])
        .arg(data)
        .arg("-sigfile")
        .arg(sig))
    .0
}

/// Split a PEM bundle into its blocks.
pub fn pem_blocks(text: &str) -> Vec<String> {
    text.split_inclusive("-----END CERTIFICATE-----\n")
        .filter(|b| b.contains("BEGIN"))
        .map(str::to_string)
        .collect()
}
