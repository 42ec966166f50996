use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};

use super::CryptoError;

/// Verify an ECDSA P-256 / SHA-256 DER signature with a SEC1 public key.
pub fn verify_p256(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .is_ok()
}

/// `n` bytes from the system CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut v = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut v)
        .map_err(|_| CryptoError::Rng)?;
    Ok(v)
}

/// An unguessable URL-safe token with `bytes * 8` bits of entropy.
pub fn random_token(bytes: usize) -> Result<String, CryptoError> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(bytes)?))
}
