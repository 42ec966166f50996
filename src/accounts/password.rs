//! Password hashing with argon2id (the crate's default parameters: 19 MiB,
//! 2 passes). Hashing is CPU-heavy: async callers run it with
//! `tokio::task::spawn_blocking`.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::crypto::CryptoError;

/// Hash `password` into a PHC string (`$argon2id$v=19$...`).
pub fn hash(password: &str) -> Result<String, CryptoError> {
    let salt_bytes = crate::crypto::random_bytes(16)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| CryptoError::Rng)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| CryptoError::Rng)
}

/// Whether `password` matches the PHC string `phc`. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random password for a new account: 16 characters from an alphabet
/// without look-alikes (about 90 bits).
pub fn generate() -> Result<String, CryptoError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let bytes = crate::crypto::random_bytes(32)?;
    Ok(bytes
        .iter()
        .filter(|b| usize::from(**b) < 256 - 256 % ALPHABET.len())
        .take(16)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// The hash used for unknown usernames, so that a login attempt costs the
/// same whether or not the user exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not a password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse", &a));
        assert!(!verify("correct horsf", &a));
        assert!(!verify("correct horse", "not a phc string"));
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate().unwrap();
        assert!(a.len() >= 14, "{a}");
        assert_ne!(a, generate().unwrap());
    }
}
