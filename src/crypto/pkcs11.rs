//! The PKCS#11 keystore: ECDSA P-256 keys generated on a token (an HSM, or
//! SoftHSM2 in tests) and used there, through the `cryptoki` crate.
//!
//! A key is made on the token with `CKA_TOKEN`, `CKA_PRIVATE`,
//! `CKA_SENSITIVE` and `CKA_EXTRACTABLE = false`, so its private half never
//! leaves it; the token itself then reports `CKA_NEVER_EXTRACTABLE` and
//! `CKA_LOCAL`. What eseal stores is a [`KeyRef`] whose `wrapped` is a
//! *token reference* (a tag byte and the key's random `CKA_ID`), not key
//! material: the key is found by its label and that id, so an orphan left on
//! the token by a crash with the same label (a rerun of provisioning) is
//! never taken for it.
//!
//! Signing is `CKM_ECDSA` over the SHA-256 digest computed here (every
//! token has it; `CKM_ECDSA_SHA256` is not universal); the token answers
//! the raw `r || s`, turned into the DER `Ecdsa-Sig-Value` the rest of the
//! code carries.
//!
//! Sessions: a PKCS#11 session is one thread's at a time (`Session` is not
//! `Sync`), so the keystore keeps a small pool of open sessions (at most
//! [`MAX_SESSIONS`]); a signing call takes one, uses it and puts it back,
//! waiting on a condition variable when all are busy. Callers sign on the
//! CPU pool (`crate::cpu_pool`), never on an async thread. The login is the
//! application's, shared by its sessions (PKCS#11 §5.6), done once.
//!
//! A module is loaded and `C_Initialize`d once per process and kept (a
//! second `C_Initialize`, or a `C_Finalize` when one keystore is dropped,
//! would break every other user of the module in the process).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use super::{CryptoError, GeneratedKey, KeyAlgorithm, KeyRef, Signer, sha256};

/// At most this many sessions are open at once (two cores sign at a time;
/// a few more let generation and signing overlap).
pub const MAX_SESSIONS: usize = 4;

/// The first byte of a token reference; a file keystore blob starts with
/// its version byte (1), so the two never look alike.
const TOKEN_REF_TAG: u8 = 0x50;
const ID_LEN: usize = 16;
/// DER of the OID prime256v1 (1.2.840.10045.3.1.7), the curve's `CKA_EC_PARAMS`.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Whether `key` names a key on a token (rather than a wrapped blob).
pub fn is_token_ref(key: &KeyRef) -> bool {
    key.wrapped.len() == 1 + ID_LEN && key.wrapped[0] == TOKEN_REF_TAG
}

/// What it takes to reach a token: its module, its label, the user PIN.
pub struct TokenConfig {
    pub module: PathBuf,
    pub token_label: String,
    pub pin: Zeroizing<String>,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin", &"<redacted>")
            .finish()
    }
}

/// Seal keys on a PKCS#11 token; see the module docs.
pub struct Pkcs11Keystore {
    ctx: Pkcs11,
    slot: Slot,
    token_label: String,
    /// Open sessions not in use, and how many are open in all.
    pool: Mutex<(Vec<Session>, usize)>,
    returned: Condvar,
    /// Private-key handles by label: valid in every session of the
    /// application while the object exists (PKCS#11 §2.5).
    handles: Mutex<HashMap<String, ObjectHandle>>,
}

impl std::fmt::Debug for Pkcs11Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Keystore")
            .field("token_label", &self.token_label)
            .finish_non_exhaustive()
    }
}

fn token_err(what: &str, e: impl std::fmt::Display) -> CryptoError {
    CryptoError::Token(format!("{what}: {e}"))
}

/// The module at `path`, loaded and initialised once per process.
fn module(path: &Path) -> Result<Pkcs11, CryptoError> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| CryptoError::Token("module table poisoned".into()))?;
    if let Some(m) = modules.get(path) {
        return Ok(m.clone());
    }
    let ctx = Pkcs11::new(path)
        .map_err(|e| token_err(&format!("cannot load PKCS#11 module {}", path.display()), e))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(token_err(&format!("C_Initialize of {}", path.display()), e)),
    }
    modules.insert(path.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// Run `f` again, a few times, while it fails with `CKR_GENERAL_ERROR`.
/// SoftHSM2's file token is read and rewritten by every process using it,
/// and a read that meets another process's write fails so (SoftHSMv2 issue
/// 757: "Token integrity check failed"); the next read succeeds.
fn retrying<T>(mut f: impl FnMut() -> Result<T, P11Error>) -> Result<T, P11Error> {
    let mut attempt = 0;
    loop {
        match f() {
            Err(P11Error::Pkcs11(RvError::GeneralError, _)) if attempt < 5 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * attempt));
            }
            other => return other,
        }
    }
}

impl Pkcs11Keystore {
    /// Open the token labelled `config.token_label` and log in as its user.
    pub fn open(config: &TokenConfig) -> Result<Self, CryptoError> {
        let ctx = module(&config.module)?;
        let slots = retrying(|| ctx.get_slots_with_initialized_token())
            .map_err(|e| token_err("listing slots", e))?;
        let mut found = None;
        for slot in slots {
            let info = retrying(|| ctx.get_token_info(slot))
                .map_err(|e| token_err("reading token info", e))?;
            if info.label().trim_end() == config.token_label {
                found = Some(slot);
                break;
            }
        }
        let slot = found.ok_or_else(|| {
            CryptoError::Token(format!(
                "no initialised token labelled {:?} in {}",
                config.token_label,
                config.module.display()
            ))
        })?;
        let session = retrying(|| ctx.open_rw_session(slot))
            .map_err(|e| token_err("opening a session", e))?;
        let pin = AuthPin::new(config.pin.as_str().into());
        match retrying(|| session.login(UserType::User, Some(&pin))) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(P11Error::Pkcs11(RvError::PinIncorrect, _)) => {
                return Err(CryptoError::Token(format!(
                    "token {:?}: the PIN is wrong",
                    config.token_label
                )));
            }
            Err(e) => return Err(token_err(&format!("login to {:?}", config.token_label), e)),
        }
        Ok(Self {
            ctx,
            slot,
            token_label: config.token_label.clone(),
            pool: Mutex::new((vec![session], 1)),
            returned: Condvar::new(),
            handles: Mutex::new(HashMap::new()),
        })
    }

    /// The token's label.
    pub fn token_label(&self) -> &str {
        &self.token_label
    }

    /// Run `f` with a session of the pool: an idle one, a new one while
    /// fewer than [`MAX_SESSIONS`] are open, else the next one returned.
    fn with_session<T>(
        &self,
        f: impl FnOnce(&Session) -> Result<T, CryptoError>,
    ) -> Result<T, CryptoError> {
        let poisoned = || CryptoError::Token("session pool poisoned".into());
        let session = {
            let mut pool = self.pool.lock().map_err(|_| poisoned())?;
            loop {
                if let Some(s) = pool.0.pop() {
                    break s;
                }
                if pool.1 < MAX_SESSIONS {
                    let s = retrying(|| self.ctx.open_rw_session(self.slot))
                        .map_err(|e| token_err("opening a session", e))?;
                    pool.1 += 1;
                    break s;
                }
                pool = self.returned.wait(pool).map_err(|_| poisoned())?;
            }
        };
        let out = f(&session);
        if let Ok(mut pool) = self.pool.lock() {
            pool.0.push(session);
        }
        self.returned.notify_one();
        out
    }

    fn id_of(key: &KeyRef) -> Result<&[u8], CryptoError> {
        if is_token_ref(key) {
            Ok(&key.wrapped[1..])
        } else {
            Err(CryptoError::BadKey {
                label: key.label.clone(),
            })
        }
    }

    fn find(
        session: &Session,
        key: &KeyRef,
        class: ObjectClass,
    ) -> Result<ObjectHandle, CryptoError> {
        let template = [
            Attribute::Class(class),
            Attribute::Label(key.label.as_bytes().to_vec()),
            Attribute::Id(Self::id_of(key)?.to_vec()),
        ];
        let found = retrying(|| session.find_objects(&template))
            .map_err(|e| token_err(&format!("finding key {}", key.label), e))?;
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(CryptoError::Token(format!(
                "key {} is not on the token",
                key.label
            ))),
            _ => Err(CryptoError::Token(format!(
                "key {} is on the token more than once",
                key.label
            ))),
        }
    }

    fn private_handle(&self, session: &Session, key: &KeyRef) -> Result<ObjectHandle, CryptoError> {
        if let Some(h) = self
            .handles
            .lock()
            .ok()
            .and_then(|m| m.get(&key.label).copied())
        {
            return Ok(h);
        }
        let h = Self::find(session, key, ObjectClass::PRIVATE_KEY)?;
        if let Ok(mut m) = self.handles.lock() {
            m.insert(key.label.clone(), h);
        }
        Ok(h)
    }

    fn sign_digest(&self, key: &KeyRef, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.with_session(|session| {
            let mut handle = self.private_handle(session, key)?;
            let mut raw = retrying(|| session.sign(&Mechanism::Ecdsa, handle, digest));
            if let Err(P11Error::Pkcs11(
                RvError::KeyHandleInvalid | RvError::ObjectHandleInvalid,
                _,
            )) = raw
            {
                // The object was replaced since its handle was cached.
                if let Ok(mut m) = self.handles.lock() {
                    m.remove(&key.label);
                }
                handle = self.private_handle(session, key)?;
                raw = retrying(|| session.sign(&Mechanism::Ecdsa, handle, digest));
            }
            let raw = raw.map_err(|e| token_err(&format!("signing with key {}", key.label), e))?;
            raw_to_der(&raw).ok_or_else(|| CryptoError::Sign {
                label: key.label.clone(),
            })
        })
    }

    /// Remove `key` from the token (its seal cert was revoked or replaced).
    /// A key already gone is not an error.
    pub fn destroy_key(&self, key: &KeyRef) -> Result<(), CryptoError> {
        self.with_session(|session| {
            for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
                match Self::find(session, key, class) {
                    Ok(h) => session
                        .destroy_object(h)
                        .map_err(|e| token_err(&format!("destroying key {}", key.label), e))?,
                    Err(CryptoError::Token(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if let Ok(mut m) = self.handles.lock() {
                m.remove(&key.label);
            }
            Ok(())
        })
    }
}

/// The SEC1 point of the public key object `h`.
fn read_point(session: &Session, h: ObjectHandle, label: &str) -> Result<Vec<u8>, CryptoError> {
    session
        .get_attributes(h, &[AttributeType::EcPoint])
        .map_err(|e| token_err(&format!("reading key {label}"), e))?
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(v) => ec_point(&v),
            _ => None,
        })
        .ok_or_else(|| CryptoError::BadKey {
            label: label.into(),
        })
}

/// `CKA_EC_POINT` is a DER OCTET STRING holding the SEC1 point (PKCS#11
/// 2.40 §2.3.3); some modules answer the bare point. Either way: 65 bytes.
fn ec_point(value: &[u8]) -> Option<Vec<u8>> {
    match value {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 && rest[0] == 0x04 => Some(rest.to_vec()),
        [0x04, ..] if value.len() == 65 => Some(value.to_vec()),
        _ => None,
    }
}

/// The DER `Ecdsa-Sig-Value` of a raw P-256 `r || s` (32 bytes each).
fn raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    use der::Encode;
    #[derive(der::Sequence)]
    struct EcdsaSig<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    if raw.len() != 64 {
        return None;
    }
    let sig = EcdsaSig {
        r: der::asn1::UintRef::new(&raw[..32]).ok()?,
        s: der::asn1::UintRef::new(&raw[32..]).ok()?,
    };
    sig.to_der().ok()
}

impl Signer for Pkcs11Keystore {
    fn generate_key(
        &self,
        label: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<GeneratedKey, CryptoError> {
        if algorithm != KeyAlgorithm::EcdsaP256 {
            return Err(CryptoError::Token(format!(
                "key {label}: this keystore makes ECDSA P-256 keys only"
            )));
        }
        let id = super::random_bytes(ID_LEN)?;
        let common = |private: bool| {
            vec![
                Attribute::Token(true),
                Attribute::Private(private),
                Attribute::KeyType(KeyType::EC),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ]
        };
        let mut public = common(false);
        public.extend([
            Attribute::Verify(true),
            Attribute::EcParams(P256_PARAMS.to_vec()),
        ]);
        let mut private = common(true);
        private.extend([
            Attribute::Sign(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ]);
        let (public_handle, _) = self.with_session(|session| {
            retrying(|| session.generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private))
                .map_err(|e| token_err(&format!("generating key {label}"), e))
        })?;
        let public_key = self.with_session(|session| read_point(session, public_handle, label))?;
        let mut wrapped = vec![TOKEN_REF_TAG];
        wrapped.extend_from_slice(&id);
        Ok(GeneratedKey {
            key: KeyRef {
                label: label.into(),
                wrapped,
            },
            public_key,
        })
    }

    fn sign(&self, key: &KeyRef, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.sign_digest(key, &sha256(message))
    }

    fn destroy(&self, key: &KeyRef) -> Result<(), CryptoError> {
        self.destroy_key(key)
    }

    fn public_key(&self, key: &KeyRef) -> Result<Vec<u8>, CryptoError> {
        self.with_session(|session| {
            let h = Self::find(session, key, ObjectClass::PUBLIC_KEY)?;
            read_point(session, h, &key.label)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_signatures_become_der_with_minimal_integers() {
        let mut raw = [0u8; 64];
        raw[0] = 0x80; // r needs a leading zero byte
        raw[63] = 1; // s is 1
        let der = raw_to_der(&raw).unwrap();
        assert_eq!(&der[..5], &[0x30, 0x26, 0x02, 0x21, 0x00]);
        assert_eq!(&der[der.len() - 3..], &[0x02, 0x01, 0x01]);
        assert!(raw_to_der(&raw[..63]).is_none());
    }

    #[test]
    fn ec_points_are_taken_wrapped_or_bare() {
        let mut bare = vec![0x04];
        bare.extend([7u8; 64]);
        let mut wrapped = vec![0x04, 0x41];
        wrapped.extend(&bare);
        assert_eq!(ec_point(&bare).unwrap(), bare);
        assert_eq!(ec_point(&wrapped).unwrap(), bare);
        assert!(ec_point(&bare[..64]).is_none());
    }

    #[test]
    fn token_references_are_not_blobs() {
        let r = KeyRef {
            label: "seal:A#1".into(),
            wrapped: [&[TOKEN_REF_TAG][..], &[9u8; ID_LEN]].concat(),
        };
        assert!(is_token_ref(&r));
        let blob = KeyRef {
            label: "seal:A#1".into(),
            wrapped: vec![1u8; 1 + ID_LEN],
        };
        assert!(!is_token_ref(&blob));
    }
}
