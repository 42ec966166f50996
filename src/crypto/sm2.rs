//! SM2 (GB/T 32918) signing and verification and SM3 (GB/T 32905) hashing,
//! through RustCrypto's `sm2`/`sm3`. The rest of the code reaches SM2 private
//! keys only through [`super::Signer`]; this file is where the `sm2` crate is
//! named, as `keystore.rs` is for ring.
//!
//! Signatures are SM2 with SM3 over `Z || M` (GM/T 0009: `Z` hashes the
//! signer's ID and public key), with the default user ID
//! [`SM2_DEFAULT_ID`], encoded as DER `ECDSA-Sig-Value` (what GB/T 20518
//! certs, GB/T 38540 seals and real samples carry).

use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::pkcs8::EncodePrivateKey;
use sm3::Digest;
use zeroize::Zeroizing;

use super::CryptoError;

/// The default SM2 user ID of GM/T 0009-2012 (`1234567812345678`).
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    sm3::Sm3::digest(data).into()
}

/// SM3 of the concatenation of `parts`.
pub fn sm3_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = sm3::Sm3::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Verify an SM2-with-SM3 DER signature over `message` with a SEC1 public
/// key, using the default user ID.
pub fn verify_sm2(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(vk) = VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, public_key) else {
        return false;
    };
    let Ok(sig) = Signature::from_der(signature) else {
        return false;
    };
    vk.verify(message, &sig).is_ok()
}

/// A new SM2 private key as PKCS#8 (zeroized on drop) and its SEC1 public key.
pub(super) fn generate() -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), CryptoError> {
    // A uniformly random 256-bit string is a valid scalar except with
    // probability ~2^-32 (>= n or zero); draw again then.
    for _ in 0..8 {
        let bytes = Zeroizing::new(super::random_bytes(32)?);
        let Ok(secret) = sm2::SecretKey::from_slice(&bytes) else {
            continue;
        };
        let doc = secret.to_pkcs8_der().map_err(|_| CryptoError::Rng)?;
        let public = secret.public_key();
        let vk = VerifyingKey::new(SM2_DEFAULT_ID, public).map_err(|_| CryptoError::Rng)?;
        return Ok((
            Zeroizing::new(doc.as_bytes().to_vec()),
            vk.to_sec1_bytes().to_vec(),
        ));
    }
    Err(CryptoError::Rng)
}

/// An SM2 key from its PKCS#8, or `None` if the document is not an SM2 key.
pub(super) struct Sm2Key(SigningKey);

impl Sm2Key {
    /// The key of a PKCS#8 document on the SM2 curve. The private scalar
    /// is taken as it is: the public key the document may carry is not
    /// recomputed to be compared (`SecretKey::from_pkcs8_der` does, which
    /// doubled the cost of every SM2 signature), because the document
    /// comes from the keystore's authenticated encryption, which no one
    /// but the signing core could have written.
    pub(super) fn from_pkcs8(pkcs8: &[u8]) -> Option<Self> {
        use sec1::der::Decode as _;
        use sm2::elliptic_curve::ALGORITHM_OID;
        use sm2::pkcs8::AssociatedOid as _;
        let curve = sm2::Sm2::OID;
        let info = sm2::pkcs8::PrivateKeyInfoRef::try_from(pkcs8).ok()?;
        info.algorithm.assert_oids(ALGORITHM_OID, curve).ok()?;
        let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).ok()?;
        if ec
            .parameters
            .is_some_and(|p| p != sec1::EcParameters::NamedCurve(curve))
        {
            return None;
        }
        let secret = sm2::SecretKey::from_slice(ec.private_key).ok()?;
        SigningKey::new(SM2_DEFAULT_ID, &secret).ok().map(Self)
    }

    pub(super) fn public_key(&self) -> Vec<u8> {
        self.0.verifying_key().to_sec1_bytes().to_vec()
    }

    pub(super) fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        let sig: Signature = self.0.try_sign(message).ok()?;
        Some(sig.to_der().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_known_answer() {
        // GB/T 32905-2016 Appendix A, example 1.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sign_verify_and_der_shape() {
        let (pkcs8, public) = generate().unwrap();
        assert_eq!(public.len(), 65);
        let k = Sm2Key::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(k.public_key(), public);
        let sig = k.sign(b"seal").unwrap();
        assert_eq!(sig[0], 0x30, "DER SEQUENCE");
        assert!((8..=72).contains(&sig.len()));
        assert!(verify_sm2(&public, b"seal", &sig));
        assert!(!verify_sm2(&public, b"seaL", &sig));
    }
}
