//! Making a seal: the maker fills `SES_SealInfo` and signs its DER with the
//! maker's SM2 key through the signing core.

use std::time::SystemTime;

use der::Encode;
use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, OctetString};
use time::OffsetDateTime;

use super::asn1::{SesHeader, SesPictureInfo, SesPropertyInfo, SesSeal, SesSealInfo};
use super::{SesError, VERSION};
use crate::crypto::{KeyRef, Signer};
use crate::pki::sm2::oids::SM2_WITH_SM3;

/// `SES_ESPropertyInfo.type` of an organisation's official seal (单位印章).
pub const SEAL_TYPE_ORGANISATION: u32 = 1;
/// `certListType`: the list holds the certs themselves.
pub const CERT_LIST_CERTS: u32 = 1;
/// Our vendor id in `SES_Header.vid`.
pub const VENDOR_ID: &str = "GANYU-ESEAL";

/// What goes into a seal.
#[derive(Debug, Clone)]
pub struct SealSpec<'a> {
    /// `esID`: the seal's code (our seal_id).
    pub es_id: &'a str,
    pub seal_type: u32,
    /// The holder's full name.
    pub name: &'a str,
    /// The signer certs (DER) the seal may be used with.
    pub certs: Vec<Vec<u8>>,
    pub create_date: OffsetDateTime,
    pub valid_start: OffsetDateTime,
    pub valid_end: OffsetDateTime,
    /// `png`, `jpg`, ...
    pub picture_type: &'a str,
    pub picture: Vec<u8>,
    pub width_mm: u32,
    pub height_mm: u32,
}

/// The maker: its cert and its key in the signing core.
pub struct Maker<'a> {
    pub signer: &'a dyn Signer,
    pub key: &'a KeyRef,
    pub cert_der: &'a [u8],
}

fn err(e: der::Error) -> SesError {
    SesError::Malformed(e.to_string())
}

pub(super) fn gtime(t: OffsetDateTime) -> Result<GeneralizedTime, SesError> {
    // GeneralizedTime here has whole seconds (DER forbids a trailing ".0").
    let t = t.replace_nanosecond(0).unwrap_or(t);
    GeneralizedTime::from_system_time(SystemTime::from(t)).map_err(err)
}

/// Build `SES_SealInfo` from `spec`.
pub fn seal_info(spec: &SealSpec<'_>) -> Result<SesSealInfo, SesError> {
    let ia5 = |s: &str| Ia5String::new(s).map_err(err);
    let cert_list = spec
        .certs
        .iter()
        .map(|c| Any::encode_from(&OctetString::new(c.clone()).map_err(err)?).map_err(err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SesSealInfo {
        header: SesHeader {
            id: ia5("ES")?,
            version: VERSION,
            vid: ia5(VENDOR_ID)?,
        },
        es_id: ia5(spec.es_id)?,
        property: SesPropertyInfo {
            r#type: spec.seal_type,
            name: spec.name.to_string(),
            cert_list_type: CERT_LIST_CERTS,
            cert_list,
            create_date: gtime(spec.create_date)?,
            valid_start: gtime(spec.valid_start)?,
            valid_end: gtime(spec.valid_end)?,
        },
        picture: SesPictureInfo {
            r#type: ia5(spec.picture_type)?,
            data: OctetString::new(spec.picture.clone()).map_err(err)?,
            width: spec.width_mm,
            height: spec.height_mm,
        },
        ext_datas: None,
    })
}

/// Sign `info` as `maker`: the DER of the whole `SESeal`.
pub fn sign_seal(info: SesSealInfo, maker: &Maker<'_>) -> Result<Vec<u8>, SesError> {
    let tbs = info.to_der().map_err(err)?;
    let sig = maker
        .signer
        .sign(maker.key, &tbs)
        .map_err(|e| SesError::Sign(e.to_string()))?;
    SesSeal {
        e_seal_info: info,
        cert: OctetString::new(maker.cert_der.to_vec()).map_err(err)?,
        sign_alg_id: SM2_WITH_SM3,
        signed_value: BitString::from_bytes(&sig).map_err(err)?,
    }
    .to_der()
    .map_err(err)
}

/// Build and sign a seal in one step.
pub fn make_seal(spec: &SealSpec<'_>, maker: &Maker<'_>) -> Result<Vec<u8>, SesError> {
    sign_seal(seal_info(spec)?, maker)
}
