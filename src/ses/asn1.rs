//! The ASN.1 module of GB/T 38540-2020 (version 4), as `der` derives.
//!
//! ```text
//! SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
//!                       signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
//! SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
//!                  property SES_ESPropertyInfo, picture SES_ESPictureInfo,
//!                  extDatas ExtensionDatas OPTIONAL }
//! SES_Header ::= SEQUENCE { id IA5String, version INTEGER, vid IA5String }
//! SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String,
//!                  certListType INTEGER, certList SES_CertList,
//!                  createDate GeneralizedTime, validStart GeneralizedTime,
//!                  validEnd GeneralizedTime }
//! SES_CertList ::= CHOICE { certs CertInfoList, certDigestList CertDigestList }
//!   -- both are SEQUENCE OF, told apart by certListType (1 certs, 2 digests)
//! SES_ESPictureInfo ::= SEQUENCE { type IA5String, data OCTET STRING,
//!                  width INTEGER, height INTEGER }   -- size in millimetres
//! ExtensionDatas ::= SEQUENCE OF ExtData
//! ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN,
//!                  extnValue OCTET STRING }
//! SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
//!                  signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
//!                  timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
//! TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime,
//!                  dataHash BIT STRING, propertyInfo IA5String,
//!                  extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
//! ```

use der::Sequence;
use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};

/// `SES_Header`: `ES`, the version (4), the vendor's id.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesHeader {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

/// `ExtData`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ExtData {
    pub extn_id: ObjectIdentifier,
    pub critical: bool,
    pub extn_value: OctetString,
}

/// `SES_ESPropertyInfo`. `cert_list` holds `OCTET STRING` certs when
/// `cert_list_type` is 1 and `CertDigestObj` sequences when it is 2.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesPropertyInfo {
    pub r#type: u32,
    pub name: String,
    pub cert_list_type: u32,
    pub cert_list: Vec<Any>,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

/// `SES_ESPictureInfo`: image type (`png`, ...), bytes, size in mm.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesPictureInfo {
    pub r#type: Ia5String,
    pub data: OctetString,
    pub width: u32,
    pub height: u32,
}

/// `SES_SealInfo`: what the maker signs (its DER).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSealInfo {
    pub header: SesHeader,
    pub es_id: Ia5String,
    pub property: SesPropertyInfo,
    pub picture: SesPictureInfo,
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SESeal` (电子印章数据), version 4.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSeal {
    pub e_seal_info: SesSealInfo,
    /// The maker's cert (DER).
    pub cert: OctetString,
    pub sign_alg_id: ObjectIdentifier,
    /// The maker's signature over DER(`e_seal_info`).
    pub signed_value: BitString,
}

/// `TBS_Sign`: what a signer signs in an 电子签章 (for OFD signing).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsSign {
    pub version: u32,
    pub eseal: SesSeal,
    pub time_info: GeneralizedTime,
    pub data_hash: BitString,
    pub property_info: Ia5String,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SES_Signature` (电子签章), version 4.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSignature {
    pub to_sign: TbsSign,
    /// The signer's cert (DER).
    pub cert: OctetString,
    pub signature_alg_id: ObjectIdentifier,
    pub signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub time_stamp: Option<BitString>,
}
