//! ESS `SigningCertificateV2` (RFC 5035), the signed attribute that binds a
//! CMS signature to the certificate of its signer (PAdES requires it in the
//! signature; RFC 3161 / RFC 5816 in timestamp tokens).
//!
//! No RustCrypto crate defines it, so it is declared here with `der` derive.
//!
//! ```text
//! SigningCertificateV2 ::= SEQUENCE {
//!     certs     SEQUENCE OF ESSCertIDv2,
//!     policies  SEQUENCE OF PolicyInformation OPTIONAL }
//! ESSCertIDv2 ::= SEQUENCE {
//!     hashAlgorithm  AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//!     certHash       OCTET STRING,
//!     issuerSerial   IssuerSerial OPTIONAL }
//! IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
//! ```

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `IssuerSerial` of RFC 5035.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

/// `ESSCertIDv2` of RFC 5035. `hash_algorithm` is `None` for SHA-256, the
/// DEFAULT, which DER requires to be omitted.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificateV2` of RFC 5035 (without the optional policies).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

impl SigningCertificateV2 {
    /// The attribute value naming `cert` by its SHA-256 hash and its issuer
    /// and serial number.
    pub fn for_cert(cert_der: &[u8], cert: &Certificate) -> Result<Self, der::Error> {
        Ok(Self {
            certs: vec![EssCertIdV2 {
                hash_algorithm: None,
                cert_hash: OctetString::new(crate::crypto::sha256(cert_der).to_vec())?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(
                        cert.tbs_certificate.issuer.clone(),
                    )],
                    serial_number: cert.tbs_certificate.serial_number.clone(),
                }),
            }],
        })
    }

    /// Parse a DER attribute value.
    pub fn from_der_value(der: &[u8]) -> Result<Self, der::Error> {
        Self::from_der(der)
    }

    /// DER encoding.
    pub fn der(&self) -> Result<Vec<u8>, der::Error> {
        self.to_der()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_default_is_omitted_and_roundtrips() {
        let id = EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(vec![7u8; 32]).unwrap(),
            issuer_serial: None,
        };
        let v = SigningCertificateV2 { certs: vec![id] };
        let der = v.der().unwrap();
        // SEQUENCE { SEQUENCE { SEQUENCE { OCTET STRING (32) } } }
        assert_eq!(&der[..8], &[0x30, 0x26, 0x30, 0x24, 0x30, 0x22, 0x04, 0x20]);
        assert_eq!(SigningCertificateV2::from_der_value(&der).unwrap(), v);
    }
}
