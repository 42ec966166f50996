//! Making an electronic signature (电子签章, `SES_Signature` version 4): the
//! signer fills `TBS_Sign` (the seal, the time, the hash of the signed data
//! and where that data is) and signs its DER with the seal's SM2 key
//! through the signing core; a timestamp over the signature value is added
//! when given.

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Decode, Encode};
use time::OffsetDateTime;

use super::asn1::{SesSeal, SesSignature, TbsSign};
use super::make::gtime;
use super::{SesError, VERSION};
use crate::crypto::{KeyRef, Signer};
use crate::pki::sm2::oids::SM2_WITH_SM3;

fn err(e: der::Error) -> SesError {
    SesError::Malformed(e.to_string())
}

/// Who signs: the seal's SM2 key in the signing core and its cert.
pub struct SealSigner<'a> {
    pub signer: &'a dyn Signer,
    pub key: &'a KeyRef,
    /// The signer's SM2 cert (DER), listed in the seal's certList.
    pub cert_der: &'a [u8],
    /// The seal (`SES_Seal`, DER) the signature is made with.
    pub seal_der: &'a [u8],
}

/// Gets the signature value and returns a timestamp token over it (or
/// `None` for none), or why it could not.
pub type Timestamper<'a> = dyn Fn(&[u8]) -> Result<Option<Vec<u8>>, String> + 'a;

/// Sign `data_hash` (the SM3 of the signed data, found at `property_info`)
/// at `time`. `timestamp` gets the signature value and returns a
/// timestamp token over it (or `None` for none).
pub fn sign(
    who: &SealSigner<'_>,
    time: OffsetDateTime,
    data_hash: &[u8; 32],
    property_info: &str,
    timestamp: &Timestamper<'_>,
) -> Result<Vec<u8>, SesError> {
    let seal = SesSeal::from_der(who.seal_der).map_err(err)?;
    let to_sign = TbsSign {
        version: VERSION,
        eseal: seal,
        time_info: gtime(time)?,
        data_hash: BitString::from_bytes(data_hash).map_err(err)?,
        property_info: Ia5String::new(property_info).map_err(err)?,
        ext_datas: None,
    };
    let tbs = to_sign.to_der().map_err(err)?;
    let sig = who
        .signer
        .sign(who.key, &tbs)
        .map_err(|e| SesError::Sign(e.to_string()))?;
    let token = timestamp(&sig).map_err(SesError::Sign)?;
    SesSignature {
        to_sign,
        cert: OctetString::new(who.cert_der.to_vec()).map_err(err)?,
        signature_alg_id: SM2_WITH_SM3,
        signature: BitString::from_bytes(&sig).map_err(err)?,
        time_stamp: token
            .map(|t| BitString::from_bytes(&t))
            .transpose()
            .map_err(err)?,
    }
    .to_der()
    .map_err(err)
}
