use crate::crypto::CryptoError;

/// Errors from certificate and CRL handling.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("certificate generation failed: {0}")]
    Generate(String),
    #[error("invalid certificate: {0}")]
    BadCert(String),
    #[error("chain check failed: {0}")]
    Chain(String),
}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        PkiError::Generate(e.to_string())
    }
}
