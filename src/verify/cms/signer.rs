use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

use super::asn1::{self, Reader};
use super::signed_data::{SignedData, SignerId, alg_oid};
use super::{CmsError, algorithms, oids};
use crate::crypto::{self, AlgorithmError, HashAlg, SignatureAlg};

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
    /// False when the signer signed the content directly (no signed
    /// attributes: allowed by ISO 32000-1 for adbe.pkcs7.detached, not PAdES).
    pub signed_attributes: bool,
    pub digest_alg: HashAlg,
    pub algorithm: SignatureAlg,
}

/// The content a signer signed: its parts, concatenated (the two byte
/// ranges of a PDF signature, or one TSTInfo), and its SHA-256 when the
/// caller already computed it (the common case: hashed once).
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub parts: &'a [&'a [u8]],
    pub sha256: Option<[u8; 32]>,
}

impl Content<'_> {
    pub fn digest(&self, h: HashAlg) -> Vec<u8> {
        match (h, self.sha256) {
            (HashAlg::Sha256, Some(d)) => d.to_vec(),
            _ => crypto::digest_parts(h, self.parts),
        }
    }
}

fn alg_error(e: AlgorithmError, alg: SignatureAlg) -> CmsError {
    match e {
        AlgorithmError::Unsupported(w) => CmsError::Unsupported(w),
        AlgorithmError::KeyMismatch => {
            CmsError::Unsupported(format!("{} with the signer's key type", alg.name()))
        }
        AlgorithmError::BadSignature => CmsError::BadSignature,
    }
}

/// Verify `sig` over `message` by the key of certificate `cert`, under the
/// algorithm identifier (`oid`, `params`) and digest `digest`.
pub fn verify_by_key(
    spki: &[u8],
    oid: &[u8],
    params: Option<super::asn1::Tlv<'_>>,
    digest: Option<HashAlg>,
    message: &[u8],
    sig: &[u8],
) -> Result<SignatureAlg, CmsError> {
    let key = algorithms::public_key(spki)?;
    let alg = algorithms::signature_alg(oid, params, digest, &key)?;
    crypto::verify_signature(alg, key, message, sig).map_err(|e| alg_error(e, alg))?;
    Ok(alg)
}

/// Verify the one signer of `sd` over `content`; `content_type` is the
/// expected content-type attribute. `extra_certs` are other places to find
/// the signer cert (e.g. the DSS).
pub fn verify_signer(
    sd: &SignedData<'_>,
    content: &Content<'_>,
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
    let digest_alg = algorithms::hash_alg(si.digest_alg)?;
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|_| CmsError::Malformed("signer certificate"))?;
    let spki = cert.public_key().raw;

    let Some(raw) = si.signed_attrs_raw else {
        // RFC 5652 §5.4: without signed attributes the signature is over the
        // content itself (the whole byte range, not its digest).
        let message = content.parts.concat();
        let algorithm = verify_by_key(
            spki,
            si.signature_alg,
            si.signature_alg_params,
            Some(digest_alg),
            &message,
            si.signature,
        )?;
        return Ok(VerifiedSigner {
            cert_der: cert_der.to_vec(),
            ess: EssStatus::Missing,
            claimed_signing_time: None,
            signed_attributes: false,
            digest_alg,
            algorithm,
        });
    };
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
        [v] if v.tag == asn1::OCTET_STRING && v.content == content.digest(digest_alg) => {}
        _ => return Err(CmsError::DigestMismatch),
    }
    // The signature is over the DER SET OF, not the [0] IMPLICIT tag (RFC 5652 §5.4).
    let mut msg = raw.to_vec();
    msg[0] = asn1::SET;
    let algorithm = verify_by_key(
        spki,
        si.signature_alg,
        si.signature_alg_params,
        Some(digest_alg),
        &msg,
        si.signature,
    )?;
    let ess = ess_status(si, cert_der, cert.raw_serial())?;
    let claimed_signing_time = si
        .signed_attr(&oids::ATTR_SIGNING_TIME)
        .and_then(|a| a.values.first())
        .and_then(|t| asn1::parse_time(t).ok());
    Ok(VerifiedSigner {
        cert_der: cert_der.to_vec(),
        ess,
        claimed_signing_time,
        signed_attributes: true,
        digest_alg,
        algorithm,
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
    let h = match r.optional(asn1::SEQUENCE)? {
        Some(alg) => algorithms::hash_alg(alg_oid(alg)?)?,
        None => HashAlg::Sha256,
    };
    let hash = r.expect(asn1::OCTET_STRING, "ESS certHash")?.content;
    if hash != crypto::digest_parts(h, &[cert_der]) {
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
