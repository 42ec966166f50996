//! Which keystore holds which key, behind one [`Signer`].
//!
//! An installation with a PKCS#11 token keeps its ECDSA P-256 keys there
//! (the seal keys, the seal CA, the TSA) and everything else in the file
//! keystore under the master key: SM2 keys (SoftHSM2 and most PKCS#11
//! tokens have no SM2; a GM/T 0018 device would be a third keystore here,
//! taking [`KeyAlgorithm::Sm2`]) and the labels the installation asks to
//! keep in software (the root, which goes offline in shares and so must be
//! exportable once). A key's [`KeyRef`] says where it is (a token reference
//! or a wrapped blob), so signing needs no table.

use super::pkcs11::{Pkcs11Keystore, is_token_ref};
use super::{CryptoError, FileKeystore, GeneratedKey, KeyAlgorithm, KeyRef, Signer};

/// The file keystore and, optionally, a token; see the module docs.
pub struct Keystores {
    file: FileKeystore,
    token: Option<Pkcs11Keystore>,
    software_labels: Vec<String>,
}

impl std::fmt::Debug for Keystores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keystores")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl Keystores {
    /// Keys in the file keystore only.
    pub fn file(file: FileKeystore) -> Self {
        Self {
            file,
            token: None,
            software_labels: Vec::new(),
        }
    }

    /// ECDSA keys on `token`, except those labelled one of `software_labels`.
    pub fn with_token(
        file: FileKeystore,
        token: Pkcs11Keystore,
        software_labels: Vec<String>,
    ) -> Self {
        Self {
            file,
            token: Some(token),
            software_labels,
        }
    }

    /// The token, if there is one.
    pub fn token(&self) -> Option<&Pkcs11Keystore> {
        self.token.as_ref()
    }

    fn holder(&self, key: &KeyRef) -> Result<&dyn Signer, CryptoError> {
        match (&self.token, is_token_ref(key)) {
            (Some(t), true) => Ok(t),
            (None, true) => Err(CryptoError::Token(format!(
                "key {} is on a PKCS#11 token, and this installation has none configured",
                key.label
            ))),
            (_, false) => Ok(&self.file),
        }
    }
}

impl Signer for Keystores {
    fn generate_key(
        &self,
        label: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<GeneratedKey, CryptoError> {
        match &self.token {
            Some(t)
                if algorithm == KeyAlgorithm::EcdsaP256
                    && !self.software_labels.iter().any(|l| l == label) =>
            {
                t.generate_key(label, algorithm)
            }
            _ => self.file.generate_key(label, algorithm),
        }
    }

    fn sign(&self, key: &KeyRef, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.holder(key)?.sign(key, message)
    }

    fn public_key(&self, key: &KeyRef) -> Result<Vec<u8>, CryptoError> {
        self.holder(key)?.public_key(key)
    }

    fn destroy(&self, key: &KeyRef) -> Result<(), CryptoError> {
        match (&self.token, is_token_ref(key)) {
            (Some(t), true) => t.destroy_key(key),
            _ => Ok(()),
        }
    }
}
