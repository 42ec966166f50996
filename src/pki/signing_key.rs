use rcgen::{PKCS_ECDSA_P256_SHA256, PublicKeyData, SignatureAlgorithm, SigningKey};

use crate::crypto::{KeyRef, Signer};

/// Lets rcgen sign certs and CRLs with a key held by the signing core.
pub struct CoreSigningKey<'a> {
    signer: &'a dyn Signer,
    key: &'a KeyRef,
    public_key: Vec<u8>,
}

impl<'a> CoreSigningKey<'a> {
    /// `public_key` is the SEC1 point of `key` (from generation or the cert).
    pub fn new(signer: &'a dyn Signer, key: &'a KeyRef, public_key: Vec<u8>) -> Self {
        Self {
            signer,
            key,
            public_key,
        }
    }
}

impl PublicKeyData for CoreSigningKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public_key
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for CoreSigningKey<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.signer
            .sign(self.key, msg)
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}

/// A bare public key for the subject of a cert being issued.
pub(crate) struct SubjectKey<'a>(pub &'a [u8]);

impl PublicKeyData for SubjectKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.0
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}
