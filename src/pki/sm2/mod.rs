//! The national-standard (SM2/SM3) hierarchy beside the ECDSA one: an SM2
//! root, an SM2 seal CA that issues the seals' SM2 certs and its CRL, the
//! seal maker's (制章者) cert whose key signs every GB/T 38540 seal, and an
//! SM2 timestamp authority (GB/T 20520). Certs follow GB/T 20518:
//! sm2-with-sm3 signatures, id-ecPublicKey keys on the SM2 curve, signed
//! with the default user ID. rcgen has no SM2, so these are built with
//! x509-cert's builder, signing through [`crate::crypto::Signer`].

mod crl;
pub mod names;
pub mod oids;
mod signer;

use std::time::SystemTime;

use der::Encode;
use der::asn1::{Ia5String, ObjectIdentifier};
use time::{Duration, OffsetDateTime};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{CrlDistributionPoints, ExtendedKeyUsage};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

pub use signer::{Sm2CoreSigner, Sm2PublicKey, Sm2Signature, sm2_with_sm3};

use super::authority::{BACKDATE, INTERMEDIATE_YEARS, ROOT_YEARS, SEAL_VALIDITY_YEARS};
use super::{CaKind, CaMaterial, OID_DOCUMENT_SIGNING, OID_TIME_STAMPING, PkiError, SealSubject};
use crate::crypto::{KeyAlgorithm, Signer};

/// The SM2 hierarchy: four certs with their keys in the signing core.
#[derive(Debug, Clone)]
pub struct Sm2Pki {
    pub root: CaMaterial,
    pub seal_ca: CaMaterial,
    pub maker: CaMaterial,
    pub tsa: CaMaterial,
    /// CRL distribution point written into SM2 seal certs.
    pub crl_url: String,
}

/// Where the SM2 seal CA's CRL is published for an installation at `public_url`.
pub fn sm2_crl_url_for(public_url: &str) -> String {
    format!("{}/pki/sm2/seal-ca.crl", public_url.trim_end_matches('/'))
}

fn gen_err(e: impl std::fmt::Display) -> PkiError {
    PkiError::Generate(format!("SM2 cert: {e}"))
}

fn validity(now: OffsetDateTime, years: i64) -> Result<Validity, PkiError> {
    let t = |o: OffsetDateTime| Time::try_from(SystemTime::from(o)).map_err(gen_err);
    Ok(Validity {
        not_before: t(now - BACKDATE)?,
        not_after: t(now + Duration::days(365 * years))?,
    })
}

fn serial() -> Result<SerialNumber, PkiError> {
    let mut b = crate::crypto::random_bytes(16)?;
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::new(&b).map_err(gen_err)
}

fn oid(arcs: &[u64]) -> Result<ObjectIdentifier, PkiError> {
    let s = arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    ObjectIdentifier::new(&s).map_err(gen_err)
}

/// extendedKeyUsage marked critical (RFC 3161 §2.3 for the TSA).
struct CriticalEku(ExtendedKeyUsage);

impl const_oid::AssociatedOid for CriticalEku {
    const OID: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;
}

impl der::Encode for CriticalEku {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.encoded_len()
    }
    fn encode(&self, w: &mut impl der::Writer) -> der::Result<()> {
        self.0.encode(w)
    }
}

impl x509_cert::ext::AsExtension for CriticalEku {
    fn critical(&self, _: &Name, _: &[x509_cert::ext::Extension]) -> bool {
        true
    }
}

fn crl_dp(url: &str) -> Result<CrlDistributionPoints, PkiError> {
    Ok(CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(Ia5String::new(url).map_err(gen_err)?),
        ])),
        reasons: None,
        crl_issuer: None,
    }]))
}

/// The subject name of a cert, as the builder's issuer for its children.
fn subject_of(cert_der: &[u8]) -> Result<Name, PkiError> {
    use der::Decode;
    let c =
        x509_cert::Certificate::from_der(cert_der).map_err(|e| PkiError::BadCert(e.to_string()))?;
    Ok(c.tbs_certificate.subject)
}

impl CaMaterial {
    /// This cert's key as a builder signer (SM2 material only).
    pub fn sm2_signer<'a>(&'a self, signer: &'a dyn Signer) -> Result<Sm2CoreSigner<'a>, PkiError> {
        Ok(Sm2CoreSigner {
            signer,
            key: &self.key,
            public_key: Sm2PublicKey(super::CertInfo::parse(&self.cert_der)?.public_key),
        })
    }
}

fn build(
    profile: Profile,
    subject: Name,
    subject_key: &[u8],
    years: i64,
    issuer: &Sm2CoreSigner<'_>,
    now: OffsetDateTime,
    extra: impl FnOnce(&mut CertificateBuilder<'_, Sm2CoreSigner<'_>>) -> Result<(), PkiError>,
) -> Result<Vec<u8>, PkiError> {
    let spki = Sm2PublicKey(subject_key.to_vec()).spki().map_err(gen_err)?;
    let mut b = CertificateBuilder::new(
        profile,
        serial()?,
        validity(now, years)?,
        subject,
        spki,
        issuer,
    )
    .map_err(gen_err)?;
    extra(&mut b)?;
    let cert = b.build::<Sm2Signature>().map_err(gen_err)?;
    cert.to_der().map_err(gen_err)
}

impl Sm2Pki {
    /// Create the SM2 hierarchy: four fresh SM2 keys in the signing core,
    /// the self-signed root and the seal CA, maker and TSA certs under it.
    pub fn create(
        signer: &dyn Signer,
        public_url: &str,
        now: OffsetDateTime,
    ) -> Result<Self, PkiError> {
        let gen_key = |kind: CaKind| signer.generate_key(&kind.key_label(), KeyAlgorithm::Sm2);
        let root_key = gen_key(CaKind::Sm2Root)?;
        let self_signer = Sm2CoreSigner {
            signer,
            key: &root_key.key,
            public_key: Sm2PublicKey(root_key.public_key.clone()),
        };
        let root_name = names::root()?;
        let root_der = build(
            Profile::Root,
            root_name.clone(),
            &root_key.public_key,
            ROOT_YEARS,
            &self_signer,
            now,
            |_| Ok(()),
        )?;
        let ca_key = gen_key(CaKind::Sm2SealCa)?;
        let ca_der = build(
            Profile::SubCA {
                issuer: root_name.clone(),
                path_len_constraint: Some(0),
            },
            names::seal_ca()?,
            &ca_key.public_key,
            INTERMEDIATE_YEARS,
            &self_signer,
            now,
            |_| Ok(()),
        )?;
        let leaf = || Profile::Leaf {
            issuer: root_name.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        let maker_key = gen_key(CaKind::Sm2Maker)?;
        let maker_der = build(
            leaf(),
            names::maker()?,
            &maker_key.public_key,
            INTERMEDIATE_YEARS,
            &self_signer,
            now,
            |_| Ok(()),
        )?;
        let tsa_key = gen_key(CaKind::Sm2Tsa)?;
        let tsa_der = build(
            leaf(),
            names::tsa()?,
            &tsa_key.public_key,
            INTERMEDIATE_YEARS,
            &self_signer,
            now,
            |b| {
                b.add_extension(&CriticalEku(ExtendedKeyUsage(vec![oid(
                    OID_TIME_STAMPING,
                )?])))
                .map_err(gen_err)
            },
        )?;
        let m = |kind, cert_der, key| CaMaterial {
            kind,
            cert_der,
            key,
        };
        Ok(Self {
            root: m(CaKind::Sm2Root, root_der, root_key.key),
            seal_ca: m(CaKind::Sm2SealCa, ca_der, ca_key.key),
            maker: m(CaKind::Sm2Maker, maker_der, maker_key.key),
            tsa: m(CaKind::Sm2Tsa, tsa_der, tsa_key.key),
            crl_url: sm2_crl_url_for(public_url),
        })
    }

    /// The four certs in the order a loader expects them.
    pub fn materials(&self) -> [&CaMaterial; 4] {
        [&self.root, &self.seal_ca, &self.maker, &self.tsa]
    }

    /// Issue an SM2 seal cert for `public_key` (SEC1): the same subject as
    /// the seal's ECDSA cert (CN = holder, serialNumber = seal_id), keyUsage
    /// digitalSignature + nonRepudiation (critical), extendedKeyUsage
    /// documentSigning, the SM2 CRL distribution point, five years.
    pub fn issue_seal_cert(
        &self,
        issuer: &Sm2CoreSigner<'_>,
        issuer_name: &Name,
        subject: &SealSubject<'_>,
        public_key: &[u8],
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, PkiError> {
        build(
            Profile::Leaf {
                issuer: issuer_name.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            names::seal(subject.holder, subject.seal_id, subject.town)?,
            public_key,
            SEAL_VALIDITY_YEARS,
            issuer,
            now,
            |b| {
                b.add_extension(&ExtendedKeyUsage(vec![oid(OID_DOCUMENT_SIGNING)?]))
                    .map_err(gen_err)?;
                b.add_extension(&crl_dp(&self.crl_url)?).map_err(gen_err)
            },
        )
    }

    /// The seal CA's name and its key as a builder signer, for issuing.
    pub fn seal_ca_issuer<'a>(
        &'a self,
        signer: &'a dyn Signer,
    ) -> Result<(Sm2CoreSigner<'a>, Name), PkiError> {
        Ok((
            self.seal_ca.sm2_signer(signer)?,
            subject_of(&self.seal_ca.cert_der)?,
        ))
    }

    /// Intermediates a verifier needs: seal CA, maker, TSA.
    pub fn chain_ders(&self) -> Vec<Vec<u8>> {
        vec![
            self.seal_ca.cert_der.clone(),
            self.maker.cert_der.clone(),
            self.tsa.cert_der.clone(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{FileKeystore, MasterKey};
    use crate::pki::verify_issued_by;

    #[test]
    fn hierarchy_chains_and_names_match_the_ecdsa_ones() {
        let ks = FileKeystore::new(&MasterKey::generate().unwrap()).unwrap();
        let now = OffsetDateTime::now_utc();
        let p = Sm2Pki::create(&ks, "https://e.example", now).unwrap();
        verify_issued_by(&p.root.cert_der, &p.root.cert_der).unwrap();
        for c in p.chain_ders() {
            verify_issued_by(&c, &p.root.cert_der).unwrap();
        }
        let (iss, name) = p.seal_ca_issuer(&ks).unwrap();
        let g = ks.generate_key("sm2seal:1#1", KeyAlgorithm::Sm2).unwrap();
        let subject = SealSubject {
            seal_id: "320707100002-01",
            holder: "赣榆区青口镇人民政府",
            town: "青口镇",
        };
        let der = p
            .issue_seal_cert(&iss, &name, &subject, &g.public_key, now)
            .unwrap();
        verify_issued_by(&der, &p.seal_ca.cert_der).unwrap();
        assert!(verify_issued_by(&der, &p.root.cert_der).is_err());
        let info = crate::pki::CertInfo::parse(&der).unwrap();
        assert_eq!(info.subject_cn, "赣榆区青口镇人民政府");
        assert_eq!(
            info.subject_serial_number.as_deref(),
            Some("320707100002-01")
        );
        assert_eq!(info.public_key, g.public_key);
    }
}
