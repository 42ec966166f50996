//! Document identifiers: the unguessable id in links and QR codes, and the
//! short verification code printed on the document.

use crate::crypto::{CryptoError, random_bytes, random_token, sha256};

/// 128 random bits, URL-safe base64 (22 characters).
pub fn new_document_id() -> Result<String, CryptoError> {
    random_token(16)
}

/// Alphabet without look-alikes (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 8;

/// An 8-character verification code (about 39.6 bits; guessing is rate-limited).
pub fn new_verification_code() -> Result<String, CryptoError> {
    // 31 symbols: a byte's low 5 bits pick one; 31 is rejected (no bias).
    let alphabet = CODE_ALPHABET;
    let mut out = String::with_capacity(CODE_LEN);
    while out.len() < CODE_LEN {
        for b in random_bytes(CODE_LEN)? {
            let i = (b & 0x1f) as usize;
            if i < alphabet.len() && out.len() < CODE_LEN {
                out.push(alphabet[i] as char);
            }
        }
    }
    Ok(out)
}

/// SHA-256 (hex) of a code, as stored.
pub fn code_digest(code: &str) -> String {
    hex::encode(sha256(code.trim().to_ascii_uppercase().as_bytes()))
}

/// Whether `code` matches the stored digest (constant-time comparison).
pub fn verification_code_matches(code: &str, stored_hex: &str) -> bool {
    let a = code_digest(code);
    a.len() == stored_hex.len()
        && a.bytes()
            .zip(stored_hex.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_long_and_distinct() {
        let a = new_document_id().unwrap();
        let b = new_document_id().unwrap();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
    }

    #[test]
    fn codes_use_the_alphabet_and_match_case_insensitively() {
        for _ in 0..50 {
            let c = new_verification_code().unwrap();
            assert_eq!(c.len(), 8);
            assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{c}");
            let d = code_digest(&c);
            assert!(verification_code_matches(&c.to_lowercase(), &d));
            assert!(!verification_code_matches("AAAAAAAA", &d) || c == "AAAAAAAA");
        }
    }
}
