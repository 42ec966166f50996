//! GB/T 38540-2020 electronic seal structures: `SESeal` (电子印章数据) and
//! `SES_Signature` (电子签章), built and read with the `der` crate's derive
//! ([`asn1`]); making a seal ([`make`]) and checking one ([`check`]).
//!
//! Depends on `crypto` (SM2 signing through the core, SM2 verification)
//! and `pki` (cert parsing and chain links) only, so that both the seal
//! registry and OFD signing can use it.

pub mod asn1;
pub mod check;
pub mod make;
pub mod sign;

pub use asn1::{SesSeal, SesSealInfo, SesSignature, TbsSign};
pub use check::{CheckedSeal, SealFields, SealProblem, TrustedMaker, check_seal, parse_seal};
pub use make::{Maker, SealSpec, make_seal};
pub use sign::SealSigner;

/// The version of GB/T 38540-2020 (GM/T 0031-2014 was version 1).
pub const VERSION: u32 = 4;

/// Errors making a seal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SesError {
    #[error("SES structure: {0}")]
    Malformed(String),
    #[error("signing the seal: {0}")]
    Sign(String),
}
