//! CMS signatures made with the signing core's keys: `SignedData` with one
//! signer (shared by PAdES signatures and the timestamp authority's tokens)
//! and the ESS signing-certificate attribute that binds it to its cert.
//! Verification of signatures made anywhere lives in `verify::cms`.

pub mod ess;
pub mod signed_data;
