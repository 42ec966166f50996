//! Signature verification for the algorithms other software signs PDFs with
//! (verification only: the signing core still signs with P-256 alone).
//!
//! Through ring's verification algorithms: RSA PKCS#1 v1.5 and RSASSA-PSS
//! with SHA-256/384/512 (2048-8192-bit moduli; PSS with MGF1 over the same
//! hash and a salt as long as the hash, as ring verifies it), ECDSA P-256 and
//! P-384 with SHA-256/384, Ed25519. The caller passes the *message*: ring
//! hashes it itself, which is also what CMS needs (the DER signed
//! attributes, or the content when there are none). SM2 with SM3 (GB/T
//! 32918, the default user ID) goes through RustCrypto's `sm2` ([`super::sm2`]).

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

/// A digest algorithm accepted for signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
    /// SM3 (GB/T 32905).
    Sm3,
}

impl HashAlg {
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
            HashAlg::Sm3 => "SM3",
        }
    }
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
            HashAlg::Sm3 => 32,
        }
    }
    fn ring(self) -> Option<&'static ring::digest::Algorithm> {
        match self {
            HashAlg::Sha256 => Some(&ring::digest::SHA256),
            HashAlg::Sha384 => Some(&ring::digest::SHA384),
            HashAlg::Sha512 => Some(&ring::digest::SHA512),
            HashAlg::Sm3 => None,
        }
    }
}

/// The digest of the concatenation of `parts`.
pub fn digest_parts(alg: HashAlg, parts: &[&[u8]]) -> Vec<u8> {
    let Some(ring_alg) = alg.ring() else {
        return super::sm2::sm3_parts(parts).to_vec();
    };
    let mut c = ring::digest::Context::new(ring_alg);
    for p in parts {
        c.update(p);
    }
    c.finish().as_ref().to_vec()
}

/// An elliptic curve accepted for ECDSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    /// The SM2 curve (GB/T 32918.5).
    Sm2,
}

/// A signature scheme with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlg {
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
    Ecdsa(Curve, HashAlg),
    Ed25519,
    /// SM2 with SM3 over `Z || message`, the default user ID.
    Sm2Sm3,
}

impl SignatureAlg {
    pub fn name(self) -> String {
        match self {
            SignatureAlg::RsaPkcs1(h) => format!("RSA PKCS#1 v1.5 with {}", h.name()),
            SignatureAlg::RsaPss(h) => format!("RSASSA-PSS with {}", h.name()),
            SignatureAlg::Ecdsa(c, h) => format!("ECDSA {c:?} with {}", h.name()),
            SignatureAlg::Ed25519 => "Ed25519".into(),
            SignatureAlg::Sm2Sm3 => "SM2 with SM3".into(),
        }
    }
}

/// A public key in the form its algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKey<'a> {
    /// The DER `RSAPublicKey` (PKCS#1) and the modulus size in bits.
    Rsa { der: &'a [u8], bits: usize },
    /// SEC1 uncompressed point.
    Ec { curve: Curve, point: &'a [u8] },
    /// 32 raw bytes.
    Ed25519(&'a [u8]),
}

/// Why a signature was not checked or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    #[error("{0}")]
    Unsupported(String),
    #[error("the key does not match the signature algorithm")]
    KeyMismatch,
    #[error("the signature value does not verify")]
    BadSignature,
}

/// Smallest and largest RSA moduli verified (ring's range; below 2048 bits is weak).
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

fn ring_alg(alg: SignatureAlg) -> Result<&'static dyn VerificationAlgorithm, AlgorithmError> {
    use HashAlg::*;
    Ok(match alg {
        SignatureAlg::RsaPkcs1(Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        SignatureAlg::RsaPkcs1(Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        SignatureAlg::RsaPkcs1(Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        SignatureAlg::RsaPss(Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        SignatureAlg::RsaPss(Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        SignatureAlg::RsaPss(Sha512) => &signature::RSA_PSS_2048_8192_SHA512,
        SignatureAlg::Ecdsa(Curve::P256, Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
        SignatureAlg::Ecdsa(Curve::P256, Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
        SignatureAlg::Ecdsa(Curve::P384, Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
        SignatureAlg::Ecdsa(Curve::P384, Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
        SignatureAlg::Ecdsa(Curve::Sm2, _) | SignatureAlg::Ecdsa(_, Sm3) | SignatureAlg::Sm2Sm3 => {
            return Err(AlgorithmError::Unsupported(format!(
                "{} (SM2 signs only with SM3, as sm2-with-sm3)",
                alg.name()
            )));
        }
        SignatureAlg::RsaPkcs1(Sm3) | SignatureAlg::RsaPss(Sm3) => {
            return Err(AlgorithmError::Unsupported(format!(
                "{} (RSA with SM3 is not verified here)",
                alg.name()
            )));
        }
        SignatureAlg::Ecdsa(_, Sha512) => {
            return Err(AlgorithmError::Unsupported(format!(
                "{} (no well-kept verifier for ECDSA with SHA-512 here)",
                alg.name()
            )));
        }
        SignatureAlg::Ed25519 => &signature::ED25519,
    })
}

/// Verify `sig` over `message` with `key` under `alg`.
pub fn verify_signature(
    alg: SignatureAlg,
    key: PublicKey<'_>,
    message: &[u8],
    sig: &[u8],
) -> Result<(), AlgorithmError> {
    let raw = match (alg, key) {
        (SignatureAlg::RsaPkcs1(_) | SignatureAlg::RsaPss(_), PublicKey::Rsa { der, bits }) => {
            if !RSA_BITS.contains(&bits) {
                return Err(AlgorithmError::Unsupported(format!(
                    "RSA key of {bits} bits (accepted: 2048 to 8192)"
                )));
            }
            der
        }
        (SignatureAlg::Ecdsa(c, _), PublicKey::Ec { curve, point }) if c == curve => point,
        (SignatureAlg::Ed25519, PublicKey::Ed25519(k)) => k,
        (
            SignatureAlg::Sm2Sm3,
            PublicKey::Ec {
                curve: Curve::Sm2,
                point,
            },
        ) => {
            return if super::sm2::verify_sm2(point, message, sig) {
                Ok(())
            } else {
                Err(AlgorithmError::BadSignature)
            };
        }
        _ => return Err(AlgorithmError::KeyMismatch),
    };
    UnparsedPublicKey::new(ring_alg(alg)?, raw)
        .verify(message, sig)
        .map_err(|_| AlgorithmError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};

    #[test]
    fn p384_and_ed25519_verify_and_fail_when_altered() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng).unwrap();
        let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let sig = kp.sign(&rng, b"message").unwrap();
        let key = PublicKey::Ec {
            curve: Curve::P384,
            point: kp.public_key().as_ref(),
        };
        let alg = SignatureAlg::Ecdsa(Curve::P384, HashAlg::Sha384);
        assert_eq!(verify_signature(alg, key, b"message", sig.as_ref()), Ok(()));
        assert_eq!(
            verify_signature(alg, key, b"messagE", sig.as_ref()),
            Err(AlgorithmError::BadSignature)
        );
        let p256 = SignatureAlg::Ecdsa(Curve::P256, HashAlg::Sha384);
        assert_eq!(
            verify_signature(p256, key, b"message", sig.as_ref()),
            Err(AlgorithmError::KeyMismatch)
        );

        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let kp = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let sig = kp.sign(b"message");
        let key = PublicKey::Ed25519(kp.public_key().as_ref());
        assert!(verify_signature(SignatureAlg::Ed25519, key, b"message", sig.as_ref()).is_ok());
        assert!(verify_signature(SignatureAlg::Ed25519, key, b"other", sig.as_ref()).is_err());
    }

    #[test]
    fn small_rsa_keys_and_ecdsa_sha512_are_refused_by_name() {
        let key = PublicKey::Rsa {
            der: &[0x30, 0],
            bits: 1024,
        };
        let e = verify_signature(SignatureAlg::RsaPkcs1(HashAlg::Sha256), key, b"m", b"s");
        assert!(matches!(e, Err(AlgorithmError::Unsupported(w)) if w.contains("1024 bits")));
        let key = PublicKey::Ec {
            curve: Curve::P256,
            point: &[4; 65],
        };
        let e = verify_signature(
            SignatureAlg::Ecdsa(Curve::P256, HashAlg::Sha512),
            key,
            b"m",
            b"s",
        );
        assert!(matches!(e, Err(AlgorithmError::Unsupported(w)) if w.contains("SHA-512")));
    }

    #[test]
    fn digests_of_parts() {
        assert_eq!(
            digest_parts(HashAlg::Sha256, &[b"a", b"bc"]),
            crate::crypto::sha256(b"abc").to_vec()
        );
        assert_eq!(digest_parts(HashAlg::Sha384, &[b"abc"]).len(), 48);
        assert_eq!(digest_parts(HashAlg::Sha512, &[b""]).len(), 64);
    }
}
