//! The root keys of an installation, recovered from its custodians' share
//! files independently of the crate (the share file's documented JSON,
//! Shamir over GF(256) with `blahaj`, the signing core's blob format with
//! ring), so tests can look for them where they must not be.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use base64::Engine;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

/// The default share directory `eseal init` writes beside `data_dir`.
pub fn default_shares_dir(data_dir: &Path) -> PathBuf {
    let name = data_dir.file_name().unwrap().to_string_lossy().into_owned();
    data_dir.with_file_name(format!("{name}-root-shares"))
}

/// The share files in `dir`, in share order.
pub fn share_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("root-share-")
        })
        .collect();
    v.sort();
    v
}

fn b64(s: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.as_str().unwrap())
        .unwrap()
}

/// A root key recovered from the shares: its kind, label, blob as the
/// bundle holds it, PKCS#8 and raw scalar.
pub struct RecoveredKey {
    pub kind: String,
    pub label: String,
    pub bundle_blob: Vec<u8>,
    pub pkcs8: Vec<u8>,
    pub scalar: Vec<u8>,
}

/// Open a key blob (version byte, 96-bit nonce, AES-256-GCM, label as
/// AAD) under the raw 256-bit `key`, following the documented format.
pub fn open_blob(key: &[u8], label: &str, blob: &[u8]) -> Option<Vec<u8>> {
    let aead = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).unwrap());
    if blob.len() < 13 || blob[0] != 1 {
        return None;
    }
    let nonce = Nonce::try_assume_unique_for_key(&blob[1..13]).unwrap();
    let mut buf = blob[13..].to_vec();
    let aad = format!("eseal-key-v1:{label}");
    aead.open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
        .ok()
        .map(|p| p.to_vec())
}

/// The raw key of a master key file's text.
pub fn master_bytes(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap()
}

/// The raw 32-byte scalar inside an EC PKCS#8 document.
pub fn scalar_of(pkcs8: &[u8]) -> Vec<u8> {
    // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING (32) ...}
    let at = pkcs8
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .expect("scalar")
        + 5;
    pkcs8[at..at + 32].to_vec()
}

/// Combine the first `threshold` files of `files` and open the bundle.
pub fn recover_root_keys(files: &[PathBuf]) -> Vec<RecoveredKey> {
    let docs: Vec<serde_json::Value> = files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    let m = docs[0]["threshold"].as_u64().unwrap() as u8;
    let shares: Vec<blahaj::Share> = docs
        .iter()
        .take(usize::from(m))
        .map(|d| blahaj::Share::try_from(b64(&d["share"]).as_slice()).unwrap())
        .collect();
    let key = blahaj::Sharks(m).recover(&shares).unwrap();
    assert_eq!(key.len(), 32);
    docs[0]["bundle"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let label = k["label"].as_str().unwrap().to_string();
            let blob = b64(&k["wrapped"]);
            let pkcs8 = open_blob(&key, &label, &blob).expect("the shares open the bundle");
            RecoveredKey {
                kind: k["kind"].as_str().unwrap().to_string(),
                label,
                bundle_blob: blob,
                scalar: scalar_of(&pkcs8),
                pkcs8,
            }
        })
        .collect()
}
