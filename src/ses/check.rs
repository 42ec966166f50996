//! Reading and checking a seal, after the standard's list: the structure and
//! version, the maker's signature over DER(`SES_SealInfo`), the maker cert
//! against the trusted maker chain, the seal's validity window, and whether
//! a given signer cert is in its certList.

use der::{Decode, Encode};
use time::OffsetDateTime;

use super::asn1::{SesHeader, SesSeal};
use super::make::CERT_LIST_CERTS;
use crate::pki::sm2::oids::SM2_WITH_SM3;
use crate::pki::{CertInfo, verify_issued_by};

/// Why a seal is refused. Each has a stable code and a Chinese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealProblem {
    #[error("not a GB/T 38540 SES_Seal: {0}")]
    Malformed(String),
    #[error(
        "SES_Seal version {0}: only version 4 (GB/T 38540-2020) is supported; version 1 is GM/T 0031-2014"
    )]
    UnsupportedVersion(u32),
    #[error("the maker's signature algorithm {0} is not sm2-with-sm3")]
    UnsupportedAlgorithm(String),
    #[error(
        "the maker's signature over SES_SealInfo does not verify (the seal was altered after it was made)"
    )]
    BadMakerSignature,
    #[error("the seal was made by {0}, not by a trusted seal maker")]
    UntrustedMaker(String),
    #[error("the seal is valid from {0}; not yet valid")]
    NotYetValid(String),
    #[error("the seal expired at {0}")]
    Expired(String),
    #[error("the signer cert is not in the seal's certList")]
    SignerNotListed,
}

impl SealProblem {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "ses_malformed",
            Self::UnsupportedVersion(_) => "ses_version",
            Self::UnsupportedAlgorithm(_) => "ses_algorithm",
            Self::BadMakerSignature => "ses_maker_signature",
            Self::UntrustedMaker(_) => "ses_untrusted_maker",
            Self::NotYetValid(_) => "ses_not_yet_valid",
            Self::Expired(_) => "ses_expired",
            Self::SignerNotListed => "ses_signer_not_listed",
        }
    }

    /// The reason in Chinese, for user pages.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Malformed(_) => "不是符合 GB/T 38540 的电子印章数据".into(),
            Self::UnsupportedVersion(v) => {
                format!("电子印章数据版本 {v} 不受支持（仅支持 GB/T 38540-2020 第 4 版）")
            }
            Self::UnsupportedAlgorithm(a) => format!("制章者签名算法 {a} 不是 SM2-with-SM3"),
            Self::BadMakerSignature => "制章者签名验证失败：印章数据在制作后被改动".into(),
            Self::UntrustedMaker(m) => format!("印章由“{m}”制作，不是受信任的制章者"),
            Self::NotYetValid(t) => format!("印章自 {t} 起才有效"),
            Self::Expired(t) => format!("印章已于 {t} 过期"),
            Self::SignerNotListed => "签章人证书不在印章的证书列表中".into(),
        }
    }
}

/// The fields of a seal, as read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SealFields {
    pub header_id: String,
    pub version: u32,
    pub vendor_id: String,
    pub es_id: String,
    pub seal_type: u32,
    pub name: String,
    pub cert_list_type: u32,
    /// The certs of the certList (type 1), DER.
    #[serde(skip)]
    pub certs: Vec<Vec<u8>>,
    #[serde(with = "time::serde::rfc3339")]
    pub create_date: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_end: OffsetDateTime,
    pub picture_type: String,
    #[serde(skip)]
    pub picture: Vec<u8>,
    pub picture_width_mm: u32,
    pub picture_height_mm: u32,
    /// The maker's cert (DER).
    #[serde(skip)]
    pub maker_cert: Vec<u8>,
    pub sign_alg: String,
}

/// A parsed seal: its fields and what the maker's signature covers.
#[derive(Debug, Clone)]
pub struct CheckedSeal {
    pub fields: SealFields,
    pub seal: SesSeal,
}

fn malformed(e: impl std::fmt::Display) -> SealProblem {
    SealProblem::Malformed(e.to_string())
}

fn odt(t: der::asn1::GeneralizedTime) -> Result<OffsetDateTime, SealProblem> {
    OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64).map_err(malformed)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// The header version of a seal of any layout (v1 and v4 both start
/// `SEQUENCE { SEQUENCE { SES_Header, ...`), or `None`.
fn peek_version(der_bytes: &[u8]) -> Option<u32> {
    use der::asn1::Any;
    let outer = Vec::<Any>::from_der(der_bytes).ok()?;
    let info: Vec<Any> = outer.first()?.decode_as().ok()?;
    let header: SesHeader = info.first()?.decode_as().ok()?;
    Some(header.version)
}

/// Parse a seal (DER) into its fields; no signature or trust checks.
pub fn parse_seal(der_bytes: &[u8]) -> Result<CheckedSeal, SealProblem> {
    let seal = match SesSeal::from_der(der_bytes) {
        Ok(s) => s,
        Err(e) => {
            return Err(match peek_version(der_bytes) {
                Some(v) if v != super::VERSION => SealProblem::UnsupportedVersion(v),
                _ => malformed(e),
            });
        }
    };
    let i = &seal.e_seal_info;
    if i.header.version != super::VERSION {
        return Err(SealProblem::UnsupportedVersion(i.header.version));
    }
    if i.header.id.as_str() != "ES" {
        return Err(malformed(format!(
            "header id {:?} is not \"ES\"",
            i.header.id.as_str()
        )));
    }
    let p = &i.property;
    let certs = if p.cert_list_type == CERT_LIST_CERTS {
        p.cert_list
            .iter()
            .map(|a| {
                a.decode_as::<der::asn1::OctetString>()
                    .map(|o| o.into_bytes())
                    .map_err(|e| malformed(format!("certList entry: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    let fields = SealFields {
        header_id: i.header.id.to_string(),
        version: i.header.version,
        vendor_id: i.header.vid.to_string(),
        es_id: i.es_id.to_string(),
        seal_type: p.r#type,
        name: p.name.clone(),
        cert_list_type: p.cert_list_type,
        certs,
        create_date: odt(p.create_date)?,
        valid_start: odt(p.valid_start)?,
        valid_end: odt(p.valid_end)?,
        picture_type: i.picture.r#type.to_string(),
        picture: i.picture.data.as_bytes().to_vec(),
        picture_width_mm: i.picture.width,
        picture_height_mm: i.picture.height,
        maker_cert: seal.cert.as_bytes().to_vec(),
        sign_alg: seal.sign_alg_id.to_string(),
    };
    Ok(CheckedSeal { fields, seal })
}

/// Who may make seals: the maker cert must be issued by `issuer` (DER).
#[derive(Debug, Clone)]
pub struct TrustedMaker<'a> {
    pub issuer_cert: &'a [u8],
}

/// Parse and check a seal: maker signature, maker trusted (if `maker` is
/// given), validity at `at`, and `signer_cert` (if given) in the certList.
pub fn check_seal(
    der_bytes: &[u8],
    maker: Option<&TrustedMaker<'_>>,
    at: OffsetDateTime,
    signer_cert: Option<&[u8]>,
) -> Result<CheckedSeal, SealProblem> {
    let c = parse_seal(der_bytes)?;
    if c.seal.sign_alg_id != SM2_WITH_SM3 {
        return Err(SealProblem::UnsupportedAlgorithm(
            c.seal.sign_alg_id.to_string(),
        ));
    }
    let maker_info =
        CertInfo::parse(&c.fields.maker_cert).map_err(|e| malformed(format!("maker cert: {e}")))?;
    let tbs = c.seal.e_seal_info.to_der().map_err(malformed)?;
    let sig = c
        .seal
        .signed_value
        .as_bytes()
        .ok_or_else(|| malformed("signedValue has unused bits"))?;
    if !crate::crypto::verify_sm2(&maker_info.public_key, &tbs, sig) {
        return Err(SealProblem::BadMakerSignature);
    }
    if let Some(m) = maker {
        if verify_issued_by(&c.fields.maker_cert, m.issuer_cert).is_err() {
            return Err(SealProblem::UntrustedMaker(maker_info.subject_cn));
        }
        if at < maker_info.not_before || at > maker_info.not_after {
            return Err(SealProblem::UntrustedMaker(format!(
                "{} (cert not valid at {})",
                maker_info.subject_cn,
                rfc3339(at)
            )));
        }
    }
    if at < c.fields.valid_start {
        return Err(SealProblem::NotYetValid(rfc3339(c.fields.valid_start)));
    }
    if at > c.fields.valid_end {
        return Err(SealProblem::Expired(rfc3339(c.fields.valid_end)));
    }
    if let Some(s) = signer_cert {
        let listed = if c.fields.cert_list_type == CERT_LIST_CERTS {
            c.fields.certs.iter().any(|x| x == s)
        } else {
            false
        };
        if !listed {
            return Err(SealProblem::SignerNotListed);
        }
    }
    Ok(c)
}
