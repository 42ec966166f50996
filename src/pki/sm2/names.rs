//! The SM2 hierarchy's distinguished names: the same real names as the
//! ECDSA ones ([`crate::pki::names`]), in the same order and string types
//! (countryName and serialNumber PrintableString, the rest UTF8String).

use der::asn1::{PrintableStringRef, SetOfVec, Utf8StringRef};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::pki::PkiError;
use crate::pki::names::{ORG, ROOT_CN, SEAL_CA_CN, TSA_CN};

/// CN of the seal maker (制章者), who makes and signs the GB/T 38540 seals.
pub const MAKER_CN: &str = "连云港市赣榆区电子印章制作中心";

const C: &str = "2.5.4.6";
const O: &str = "2.5.4.10";
const OU: &str = "2.5.4.11";
const CN: &str = "2.5.4.3";
const SERIAL_NUMBER: &str = "2.5.4.5";

fn err(e: der::Error) -> PkiError {
    PkiError::Generate(format!("SM2 name: {e}"))
}

fn atv(oid: &str, value: der::Any) -> Result<RelativeDistinguishedName, PkiError> {
    let oid =
        der::asn1::ObjectIdentifier::new(oid).map_err(|e| PkiError::Generate(e.to_string()))?;
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }]).map_err(err)?;
    Ok(RelativeDistinguishedName(set))
}

fn utf8(oid: &str, s: &str) -> Result<RelativeDistinguishedName, PkiError> {
    atv(
        oid,
        der::Any::encode_from(&Utf8StringRef::new(s).map_err(err)?).map_err(err)?,
    )
}

fn printable(oid: &str, s: &str) -> Result<RelativeDistinguishedName, PkiError> {
    let v = PrintableStringRef::new(s)
        .map_err(|_| PkiError::Generate(format!("{s:?} is not a PrintableString")))?;
    atv(oid, der::Any::encode_from(&v).map_err(err)?)
}

fn base(cn: &str) -> Result<Name, PkiError> {
    Ok(RdnSequence(vec![
        printable(C, "CN")?,
        utf8(O, ORG)?,
        utf8(CN, cn)?,
    ]))
}

pub fn root() -> Result<Name, PkiError> {
    base(ROOT_CN)
}

pub fn seal_ca() -> Result<Name, PkiError> {
    base(SEAL_CA_CN)
}

pub fn maker() -> Result<Name, PkiError> {
    base(MAKER_CN)
}

pub fn tsa() -> Result<Name, PkiError> {
    base(TSA_CN)
}

/// Subject of an SM2 seal cert: the same as the ECDSA seal cert's.
pub fn seal(holder: &str, seal_id: &str, town: &str) -> Result<Name, PkiError> {
    Ok(RdnSequence(vec![
        printable(C, "CN")?,
        utf8(O, ORG)?,
        utf8(OU, town)?,
        utf8(CN, holder)?,
        printable(SERIAL_NUMBER, seal_id)?,
    ]))
}
