//! From CMS and X.509 algorithm identifiers and SubjectPublicKeyInfo to the
//! verification algorithms of [`crate::crypto`]: which digest, which
//! signature scheme, which key. SHA-1 and MD5 are refused as weak by name;
//! anything else not listed is "unsupported" by name.

use super::asn1::{self, Reader, Tlv};
use super::{CmsError, oids};
use crate::crypto::{Curve, HashAlg, PublicKey, SignatureAlg};

/// A digest algorithm by OID content.
pub fn hash_alg(oid: &[u8]) -> Result<HashAlg, CmsError> {
    match oid {
        o if o == oids::SHA256.as_bytes() => Ok(HashAlg::Sha256),
        o if o == oids::SHA384.as_bytes() => Ok(HashAlg::Sha384),
        o if o == oids::SHA512.as_bytes() => Ok(HashAlg::Sha512),
        o if o == oids::SM3.as_bytes() => Ok(HashAlg::Sm3),
        o if o == oids::SHA1.as_bytes() => Err(CmsError::Weak("SHA-1")),
        o if o == oids::MD5.as_bytes() => Err(CmsError::Weak("MD5")),
        _ => Err(CmsError::Unsupported("digest algorithm".into())),
    }
}

/// The signature scheme of an AlgorithmIdentifier (OID content and its
/// parameters, if any). `digest` is the signer's digest algorithm, used when
/// the identifier names only the key type (rsaEncryption, id-ecPublicKey).
/// The curve comes from the key.
pub fn signature_alg(
    oid: &[u8],
    params: Option<Tlv<'_>>,
    digest: Option<HashAlg>,
    key: &PublicKey<'_>,
) -> Result<SignatureAlg, CmsError> {
    let need_digest = || {
        digest.ok_or(CmsError::Unsupported(
            "signature algorithm without a digest".into(),
        ))
    };
    let curve = match key {
        PublicKey::Ec { curve, .. } => Some(*curve),
        _ => None,
    };
    let ecdsa = |h: HashAlg| {
        if curve == Some(Curve::Sm2) {
            return if h == HashAlg::Sm3 {
                Ok(SignatureAlg::Sm2Sm3)
            } else {
                Err(CmsError::Unsupported(format!("SM2 with {}", h.name())))
            };
        }
        curve
            .map(|c| SignatureAlg::Ecdsa(c, h))
            .ok_or(CmsError::Unsupported(
                "ECDSA signature with a non-EC key".into(),
            ))
    };
    let o = |x: &const_oid::ObjectIdentifier| oid == x.as_bytes();
    if o(&oids::RSA_ENCRYPTION) {
        Ok(SignatureAlg::RsaPkcs1(need_digest()?))
    } else if o(&oids::SHA256_WITH_RSA) {
        Ok(SignatureAlg::RsaPkcs1(HashAlg::Sha256))
    } else if o(&oids::SHA384_WITH_RSA) {
        Ok(SignatureAlg::RsaPkcs1(HashAlg::Sha384))
    } else if o(&oids::SHA512_WITH_RSA) {
        Ok(SignatureAlg::RsaPkcs1(HashAlg::Sha512))
    } else if o(&oids::RSASSA_PSS) {
        Ok(SignatureAlg::RsaPss(pss_params(params)?))
    } else if o(&oids::EC_PUBLIC_KEY) {
        ecdsa(need_digest()?)
    } else if o(&oids::ECDSA_SHA256) {
        ecdsa(HashAlg::Sha256)
    } else if o(&oids::ECDSA_SHA384) {
        ecdsa(HashAlg::Sha384)
    } else if o(&oids::ECDSA_SHA512) {
        ecdsa(HashAlg::Sha512)
    } else if o(&oids::ED25519) {
        Ok(SignatureAlg::Ed25519)
    } else if o(&oids::SM2_WITH_SM3) || o(&oids::SM2_SIGN) {
        match curve {
            Some(Curve::Sm2) => Ok(SignatureAlg::Sm2Sm3),
            _ => Err(CmsError::Unsupported(
                "sm2-with-sm3 with a key not on the SM2 curve".into(),
            )),
        }
    } else if o(&oids::SHA1_WITH_RSA) || o(&oids::ECDSA_SHA1) {
        Err(CmsError::Weak("SHA-1"))
    } else if o(&oids::MD5_WITH_RSA) {
        Err(CmsError::Weak("MD5"))
    } else {
        Err(CmsError::Unsupported("signature algorithm".into()))
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1): the hash, MGF1 over the same hash and a
/// salt as long as the hash (the profile RFC 4055 recommends and ring verifies).
fn pss_params(params: Option<Tlv<'_>>) -> Result<HashAlg, CmsError> {
    let p = params.ok_or(CmsError::Unsupported(
        "RSASSA-PSS without parameters (SHA-1 defaults)".into(),
    ))?;
    let mut r = Reader::new(p.content);
    let mut hash = None;
    let mut mgf_hash = None;
    let mut salt = 20u64;
    while !r.is_empty() {
        let t = r.next_tlv()?;
        let inner = || Reader::new(t.content).next_tlv();
        match t.tag {
            0xa0 => hash = Some(alg_oid(inner()?)?),
            0xa1 => {
                let mgf = inner()?;
                let mut mr = Reader::new(mgf.content);
                if mr.expect(asn1::OID, "MGF OID")?.content != oids::MGF1.as_bytes() {
                    return Err(CmsError::Unsupported(
                        "RSASSA-PSS mask generation other than MGF1".into(),
                    ));
                }
                mgf_hash = Some(alg_oid(mr.expect(asn1::SEQUENCE, "MGF1 hash")?)?);
            }
            0xa2 => {
                let s = inner()?;
                if s.tag != asn1::INTEGER || s.content.len() > 4 {
                    return Err(CmsError::Malformed("RSASSA-PSS salt length"));
                }
                salt = s.content.iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
            }
            0xa3 => {} // trailerField: 1 is the only value in use
            _ => return Err(CmsError::Malformed("RSASSA-PSS-params")),
        }
    }
    let hash = hash_alg(hash.ok_or(CmsError::Weak("SHA-1 (RSASSA-PSS default)"))?)?;
    let mgf = hash_alg(mgf_hash.ok_or(CmsError::Weak("SHA-1 (MGF1 default)"))?)?;
    if mgf != hash || salt != hash.output_len() as u64 {
        return Err(CmsError::Unsupported(format!(
            "RSASSA-PSS with MGF1 {} and a {salt}-byte salt over {} (verified: MGF1 and salt matching the hash)",
            mgf.name(),
            hash.name()
        )));
    }
    Ok(hash)
}

fn alg_oid(t: Tlv<'_>) -> Result<&[u8], CmsError> {
    Ok(Reader::new(t.content)
        .expect(asn1::OID, "AlgorithmIdentifier")?
        .content)
}

/// The key of a DER SubjectPublicKeyInfo.
pub fn public_key(spki: &[u8]) -> Result<PublicKey<'_>, CmsError> {
    let t = asn1::single(spki)?;
    let mut r = Reader::new(t.content);
    let alg = r.expect(asn1::SEQUENCE, "SPKI algorithm")?;
    let mut ar = Reader::new(alg.content);
    let oid = ar.expect(asn1::OID, "SPKI algorithm OID")?.content;
    let param = ar.optional(asn1::OID)?.map(|t| t.content);
    let bits = r.expect(asn1::BIT_STRING, "SPKI key")?.content;
    let key = match bits.split_first() {
        Some((0, k)) => k,
        _ => return Err(CmsError::Malformed("SPKI key bit string")),
    };
    let o = |x: &const_oid::ObjectIdentifier| oid == x.as_bytes();
    if o(&oids::EC_PUBLIC_KEY) {
        let curve = match param {
            Some(c) if c == oids::P256.as_bytes() => Curve::P256,
            Some(c) if c == oids::P384.as_bytes() => Curve::P384,
            Some(c) if c == oids::SM2_CURVE.as_bytes() => Curve::Sm2,
            Some(c) if c == oids::P521.as_bytes() => {
                return Err(CmsError::Unsupported(
                    "ECDSA P-521 (no well-kept verifier in use here)".into(),
                ));
            }
            _ => return Err(CmsError::Unsupported("elliptic curve".into())),
        };
        Ok(PublicKey::Ec { curve, point: key })
    } else if o(&oids::RSA_ENCRYPTION) || o(&oids::RSASSA_PSS) {
        let seq = asn1::single(key)?;
        let n = Reader::new(seq.content).expect(asn1::INTEGER, "RSA modulus")?;
        let m = n.content;
        let m = &m[m.iter().take_while(|&&b| b == 0).count()..];
        let bits = match m.first() {
            Some(&b) => m.len() * 8 - b.leading_zeros() as usize,
            None => 0,
        };
        Ok(PublicKey::Rsa { der: key, bits })
    } else if o(&oids::ED25519) {
        if key.len() != 32 {
            return Err(CmsError::Malformed("Ed25519 key length"));
        }
        Ok(PublicKey::Ed25519(key))
    } else {
        Err(CmsError::Unsupported("public key algorithm".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_digests_are_named() {
        assert_eq!(
            hash_alg(oids::SHA1.as_bytes()),
            Err(CmsError::Weak("SHA-1"))
        );
        assert_eq!(hash_alg(oids::MD5.as_bytes()), Err(CmsError::Weak("MD5")));
        assert_eq!(hash_alg(oids::SHA384.as_bytes()), Ok(HashAlg::Sha384));
        let k = PublicKey::Rsa {
            der: &[],
            bits: 2048,
        };
        assert_eq!(
            signature_alg(oids::SHA1_WITH_RSA.as_bytes(), None, None, &k),
            Err(CmsError::Weak("SHA-1"))
        );
        assert_eq!(
            signature_alg(
                oids::RSA_ENCRYPTION.as_bytes(),
                None,
                Some(HashAlg::Sha512),
                &k
            ),
            Ok(SignatureAlg::RsaPkcs1(HashAlg::Sha512))
        );
    }
}
