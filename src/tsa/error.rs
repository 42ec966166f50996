use crate::signing::signed_data::SignedDataError;

/// Why a timestamp could not be obtained or issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsaError {
    /// The authority answered with a rejection (RFC 3161 PKIStatus).
    #[error("the timestamp authority refused: status {status}, failInfo bit {fail_bit:?}{}", text.as_deref().map(|t| format!(", {t}")).unwrap_or_default())]
    Rejected {
        status: u8,
        fail_bit: Option<u8>,
        text: Option<String>,
    },
    /// The reply is not a well-formed RFC 3161 response.
    #[error("malformed timestamp response: {0}")]
    BadResponse(String),
    /// The token does not answer our request (imprint or nonce differ).
    #[error("the timestamp token does not match the request: {0}")]
    Mismatch(String),
    /// The external authority could not be reached or answered with an HTTP error.
    #[error("timestamp authority at {url}: {reason}")]
    Transport { url: String, reason: String },
    /// The authority is misconfigured (e.g. its cert is not DER).
    #[error("timestamp authority configuration: {0}")]
    Config(String),
    /// Building the token failed.
    #[error(transparent)]
    Cms(#[from] SignedDataError),
    #[error("ASN.1: {0}")]
    Der(#[from] der::Error),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
}
