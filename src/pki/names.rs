//! Distinguished names of the district PKI. CN/O/OU are UTF8String;
//! countryName and serialNumber are PrintableString as RFC 5280 requires.

use rcgen::{DistinguishedName, DnType, DnValue};

pub const ORG: &str = "连云港市赣榆区人民政府";
pub const ROOT_CN: &str = "连云港市赣榆区电子印章根证书";
pub const SEAL_CA_CN: &str = "连云港市赣榆区电子印章签发中心";
pub const TSA_CN: &str = "连云港市赣榆区可信时间戳服务";

const OID_SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];

fn base(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    if let Ok(c) = "CN".try_into() {
        dn.push(DnType::CountryName, DnValue::PrintableString(c));
    }
    dn.push(DnType::OrganizationName, DnValue::Utf8String(ORG.into()));
    dn.push(DnType::CommonName, DnValue::Utf8String(cn.into()));
    dn
}

pub fn root() -> DistinguishedName {
    base(ROOT_CN)
}

pub fn seal_ca() -> DistinguishedName {
    base(SEAL_CA_CN)
}

pub fn tsa() -> DistinguishedName {
    base(TSA_CN)
}

/// Subject of a seal cert: CN = holder's full name, serialNumber = seal_id.
pub fn seal(holder: &str, seal_id: &str, town: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    if let Ok(c) = "CN".try_into() {
        dn.push(DnType::CountryName, DnValue::PrintableString(c));
    }
    dn.push(DnType::OrganizationName, DnValue::Utf8String(ORG.into()));
    dn.push(
        DnType::OrganizationalUnitName,
        DnValue::Utf8String(town.into()),
    );
    dn.push(DnType::CommonName, DnValue::Utf8String(holder.into()));
    // seal_id is digits and '-', which PrintableString allows.
    if let Ok(s) = seal_id.try_into() {
        dn.push(
            DnType::CustomDnType(OID_SERIAL_NUMBER.to_vec()),
            DnValue::PrintableString(s),
        );
    }
    dn
}
