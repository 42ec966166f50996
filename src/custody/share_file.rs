//! A custodian's root share file: one share of the bundle key, the
//! encrypted bundle itself (the same in every file of a split, so any M
//! files are enough for a ceremony) and what tells a wrong or mixed share
//! apart before anything is combined: the installation's id, the split's
//! id, M, N, the share's number and a checksum over all of it.
//!
//! JSON, so a custodian can see what the file is without the program.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::CustodyError;
use crate::crypto::{KeyRef, KeyShare};

/// The `format` of a version 1 share file.
pub const FORMAT: &str = "eseal-root-share/1";

/// One root key in the bundle, wrapped under the bundle key (the signing
/// core's blob format, its label bound as associated data).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleKey {
    /// `root` or `sm2_root`.
    pub kind: String,
    pub label: String,
    /// SHA-256 of the key's cert (DER), hex.
    pub cert_sha256: String,
    /// The wrapped key, base64.
    pub wrapped: String,
}

impl BundleKey {
    pub fn key_ref(&self) -> Result<KeyRef, CustodyError> {
        Ok(KeyRef {
            label: self.label.clone(),
            wrapped: b64(&self.wrapped)
                .ok_or_else(|| CustodyError::Shares("the bundle's key is not base64".into()))?,
        })
    }
}

/// The offline bundle: the root keys wrapped under the key the shares give.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub keys: Vec<BundleKey>,
}

/// One custodian's file (see the module docs).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareFile {
    pub format: String,
    /// The installation's id (`meta.installation_id`).
    pub installation: String,
    /// This split's id: every file of one split carries the same.
    pub split: String,
    /// When the split was made (unix seconds).
    pub created_at: i64,
    /// M: shares needed.
    pub threshold: u8,
    /// N: shares made.
    pub shares: u8,
    /// This share's number, 1..=N.
    pub index: u8,
    /// The share (`x || y`), base64.
    pub share: String,
    /// Fingerprint of the bundle key the shares give back.
    pub key_fingerprint: String,
    pub bundle: Bundle,
    /// SHA-256 (hex) of this file with `checksum` empty.
    pub checksum: String,
}

impl std::fmt::Debug for ShareFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareFile")
            .field("installation", &self.installation)
            .field("split", &self.split)
            .field("index", &self.index)
            .field("threshold", &self.threshold)
            .field("shares", &self.shares)
            .finish_non_exhaustive()
    }
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// The file name of share `index` of `count`.
pub fn file_name(index: u8, count: u8) -> String {
    format!("root-share-{index}-of-{count}.json")
}

impl ShareFile {
    fn computed_checksum(&self) -> String {
        let mut copy = self.clone();
        copy.checksum.clear();
        // Serialising a struct of strings and integers cannot fail.
        let bytes = Zeroizing::new(serde_json::to_vec(&copy).unwrap_or_default());
        hex::encode(crate::crypto::sha256(&bytes))
    }

    /// A new file for `share`; the checksum is filled in.
    pub fn new(head: &ShareFile, share: &KeyShare) -> Self {
        let mut f = head.clone();
        f.index = share.index();
        f.share = base64::engine::general_purpose::STANDARD.encode(share.to_bytes().as_slice());
        f.checksum = f.computed_checksum();
        f
    }

    /// The text written to the custodian's file.
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(serde_json::to_string_pretty(self).unwrap_or_default() + "\n")
    }

    /// The share this file carries.
    pub fn key_share(&self) -> Result<KeyShare, CustodyError> {
        let raw = Zeroizing::new(
            b64(&self.share)
                .ok_or_else(|| CustodyError::Shares("the share is not base64".into()))?,
        );
        Ok(KeyShare::from_bytes(&raw)?)
    }

    /// Read and check one file: its format, its checksum, its numbers.
    pub fn read(path: &Path) -> Result<Self, CustodyError> {
        let bad = |message: String| CustodyError::ShareFile {
            file: path.to_path_buf(),
            message,
        };
        let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
        // A share file is about 1.5 KB; refuse to read anything much larger.
        if meta.len() > 64 * 1024 {
            return Err(bad("too large to be a root share file".into()));
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?);
        let f: ShareFile = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not an eseal root share file ({e})")))?;
        if f.format != FORMAT {
            return Err(bad(format!(
                "format {:?}, this eseal reads {FORMAT:?}",
                f.format
            )));
        }
        if f.checksum != f.computed_checksum() {
            return Err(bad(
                "damaged or edited: its checksum does not match its contents".into(),
            ));
        }
        if f.threshold < 2 || f.threshold > f.shares || f.index == 0 || f.index > f.shares {
            return Err(bad(format!(
                "share {} of a {}-of-{} split makes no sense",
                f.index, f.threshold, f.shares
            )));
        }
        Ok(f)
    }
}

/// Share files read from the command line, checked to belong together.
#[derive(Debug)]
pub struct ShareSet {
    pub files: Vec<(PathBuf, ShareFile)>,
}

impl ShareSet {
    /// Read `paths`; every file must be of installation `installation`, of
    /// the same split, and a different share; at least M of them.
    pub fn read(paths: &[PathBuf], installation: &str) -> Result<Self, CustodyError> {
        let mut files: Vec<(PathBuf, ShareFile)> = Vec::new();
        for p in paths {
            let f = ShareFile::read(p)?;
            if f.installation != installation {
                return Err(CustodyError::ShareFile {
                    file: p.clone(),
                    message: format!(
                        "belongs to installation {}, not to this one ({installation})",
                        f.installation
                    ),
                });
            }
            if let Some((first_path, first)) = files.first()
                && (first.split != f.split
                    || first.threshold != f.threshold
                    || first.shares != f.shares
                    || first.bundle != f.bundle)
            {
                return Err(CustodyError::ShareFile {
                    file: p.clone(),
                    message: format!(
                        "is from another split of the root keys (split {}, {}-of-{}) than {} (split {}, {}-of-{}): use shares of one split",
                        f.split,
                        f.threshold,
                        f.shares,
                        first_path.display(),
                        first.split,
                        first.threshold,
                        first.shares
                    ),
                });
            }
            if let Some((other, _)) = files.iter().find(|(_, g)| g.index == f.index) {
                return Err(CustodyError::ShareFile {
                    file: p.clone(),
                    message: format!(
                        "is share number {} again, as {} is: each custodian brings a different share",
                        f.index,
                        other.display()
                    ),
                });
            }
            files.push((p.clone(), f));
        }
        let Some((_, first)) = files.first() else {
            return Err(CustodyError::Shares(
                "no share given: pass each custodian's file with --share FILE".into(),
            ));
        };
        if files.len() < usize::from(first.threshold) {
            let numbers: Vec<String> = files.iter().map(|(_, f)| f.index.to_string()).collect();
            return Err(CustodyError::Shares(format!(
                "{} of the {} root shares are needed to reassemble the root keys; {} given (number {})",
                first.threshold,
                first.shares,
                files.len(),
                numbers.join(", ")
            )));
        }
        Ok(Self { files })
    }

    /// The first file (all agree on everything but the share).
    pub fn head(&self) -> &ShareFile {
        // `read` refuses an empty set.
        &self.files[0].1
    }
}
