//! Reading certs back (x509-parser): the facts the CLI shows, and the
//! issued-by check used to prove every seal cert chains to the root.

use ::time::OffsetDateTime;
use x509_parser::prelude::*;

use super::PkiError;

const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";

/// The facts about a cert that eseal shows and checks.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertInfo {
    pub subject_cn: String,
    pub subject_serial_number: Option<String>,
    pub issuer_cn: String,
    pub serial_hex: String,
    #[serde(with = "::time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "::time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub fingerprint_sha256: String,
    #[serde(skip)]
    pub public_key: Vec<u8>,
}

fn first_attr(name: &X509Name<'_>, oid: &x509_parser::der_parser::oid::Oid<'_>) -> Option<String> {
    name.iter_attributes()
        .find(|a| a.attr_type() == oid)
        .and_then(|a| a.as_str().ok().map(str::to_string))
}

/// SHA-256 fingerprint as colon-separated upper-case hex.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    crate::crypto::sha256(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl CertInfo {
    pub fn parse(der: &[u8]) -> Result<Self, PkiError> {
        let (_, c) =
            X509Certificate::from_der(der).map_err(|e| PkiError::BadCert(e.to_string()))?;
        let to_time = |t: ASN1Time| {
            OffsetDateTime::from_unix_timestamp(t.timestamp())
                .map_err(|e| PkiError::BadCert(e.to_string()))
        };
        Ok(Self {
            subject_cn: first_attr(
                c.subject(),
                &x509_parser::oid_registry::OID_X509_COMMON_NAME,
            )
            .unwrap_or_default(),
            subject_serial_number: first_attr(
                c.subject(),
                &x509_parser::oid_registry::OID_X509_SERIALNUMBER,
            ),
            issuer_cn: first_attr(c.issuer(), &x509_parser::oid_registry::OID_X509_COMMON_NAME)
                .unwrap_or_default(),
            serial_hex: hex::encode(c.raw_serial()),
            not_before: to_time(c.validity().not_before)?,
            not_after: to_time(c.validity().not_after)?,
            fingerprint_sha256: fingerprint_sha256(der),
            public_key: c.public_key().subject_public_key.data.to_vec(),
        })
    }
}

/// Check that `child` names `issuer` as its issuer and carries a valid
/// signature by `issuer`'s key (ECDSA P-256, or SM2 with the default user
/// ID), and that `issuer` is a CA.
pub fn verify_issued_by(child: &[u8], issuer: &[u8]) -> Result<(), PkiError> {
    let (_, c) = X509Certificate::from_der(child).map_err(|e| PkiError::BadCert(e.to_string()))?;
    let (_, i) = X509Certificate::from_der(issuer).map_err(|e| PkiError::BadCert(e.to_string()))?;
    if c.issuer() != i.subject() {
        return Err(PkiError::Chain(format!(
            "issuer name {} does not match {}",
            c.issuer(),
            i.subject()
        )));
    }
    match i.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => {}
        _ => return Err(PkiError::Chain(format!("{} is not a CA", i.subject()))),
    }
    let verify = if c.signature_algorithm.algorithm.to_id_string() == SM2_WITH_SM3 {
        crate::crypto::verify_sm2
    } else {
        crate::crypto::verify_p256
    };
    let ok = verify(
        &i.public_key().subject_public_key.data,
        c.tbs_certificate.as_ref(),
        &c.signature_value.data,
    );
    if ok {
        Ok(())
    } else {
        Err(PkiError::Chain(format!(
            "signature on {} does not verify with {}",
            c.subject(),
            i.subject()
        )))
    }
}
