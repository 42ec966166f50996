use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

use super::asn1::{self, Reader};
use super::signed_data::{SignedData, SignerId, alg_oid};
use super::{CmsError, oids};
use crate::crypto;

/// What the ESS signing-certificate attribute told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EssStatus {
    /// signing-certificate-v2 present and its hash matches the signer cert.
    V2Matches,
    /// Only the legacy SHA-1 signing-certificate attribute (not checked).
    V1Only,
    /// No signing-certificate attribute: not a PAdES baseline signature.
    Missing,
}

/// A signer whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedSigner {
    /// DER of the signer's certificate.
    pub cert_der: Vec<u8>,
    pub ess: EssStatus,
    /// The signing-time attribute (claimed by the signer, unverified), Unix seconds.
    pub claimed_signing_time: Option<i64>,
}

/// Verify the one signer of `sd`: `digest` is the SHA-256 of the signed
/// content (the PDF byte range, or the TSTInfo), `content_type` the expected
/// content-type attribute. `extra_certs` are other places to find the signer
/// cert (e.g. the DSS).
pub fn verify_signer(
    sd: &SignedData<'_>,
    digest: &[u8; 32],
    content_type: &const_oid::ObjectIdentifier,
    extra_certs: &[&[u8]],
) -> Result<VerifiedSigner, CmsError> {
    let si = &sd.signer;
    let cert_der = sd
        .certs
        .iter()
        .chain(extra_certs)
        .copied()
        .find(|c| cert_matches(c, &si.sid))
        .ok_or(CmsError::SignerCertMissing)?;
    if si.digest_alg != oids::SHA256.as_bytes() {
        return Err(CmsError::Unsupported("digest algorithm other than SHA-256"));
    }
    let raw = si.signed_attrs_raw.ok_or(CmsError::NoSignedAttributes)?;
    let ct = si
        .signed_attr(&oids::ATTR_CONTENT_TYPE)
        .ok_or(CmsError::ContentType)?;
    match ct.values.as_slice() {
        [v] if v.tag == asn1::OID && v.content == content_type.as_bytes() => {}
        _ => return Err(CmsError::ContentType),
    }
    let md = si
        .signed_attr(&oids::ATTR_MESSAGE_DIGEST)
        .ok_or(CmsError::DigestMismatch)?;
    match md.values.as_slice() {
        [v] if v.tag == asn1::OCTET_STRING && v.content == digest => {}
        _ => return Err(CmsError::DigestMismatch),
    }
    if si.signature_alg != oids::ECDSA_SHA256.as_bytes()
        && si.signature_alg != oids::EC_PUBLIC_KEY.as_bytes()
    {
        return Err(CmsError::Unsupported(
            "signature algorithm other than ECDSA with SHA-256",
        ));
    }
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|_| CmsError::Malformed("signer certificate"))?;
    let pk = p256_public_key(cert.public_key().raw)?;
    // The signature is over the DER SET OF, not the [0] IMPLICIT tag (RFC 5652 §5.4).
    let mut msg = raw.to_vec();
    msg[0] = asn1::SET;
    if !crypto::verify_p256(pk, &msg, si.signature) {
        return Err(CmsError::BadSignature);
    }
    let ess = ess_status(si, cert_der, cert.raw_serial())?;
    let claimed_signing_time = si
        .signed_attr(&oids::ATTR_SIGNING_TIME)
        .and_then(|a| a.values.first())
        .and_then(|t| asn1::parse_time(t).ok());
    Ok(VerifiedSigner {
        cert_der: cert_der.to_vec(),
        ess,
        claimed_signing_time,
    })
}

fn cert_matches(der: &[u8], sid: &SignerId<'_>) -> bool {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return false;
    };
    match sid {
        SignerId::IssuerSerial { issuer, serial } => {
            cert.issuer().as_raw() == *issuer && strip_zeros(cert.raw_serial()) == strip_zeros(serial)
        }
        SignerId::SubjectKeyId(ski) => cert.extensions().iter().any(|e| {
            matches!(e.parsed_extension(), ParsedExtension::SubjectKeyIdentifier(k) if k.0 == *ski)
        }),
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .take_while(|&&x| x == 0)
        .count()
        .min(b.len().saturating_sub(1));
    &b[n..]
}

fn ess_status(
    si: &super::SignerInfo<'_>,
    cert_der: &[u8],
    serial: &[u8],
) -> Result<EssStatus, CmsError> {
    let Some(attr) = si.signed_attr(&oids::ATTR_SIGNING_CERT_V2) else {
        return Ok(if si.signed_attr(&oids::ATTR_SIGNING_CERT_V1).is_some() {
            EssStatus::V1Only
        } else {
            EssStatus::Missing
        });
    };
    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }
    let v = attr
        .values
        .first()
        .ok_or(CmsError::Malformed("empty signing-certificate-v2"))?;
    let certs = Reader::new(v.content).expect(asn1::SEQUENCE, "ESS certs")?;
    let first = Reader::new(certs.content).expect(asn1::SEQUENCE, "ESSCertIDv2")?;
    let mut r = Reader::new(first.content);
    if let Some(alg) = r.optional(asn1::SEQUENCE)?
        && alg_oid(alg)? != oids::SHA256.as_bytes() {
            return Err(CmsError::Unsupported(
                "signing-certificate-v2 hash other than SHA-256",
            ));
        }
    let hash = r.expect(asn1::OCTET_STRING, "ESS certHash")?.content;
    if hash != crypto::sha256(cert_der) {
        return Err(CmsError::EssMismatch);
    }
    // IssuerSerial, when present, must name the same certificate.
    if let Some(is) = r.optional(asn1::SEQUENCE)? {
        let mut ir = Reader::new(is.content);
        ir.expect(asn1::SEQUENCE, "GeneralNames")?;
        let s = ir.expect(asn1::INTEGER, "ESS serial")?.content;
        if strip_zeros(s) != strip_zeros(serial) {
            return Err(CmsError::EssMismatch);
        }
    }
    Ok(EssStatus::V2Matches)
}

/// The SEC1 point of a P-256 SubjectPublicKeyInfo (raw DER), or why not.
pub fn p256_public_key(spki: &[u8]) -> Result<&[u8], CmsError> {
    let t = asn1::single(spki)?;
    let mut r = Reader::new(t.content);
    let alg = r.expect(asn1::SEQUENCE, "SPKI algorithm")?;
    let mut ar = Reader::new(alg.content);
    let oid = ar.expect(asn1::OID, "SPKI algorithm OID")?.content;
    let curve = ar.optional(asn1::OID)?.map(|t| t.content);
    if oid != oids::EC_PUBLIC_KEY.as_bytes() || curve != Some(oids::P256.as_bytes()) {
        return Err(CmsError::Unsupported("public key other than ECDSA P-256"));
    }
    let bits = r.expect(asn1::BIT_STRING, "SPKI key")?.content;
    match bits.split_first() {
        Some((0, point)) => Ok(point),
        _ => Err(CmsError::Malformed("SPKI key bit string")),
    }
}
