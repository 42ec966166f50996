//! Lets x509-cert's builder sign with an SM2 key held by the signing core,
//! as [`crate::pki::CoreSigningKey`] does for rcgen.

use der::asn1::BitString;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding, SubjectPublicKeyInfoOwned,
};

use super::oids;
use crate::crypto::{KeyRef, Signer};

/// An SM2 public key (SEC1 point) as the builder wants it.
#[derive(Debug, Clone)]
pub struct Sm2PublicKey(pub Vec<u8>);

impl Sm2PublicKey {
    /// `SubjectPublicKeyInfo`: id-ecPublicKey with the SM2 curve.
    pub fn spki(&self) -> Result<SubjectPublicKeyInfoOwned, der::Error> {
        Ok(SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: oids::EC_PUBLIC_KEY,
                parameters: Some(der::Any::encode_from(&oids::SM2_CURVE)?),
            },
            subject_public_key: BitString::from_bytes(&self.0)?,
        })
    }
}

impl EncodePublicKey for Sm2PublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::encode_msg(&self.spki()?)?)
    }
}

/// A DER `ECDSA-Sig-Value` made by an SM2 key.
#[derive(Debug, Clone)]
pub struct Sm2Signature(pub Vec<u8>);

impl SignatureBitStringEncoding for Sm2Signature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

/// The signature algorithm of every SM2 cert and CRL here: sm2-with-sm3,
/// parameters absent (GB/T 20518).
pub fn sm2_with_sm3() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oids::SM2_WITH_SM3,
        parameters: None,
    }
}

/// An SM2 key in the signing core, for x509-cert's builder.
pub struct Sm2CoreSigner<'a> {
    pub(crate) signer: &'a dyn Signer,
    pub(crate) key: &'a KeyRef,
    pub(crate) public_key: Sm2PublicKey,
}

impl signature::Keypair for Sm2CoreSigner<'_> {
    type VerifyingKey = Sm2PublicKey;
    fn verifying_key(&self) -> Sm2PublicKey {
        self.public_key.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for Sm2CoreSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(sm2_with_sm3())
    }
}

impl signature::Signer<Sm2Signature> for Sm2CoreSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<Sm2Signature, signature::Error> {
        self.signer
            .sign(self.key, msg)
            .map(Sm2Signature)
            .map_err(signature::Error::from_source)
    }
}
