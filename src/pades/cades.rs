//! Step 3 and 5: the CAdES signature in `/Contents` — a detached CMS
//! SignedData over the byte-range digest (ETSI EN 319 142-1 §6.3) — and, for
//! B-T and up, the signature timestamp: an RFC 3161 token over the signature
//! value, added as the unsigned attribute id-aa-signatureTimeStampToken
//! (RFC 3161 Appendix A).

use const_oid::db::rfc5911::ID_DATA;
use der::asn1::ObjectIdentifier;

use super::{PadesError, SigningIdentity};
use crate::crypto::sha256;
use crate::signing::signed_data;
use crate::tsa::TimestampClient;

/// id-aa-signatureTimeStampToken.
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// The signature's CMS and, when timestamped, the token inside it.
pub struct CadesSignature {
    pub cms_der: Vec<u8>,
    pub timestamp_token: Option<Vec<u8>>,
}

/// Build the CMS for `digest`; with `tsa`, timestamp the signature value.
pub fn build(
    identity: &SigningIdentity<'_>,
    digest: &[u8; 32],
    tsa: Option<&dyn TimestampClient>,
) -> Result<CadesSignature, PadesError> {
    let mut info = signed_data::signer_info(
        identity.signer,
        identity.key,
        &identity.cert_der,
        ID_DATA,
        digest,
    )?;
    let timestamp_token = match tsa {
        Some(tsa) => {
            let token = tsa.timestamp(&sha256(info.signature.as_bytes()))?;
            signed_data::add_unsigned_attribute(
                &mut info,
                ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
                &token,
            )?;
            Some(token)
        }
        None => None,
    };
    let mut certs: Vec<&[u8]> = vec![&identity.cert_der];
    certs.extend(identity.chain_der.iter().map(Vec::as_slice));
    let cms_der = signed_data::assemble(info, &certs, ID_DATA, None)?;
    Ok(CadesSignature {
        cms_der,
        timestamp_token,
    })
}
