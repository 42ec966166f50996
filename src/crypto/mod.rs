//! The signing core: the only module that names `ring`.
//!
//! Everything else talks to it through [`Signer`] (sign bytes with a key the
//! caller cannot see) and a handful of public-key helpers ([`sha256`],
//! [`verify_p256`], [`random_bytes`]). A PKCS#11/HSM backend implements
//! [`Signer`] with `KeyRef::wrapped` left empty and `label` naming the HSM object;
//! callers do not change.

mod digest;
mod error;
mod keystore;
mod master_key;
mod public;
mod verify_algorithms;

pub use digest::{Sha256, sha256};
pub use error::CryptoError;
pub use keystore::FileKeystore;
pub use master_key::MasterKey;
pub use public::{random_bytes, random_token, verify_p256};
pub use verify_algorithms::{
    AlgorithmError, Curve, HashAlg, PublicKey, RSA_BITS, SignatureAlg, digest_parts,
    verify_signature,
};

/// A reference to a private key held by the signing core.
///
/// For the file keystore, `wrapped` is the AES-256-GCM ciphertext of the
/// PKCS#8 document, bound to `label` as associated data. It is safe to store
/// and to log the label; the blob is opaque outside this module.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// Stable name of the key, e.g. `seal:320707000000-01#1` or `ca:root`.
    pub label: String,
    /// Encrypted key material (opaque).
    pub wrapped: Vec<u8>,
}

impl std::fmt::Debug for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRef")
            .field("label", &self.label)
            .field(
                "wrapped",
                &format_args!("<{} bytes encrypted>", self.wrapped.len()),
            )
            .finish()
    }
}

/// A freshly generated key: its reference (to persist) and its public key.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    pub key: KeyRef,
    /// SEC1 uncompressed point (65 bytes, `04 || X || Y`).
    pub public_key: Vec<u8>,
}

/// The narrow operation the rest of the code may perform with a private key.
///
/// All keys are ECDSA P-256; signatures are SHA-256 over `message`, returned
/// as an ASN.1 DER `Ecdsa-Sig-Value` (what X.509, CMS and RFC 3161 carry).
pub trait Signer: Send + Sync {
    /// Create a new P-256 key named `label`.
    fn generate(&self, label: &str) -> Result<GeneratedKey, CryptoError>;
    /// Sign `message` (the signer hashes it with SHA-256).
    fn sign(&self, key: &KeyRef, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// The public key of `key` (SEC1 uncompressed). Decrypts to check the blob.
    fn public_key(&self, key: &KeyRef) -> Result<Vec<u8>, CryptoError>;
}
