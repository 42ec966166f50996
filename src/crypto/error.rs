/// Errors from the signing core. They name the key, never its material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The blob did not decrypt: wrong master key, a corrupted blob, or a blob
    /// that belongs to another key (the label is bound as associated data).
    #[error(
        "key {label}: cannot decrypt (wrong master key, corrupted blob, or blob of another key)"
    )]
    Unwrap { label: String },
    /// The decrypted key is not a P-256 or SM2 PKCS#8 document.
    #[error("key {label}: not a valid P-256 or SM2 key")]
    BadKey { label: String },
    /// The master key file is unusable.
    #[error("master key: {0}")]
    MasterKey(String),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// Key shares that cannot give a key back (too few, malformed).
    #[error("key shares: {0}")]
    Shares(String),
    /// Signing failed.
    #[error("signing with key {label} failed")]
    Sign { label: String },
    /// The PKCS#11 token or its module failed, or a key is not on it. The
    /// message names the token, the key or the call, never the PIN.
    #[error("PKCS#11 token: {0}")]
    Token(String),
}
