//! The signing core: the only module that names `ring` and `sm2`.
//!
//! Everything else talks to it through [`Signer`] (sign bytes with a key the
//! caller cannot see) and a handful of public-key helpers ([`sha256`],
//! [`verify_p256`], [`random_bytes`]). A PKCS#11/HSM backend implements
//! [`Signer`] too ([`Pkcs11Keystore`]: `KeyRef::wrapped` holds a token
//! reference, `label` names the token object); [`Keystores`] puts the two
//! behind one [`Signer`], and callers do not change.

mod backup_stream;
mod digest;
mod error;
mod key_shares;
mod keystore;
mod keystores;
mod master_key;
mod pkcs11;
mod public;
mod sm2;
mod verify_algorithms;

pub use backup_stream::{CHUNK as BACKUP_CHUNK, OpeningReader, SealingWriter};
pub use digest::{Sha256, sha256};
pub use error::CryptoError;
pub use key_shares::KeyShare;
pub use keystore::FileKeystore;
pub use keystores::Keystores;
pub use master_key::MasterKey;
pub use pkcs11::{MAX_SESSIONS, Pkcs11Keystore, TokenConfig, is_token_ref};
pub use public::{random_bytes, random_token, verify_p256};
pub use sm2::{SM2_DEFAULT_ID, sm3, verify_sm2};
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

/// The algorithm of a key held by the signing core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256 (PAdES, RFC 3161).
    EcdsaP256,
    /// SM2 with SM3 and the default user ID (GB/T 32918, GB/T 38540).
    Sm2,
}

/// A freshly generated key: its reference (to persist) and its public key.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    pub key: KeyRef,
    /// SEC1 uncompressed point (65 bytes, `04 || X || Y`), P-256 or SM2.
    pub public_key: Vec<u8>,
}

/// The narrow operation the rest of the code may perform with a private key.
///
/// The key's algorithm decides the signature: ECDSA P-256 keys sign SHA-256
/// of `message`; SM2 keys sign SM3 of `Z || message` with the default user
/// ID. Either way the result is an ASN.1 DER `Ecdsa-Sig-Value` (what X.509,
/// CMS, RFC 3161 and GB/T 38540 carry).
pub trait Signer: Send + Sync {
    /// Create a new key of `algorithm` named `label`.
    fn generate_key(
        &self,
        label: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<GeneratedKey, CryptoError>;
    /// Create a new P-256 key named `label`.
    fn generate(&self, label: &str) -> Result<GeneratedKey, CryptoError> {
        self.generate_key(label, KeyAlgorithm::EcdsaP256)
    }
    /// Sign `message` (the signer hashes it: SHA-256 or SM3, after the key).
    fn sign(&self, key: &KeyRef, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// The public key of `key` (SEC1 uncompressed). Decrypts to check the blob.
    fn public_key(&self, key: &KeyRef) -> Result<Vec<u8>, CryptoError>;
    /// Destroy `key` where it lives, once nothing refers to it (a revoked
    /// or superseded seal cert). A wrapped blob is the key itself and goes
    /// with its database row, so by default there is nothing to do; a token
    /// removes its object.
    fn destroy(&self, key: &KeyRef) -> Result<(), CryptoError> {
        let _ = key;
        Ok(())
    }
}
