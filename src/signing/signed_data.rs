//! CMS `SignedData` (RFC 5652) with one signer whose private key stays behind
//! [`crypto::Signer`](crate::crypto::Signer). Shared by PAdES signatures and
//! the timestamp authority's tokens, which differ only in the encapsulated
//! content and the certificates they carry.
//!
//! SHA-256 and ECDSA P-256 (`ecdsa-with-SHA256`), or for the national
//! stack's timestamp authority (GB/T 20520) SM3 and SM2 (`sm2-with-sm3`):
//! see [`Suite`]. Signed attributes content-type, message-digest and ESS
//! signing-certificate-v2 (its cert hash SHA-256, the DEFAULT); never
//! signing-time (PAdES takes the time from the PDF `/M` or a timestamp).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_256};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::crypto::{CryptoError, KeyRef, Signer};
use crate::signing::ess::{ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2};

/// Why a SignedData could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignedDataError {
    /// The signer's or a chain certificate is not DER X.509.
    #[error("certificate #{index} is not a valid DER X.509 certificate: {source}")]
    BadCert { index: usize, source: der::Error },
    /// ASN.1 encoding failed (a bug or an absurd size).
    #[error("CMS encoding failed: {0}")]
    Encode(#[from] der::Error),
    /// The signing core refused.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// The digest and signature algorithms of a SignedData.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// SHA-256 with ECDSA P-256: PAdES and the district TSA.
    EcdsaSha256,
    /// SM3 with SM2 (default user ID): the SM2 TSA (GB/T 20520).
    Sm2Sm3,
}

impl Suite {
    fn digest_alg(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: match self {
                Self::EcdsaSha256 => ID_SHA_256,
                Self::Sm2Sm3 => crate::pki::sm2::oids::SM3,
            },
            parameters: None,
        }
    }

    fn signature_alg(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: match self {
                Self::EcdsaSha256 => ECDSA_WITH_SHA_256,
                Self::Sm2Sm3 => crate::pki::sm2::oids::SM2_WITH_SM3,
            },
            parameters: None,
        }
    }

    /// The suite's digest of `data`.
    pub fn digest(self, data: &[u8]) -> [u8; 32] {
        match self {
            Self::EcdsaSha256 => crate::crypto::sha256(data),
            Self::Sm2Sm3 => crate::crypto::sm3(data),
        }
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// Parse a DER certificate, naming its position for the error.
pub fn parse_cert(der: &[u8], index: usize) -> Result<Certificate, SignedDataError> {
    Certificate::from_der(der).map_err(|source| SignedDataError::BadCert { index, source })
}

/// Sign `content_digest` (SHA-256 of the content of type `content_type`) and
/// return the SignerInfo, without unsigned attributes.
pub fn signer_info(
    signer: &dyn Signer,
    key: &KeyRef,
    cert_der: &[u8],
    content_type: ObjectIdentifier,
    content_digest: &[u8; 32],
) -> Result<SignerInfo, SignedDataError> {
    signer_info_with(
        Suite::EcdsaSha256,
        signer,
        key,
        cert_der,
        content_type,
        content_digest,
    )
}

/// [`signer_info`] with the algorithms of `suite` (`content_digest` is the
/// suite's digest of the content).
pub fn signer_info_with(
    suite: Suite,
    signer: &dyn Signer,
    key: &KeyRef,
    cert_der: &[u8],
    content_type: ObjectIdentifier,
    content_digest: &[u8; 32],
) -> Result<SignerInfo, SignedDataError> {
    let cert = parse_cert(cert_der, 0)?;
    let ess = SigningCertificateV2::for_cert(cert_der, &cert)?;
    let attrs = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&content_type)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(content_digest.to_vec())?)?,
        )?,
        attribute(ID_AA_SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF
    // (tag 0x31), which is exactly how SetOfVec encodes.
    let to_sign = attrs.to_der()?;
    let signature = signer.sign(key, &to_sign)?;
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: suite.digest_alg(),
        signed_attrs: Some(attrs),
        signature_algorithm: suite.signature_alg(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    })
}

/// Add the unsigned attribute `oid` with a DER `value` to `info`.
pub fn add_unsigned_attribute(
    info: &mut SignerInfo,
    oid: ObjectIdentifier,
    value_der: &[u8],
) -> Result<(), SignedDataError> {
    let attr = attribute(oid, Any::from_der(value_der)?)?;
    match &mut info.unsigned_attrs {
        Some(set) => set.insert(attr)?,
        None => info.unsigned_attrs = Some(SetOfVec::try_from(vec![attr])?),
    }
    Ok(())
}

/// Wrap one SignerInfo into a `ContentInfo { id-signedData, SignedData }`
/// (DER), embedding `certs` (DER X.509) and, unless detached, `econtent`.
pub fn assemble(
    info: SignerInfo,
    certs: &[&[u8]],
    econtent_type: ObjectIdentifier,
    econtent: Option<&[u8]>,
) -> Result<Vec<u8>, SignedDataError> {
    let mut choices = Vec::with_capacity(certs.len());
    for (i, der) in certs.iter().enumerate() {
        choices.push(CertificateChoices::Certificate(parse_cert(der, i)?));
    }
    // RFC 5652 §5.1: version 3 when the content is not id-data.
    let version = if econtent_type == const_oid::db::rfc5911::ID_DATA {
        CmsVersion::V1
    } else {
        CmsVersion::V3
    };
    let econtent = match econtent {
        Some(bytes) => Some(Any::encode_from(&OctetString::new(bytes.to_vec())?)?),
        None => None,
    };
    let sd = SignedData {
        version,
        digest_algorithms: SetOfVec::try_from(vec![info.digest_alg.clone()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type,
            econtent,
        },
        certificates: if choices.is_empty() {
            None
        } else {
            Some(CertificateSet::try_from(choices)?)
        },
        crls: None,
        signer_infos: SignerInfos::try_from(vec![info])?,
    };
    let ci = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&sd)?,
    };
    Ok(ci.to_der()?)
}

/// The certificates embedded in a DER `ContentInfo { SignedData }` (e.g. a
/// timestamp token), re-encoded as DER.
pub fn embedded_certs(content_info_der: &[u8]) -> Result<Vec<Vec<u8>>, SignedDataError> {
    let ci = ContentInfo::from_der(content_info_der)?;
    let sd: SignedData = ci.content.decode_as()?;
    let mut out = Vec::new();
    if let Some(set) = sd.certificates {
        for choice in set.0.iter() {
            if let CertificateChoices::Certificate(c) = choice {
                out.push(c.to_der()?);
            }
        }
    }
    Ok(out)
}
