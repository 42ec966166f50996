//! The root keys going offline (split into custodians' files) and coming
//! back for a ceremony (reassembled in memory from M of them).

use base64::Engine;

use super::share_file::{Bundle, BundleKey, ShareFile, ShareSet};
use super::{CustodyError, Threshold};
use crate::crypto::{FileKeystore, KeyRef, MasterKey, Signer};
use crate::pki::{CaKind, CaMaterial, CertInfo};

fn cert_sha256(der: &[u8]) -> String {
    hex::encode(crate::crypto::sha256(der))
}

/// Wrap `roots` (keys in `online`) under a new bundle key and split that
/// key `threshold`: one file per custodian, in share order. The bundle
/// key exists only during this call.
pub fn split_roots(
    online: &FileKeystore,
    roots: &[&CaMaterial],
    installation: &str,
    threshold: Threshold,
    now: i64,
) -> Result<Vec<ShareFile>, CustodyError> {
    let bundle_key = MasterKey::generate()?;
    let bundle_store = FileKeystore::new(&bundle_key)?;
    let mut keys = Vec::new();
    for m in roots {
        let wrapped = online.rewrap(&m.key, &bundle_store)?;
        keys.push(BundleKey {
            kind: m.kind.as_str().into(),
            label: wrapped.label,
            cert_sha256: cert_sha256(&m.cert_der),
            wrapped: base64::engine::general_purpose::STANDARD.encode(&wrapped.wrapped),
        });
    }
    let head = ShareFile {
        format: super::share_file::FORMAT.into(),
        installation: installation.into(),
        split: hex::encode(crate::crypto::random_bytes(8)?),
        created_at: now,
        threshold: threshold.needed,
        shares: threshold.made,
        index: 0,
        share: String::new(),
        key_fingerprint: bundle_key.fingerprint(),
        bundle: Bundle { keys },
        checksum: String::new(),
    };
    Ok(bundle_key
        .split(threshold.needed, threshold.made)?
        .iter()
        .map(|s| ShareFile::new(&head, s))
        .collect())
}

/// The root keys reassembled for one ceremony. Only the bundle key's AES
/// schedule and the wrapped blobs are held; each signature decrypts its
/// key into a zeroizing buffer for that call, as the online keystore does.
/// Dropped at the end of the ceremony.
pub struct OfflineRoot {
    keystore: FileKeystore,
    keys: Vec<(CaKind, KeyRef)>,
    /// The share numbers that met.
    pub numbers: Vec<u8>,
}

impl std::fmt::Debug for OfflineRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineRoot")
            .field("numbers", &self.numbers)
            .finish_non_exhaustive()
    }
}

impl OfflineRoot {
    /// Combine the shares of `set` and open the bundle; each root key must
    /// be the key of its cert in `certs` (the installation's root certs).
    pub fn assemble(set: &ShareSet, certs: &[&CaMaterial]) -> Result<Self, CustodyError> {
        let head = set.head();
        let shares = set
            .files
            .iter()
            .map(|(_, f)| f.key_share())
            .collect::<Result<Vec<_>, _>>()?;
        let key = MasterKey::combine(head.threshold, &shares)?;
        if key.fingerprint() != head.key_fingerprint {
            return Err(CustodyError::Shares(
                "these shares do not give the bundle key back: one of them is damaged".into(),
            ));
        }
        let keystore = FileKeystore::new(&key)?;
        drop(key);
        let mut keys = Vec::new();
        for cert in certs {
            let entry = head
                .bundle
                .keys
                .iter()
                .find(|k| k.kind == cert.kind.as_str())
                .ok_or_else(|| {
                    CustodyError::Shares(format!("the bundle holds no {} key", cert.kind.as_str()))
                })?;
            if entry.cert_sha256 != cert_sha256(&cert.cert_der) {
                return Err(CustodyError::Shares(format!(
                    "the bundle's {} key is for another cert than this installation's",
                    cert.kind.as_str()
                )));
            }
            let key = entry.key_ref()?;
            if keystore.public_key(&key)? != CertInfo::parse(&cert.cert_der)?.public_key {
                return Err(CustodyError::Shares(format!(
                    "the bundle's {} key does not match its cert",
                    cert.kind.as_str()
                )));
            }
            keys.push((cert.kind, key));
        }
        Ok(Self {
            keystore,
            keys,
            numbers: set.files.iter().map(|(_, f)| f.index).collect(),
        })
    }

    /// Signs with the reassembled keys.
    pub fn signer(&self) -> &dyn Signer {
        &self.keystore
    }

    /// `online` (a root's cert with its empty key) with its key back.
    pub fn material(&self, online: &CaMaterial) -> Result<CaMaterial, CustodyError> {
        let key = self
            .keys
            .iter()
            .find(|(k, _)| *k == online.kind)
            .map(|(_, key)| key.clone())
            .ok_or_else(|| {
                CustodyError::Shares(format!("no {} key reassembled", online.kind.as_str()))
            })?;
        Ok(CaMaterial {
            key,
            ..online.clone()
        })
    }
}
