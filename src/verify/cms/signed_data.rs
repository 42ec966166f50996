use super::asn1::{self, Reader, Tlv};
use super::{CmsError, oids};

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, Copy)]
pub enum SignerId<'a> {
    /// Raw issuer Name (full TLV) and serial INTEGER content.
    IssuerSerial {
        issuer: &'a [u8],
        serial: &'a [u8],
    },
    SubjectKeyId(&'a [u8]),
}

/// One attribute: its type (OID content bytes) and its values (full TLVs).
#[derive(Debug, Clone)]
pub struct Attribute<'a> {
    pub oid: &'a [u8],
    pub values: Vec<Tlv<'a>>,
}

#[derive(Debug, Clone)]
pub struct SignerInfo<'a> {
    pub sid: SignerId<'a>,
    /// OID content of the digest algorithm.
    pub digest_alg: &'a [u8],
    /// The signed attributes exactly as encoded (tag [0]), if any.
    pub signed_attrs_raw: Option<&'a [u8]>,
    pub signed_attrs: Vec<Attribute<'a>>,
    pub signature_alg: &'a [u8],
    /// The signature algorithm's parameters (RSASSA-PSS), if any besides NULL.
    pub signature_alg_params: Option<Tlv<'a>>,
    pub signature: &'a [u8],
    pub unsigned_attrs: Vec<Attribute<'a>>,
}

impl<'a> SignerInfo<'a> {
    pub fn signed_attr(&self, oid: &const_oid::ObjectIdentifier) -> Option<&Attribute<'a>> {
        self.signed_attrs.iter().find(|a| a.oid == oid.as_bytes())
    }
    pub fn unsigned_attr(&self, oid: &const_oid::ObjectIdentifier) -> Option<&Attribute<'a>> {
        self.unsigned_attrs.iter().find(|a| a.oid == oid.as_bytes())
    }
}

/// A parsed SignedData with exactly one signer (PAdES and RFC 3161 both use one).
#[derive(Debug, Clone)]
pub struct SignedData<'a> {
    /// OID content of the encapsulated content type.
    pub econtent_type: &'a [u8],
    /// The encapsulated content (None when detached).
    pub econtent: Option<&'a [u8]>,
    /// Certificates carried in the SignedData (DER).
    pub certs: Vec<&'a [u8]>,
    pub signer: SignerInfo<'a>,
}

/// Parse a ContentInfo holding a SignedData.
pub fn parse_signed_data(der: &[u8]) -> Result<SignedData<'_>, CmsError> {
    let ci = asn1::single(der)?;
    if ci.tag != asn1::SEQUENCE {
        return Err(CmsError::Malformed("ContentInfo is not a SEQUENCE"));
    }
    let mut r = Reader::new(ci.content);
    let ct = r.expect(asn1::OID, "ContentInfo contentType")?;
    if ct.content != oids::SIGNED_DATA.as_bytes() {
        return Err(CmsError::Malformed("content type is not signedData"));
    }
    let explicit = r.expect(0xa0, "ContentInfo content [0]")?;
    let sd = Reader::new(explicit.content).expect(asn1::SEQUENCE, "SignedData")?;
    let mut r = Reader::new(sd.content);
    r.expect(asn1::INTEGER, "SignedData version")?;
    r.expect(asn1::SET, "SignedData digestAlgorithms")?;
    let eci = r.expect(asn1::SEQUENCE, "encapContentInfo")?;
    let mut er = Reader::new(eci.content);
    let econtent_type = er.expect(asn1::OID, "eContentType")?.content;
    let econtent = match er.optional(0xa0)? {
        Some(t) => Some(
            Reader::new(t.content)
                .expect(asn1::OCTET_STRING, "eContent")?
                .content,
        ),
        None => None,
    };
    let mut certs = Vec::new();
    if let Some(c) = r.optional(0xa0)? {
        let mut cr = Reader::new(c.content);
        while !cr.is_empty() {
            let t = cr.next_tlv()?;
            if t.tag == asn1::SEQUENCE {
                if certs.len() >= 64 {
                    return Err(CmsError::Malformed("too many certificates"));
                }
                certs.push(t.raw);
            }
        }
    }
    r.optional(0xa1)?; // crls: revocation data is taken from the DSS
    let sis = r.expect(asn1::SET, "signerInfos")?;
    let mut sr = Reader::new(sis.content);
    let si = sr.expect(asn1::SEQUENCE, "SignerInfo")?;
    if !sr.is_empty() {
        return Err(CmsError::Malformed("more than one SignerInfo"));
    }
    Ok(SignedData {
        econtent_type,
        econtent,
        certs,
        signer: parse_signer_info(si.content)?,
    })
}

fn parse_signer_info(content: &[u8]) -> Result<SignerInfo<'_>, CmsError> {
    let mut r = Reader::new(content);
    r.expect(asn1::INTEGER, "SignerInfo version")?;
    let sid_t = r.next_tlv()?;
    let sid = match sid_t.tag {
        asn1::SEQUENCE => {
            let mut ir = Reader::new(sid_t.content);
            let issuer = ir.expect(asn1::SEQUENCE, "issuer Name")?.raw;
            let serial = ir.expect(asn1::INTEGER, "serialNumber")?.content;
            SignerId::IssuerSerial { issuer, serial }
        }
        0x80 => SignerId::SubjectKeyId(sid_t.content),
        _ => return Err(CmsError::Malformed("SignerIdentifier")),
    };
    let digest_alg = alg_oid(r.expect(asn1::SEQUENCE, "digestAlgorithm")?)?;
    let (signed_attrs_raw, signed_attrs) = match r.optional(0xa0)? {
        Some(t) => (Some(t.raw), parse_attributes(t.content)?),
        None => (None, Vec::new()),
    };
    let sig_alg = r.expect(asn1::SEQUENCE, "signatureAlgorithm")?;
    let signature_alg = alg_oid(sig_alg)?;
    let signature_alg_params = alg_params(sig_alg)?;
    let signature = r.expect(asn1::OCTET_STRING, "signature")?.content;
    let unsigned_attrs = match r.optional(0xa1)? {
        Some(t) => parse_attributes(t.content)?,
        None => Vec::new(),
    };
    Ok(SignerInfo {
        sid,
        digest_alg,
        signed_attrs_raw,
        signed_attrs,
        signature_alg,
        signature_alg_params,
        signature,
        unsigned_attrs,
    })
}

/// The OID content of an AlgorithmIdentifier.
pub(crate) fn alg_oid(t: Tlv<'_>) -> Result<&[u8], CmsError> {
    Ok(Reader::new(t.content)
        .expect(asn1::OID, "AlgorithmIdentifier")?
        .content)
}

/// The parameters of an AlgorithmIdentifier, unless absent or NULL.
pub(crate) fn alg_params(t: Tlv<'_>) -> Result<Option<Tlv<'_>>, CmsError> {
    let mut r = Reader::new(t.content);
    r.expect(asn1::OID, "AlgorithmIdentifier")?;
    if r.is_empty() {
        return Ok(None);
    }
    let p = r.next_tlv()?;
    Ok((p.tag != 0x05).then_some(p))
}

fn parse_attributes(content: &[u8]) -> Result<Vec<Attribute<'_>>, CmsError> {
    let mut out = Vec::new();
    let mut r = Reader::new(content);
    while !r.is_empty() {
        if out.len() >= 32 {
            return Err(CmsError::Malformed("too many attributes"));
        }
        let a = r.expect(asn1::SEQUENCE, "Attribute")?;
        let mut ar = Reader::new(a.content);
        let oid = ar.expect(asn1::OID, "Attribute type")?.content;
        let set = ar.expect(asn1::SET, "Attribute values")?;
        let mut vr = Reader::new(set.content);
        let mut values = Vec::new();
        while !vr.is_empty() {
            if values.len() >= 8 {
                return Err(CmsError::Malformed("too many attribute values"));
            }
            values.push(vr.next_tlv()?);
        }
        out.push(Attribute { oid, values });
    }
    Ok(out)
}
