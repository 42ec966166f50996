//! Key custody (issue 16): which key is where and how it moves.
//!
//! - The root CA keys (ECDSA and SM2) sign only in a ceremony. `eseal init`
//!   uses them once (the intermediates' certs and a run of root CRLs signed
//!   ahead, [`root_crl_run`]), then wraps them under a fresh bundle key,
//!   splits that key M-of-N with Shamir's scheme ([`crate::crypto::KeyShare`])
//!   and writes one file per custodian ([`share_file`]); the online database
//!   keeps the root certs with empty key blobs. A ceremony reads M files and
//!   reassembles the keys in memory only ([`offline_root::OfflineRoot`]).
//! - The master key wraps every online key blob; [`master_key_rotation`]
//!   re-wraps them all under a new one in one transaction.
//!
//! This module depends on `crypto`, `pki`, `store` and `audit`, never on
//! the installation that uses it.

pub mod master_key_rotation;
pub mod offline_root;
pub mod root_crl_run;
pub mod share_file;

use std::path::PathBuf;

/// Errors of key custody. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CustodyError {
    /// A share file that cannot take part (damaged, foreign, duplicated).
    #[error("{}: {message}", file.display())]
    ShareFile { file: PathBuf, message: String },
    /// The set of shares cannot give the root keys back.
    #[error("root shares: {0}")]
    Shares(String),
    /// The root CRLs signed ahead are used up, or cannot be published.
    #[error("root CRLs: {0}")]
    RootCrls(String),
    /// A master key rotation refused or failed; the old key still works.
    #[error("master key rotation: {0}")]
    Rotation(String),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl From<sqlx::Error> for CustodyError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(crate::store::StoreError::Db(e))
    }
}

/// How many custodians hold a share and how many must meet: `M-of-N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub needed: u8,
    pub made: u8,
}

impl Threshold {
    /// The default split: any 3 of 5 custodians.
    pub const DEFAULT: Self = Self { needed: 3, made: 5 };

    /// Parse `M-of-N` (2 <= M <= N <= 255).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not M-of-N with 2 <= M <= N <= 255 (e.g. 3-of-5)");
        let (m, n) = s.trim().split_once("-of-").ok_or_else(bad)?;
        let (needed, made) = (
            m.parse::<u8>().map_err(|_| bad())?,
            n.parse::<u8>().map_err(|_| bad())?,
        );
        if needed < 2 || needed > made {
            return Err(bad());
        }
        Ok(Self { needed, made })
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-of-{}", self.needed, self.made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_and_bad_ones_say_why() {
        assert_eq!(Threshold::parse("3-of-5").unwrap(), Threshold::DEFAULT);
        assert_eq!(Threshold::parse("2-of-2").unwrap().to_string(), "2-of-2");
        for bad in ["1-of-5", "6-of-5", "3/5", "3-of-256", "x-of-5", ""] {
            assert!(
                Threshold::parse(bad).unwrap_err().contains("M-of-N"),
                "{bad}"
            );
        }
    }
}
