use std::path::Path;

use base64::Engine;
use zeroize::{Zeroize, Zeroizing};

use super::CryptoError;

/// The 256-bit key that wraps every private key at rest.
///
/// Stored as one line of base64 text. `Debug` never prints it; memory is
/// zeroized on drop.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A new random master key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        let mut r = super::random_bytes(32)?;
        bytes.copy_from_slice(&r);
        r.zeroize();
        Ok(Self(bytes))
    }

    /// A key from its 32 raw bytes (recombined from shares).
    pub(super) fn from_bytes(raw: &[u8]) -> Result<Self, CryptoError> {
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|_| CryptoError::MasterKey("must be 32 bytes".into()))?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// Parse the text form (base64 of 32 bytes, surrounding whitespace ignored).
    pub fn from_text(text: &str) -> Result<Self, CryptoError> {
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| CryptoError::MasterKey("not base64".into()))?;
        if raw.len() != 32 {
            raw.zeroize();
            return Err(CryptoError::MasterKey(
                "must be 32 bytes (base64 of 256 bits)".into(),
            ));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&raw);
        raw.zeroize();
        Ok(Self(bytes))
    }

    /// Read the text form from a file.
    pub fn from_file(path: &Path) -> Result<Self, CryptoError> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| CryptoError::MasterKey(format!("{}: {e}", path.display())))?,
        );
        Self::from_text(&text)
    }

    /// The text form, for writing a new key file once at `init`.
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.0.as_slice()) + "\n")
    }

    /// SHA-256 fingerprint (safe to show): lets an operator tell keys apart.
    pub fn fingerprint(&self) -> String {
        hex::encode(&super::sha256(self.0.as_slice())[..8])
    }

    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}
