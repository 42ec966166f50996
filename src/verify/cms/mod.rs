//! CMS SignedData (RFC 5652) as PAdES and RFC 3161 use it: parsing with the
//! original encodings kept, and verification of one signer (signed
//! attributes, message digest, ESS signing-certificate-v2, the signature
//! value under any algorithm of [`algorithms`]). BER input is normalised to
//! DER first ([`normalise`]).

pub mod algorithms;
pub mod asn1;
pub mod ber;
pub mod oids;
mod signed_data;
mod signer;

pub use ber::normalise;
pub use signed_data::{Attribute, SignedData, SignerId, SignerInfo, parse_signed_data};
pub use signer::{Content, EssStatus, VerifiedSigner, verify_by_key, verify_signer};

/// What was wrong with a CMS structure or its signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    #[error("malformed CMS/ASN.1: {0}")]
    Malformed(&'static str),
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    #[error("weak algorithm refused: {0}")]
    Weak(&'static str),
    #[error("the signer's certificate is not in the signature")]
    SignerCertMissing,
    #[error("signed attributes are missing")]
    NoSignedAttributes,
    #[error("the content-type attribute is missing or wrong")]
    ContentType,
    #[error("the message-digest attribute does not match the signed data")]
    DigestMismatch,
    #[error("the signing-certificate-v2 attribute does not match the signer's certificate")]
    EssMismatch,
    #[error("the signature value does not verify with the signer's public key")]
    BadSignature,
}
