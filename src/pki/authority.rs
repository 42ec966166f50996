//! Creating the CA hierarchy and issuing certs from it.

use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use super::names;
use super::signing_key::{CoreSigningKey, SubjectKey};
use super::{OID_DOCUMENT_SIGNING, OID_TIME_STAMPING, PkiError, inspect};
use crate::crypto::{KeyRef, Signer};

/// Validity of a seal cert.
pub const SEAL_VALIDITY_YEARS: i64 = 5;
pub(crate) const ROOT_YEARS: i64 = 20;
pub(crate) const INTERMEDIATE_YEARS: i64 = 10;
/// Allowance for clocks of relying parties that run slightly behind.
pub(crate) const BACKDATE: Duration = Duration::minutes(5);

/// Which CA-side key a [`CaMaterial`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaKind {
    Root,
    SealCa,
    Tsa,
    /// The SM2 hierarchy ([`crate::pki::Sm2Pki`]).
    Sm2Root,
    Sm2SealCa,
    /// The seal maker (制章者), who signs GB/T 38540 seals.
    Sm2Maker,
    Sm2Tsa,
}

impl CaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaKind::Root => "root",
            CaKind::SealCa => "seal_ca",
            CaKind::Tsa => "tsa",
            CaKind::Sm2Root => "sm2_root",
            CaKind::Sm2SealCa => "sm2_seal_ca",
            CaKind::Sm2Maker => "sm2_maker",
            CaKind::Sm2Tsa => "sm2_tsa",
        }
    }
    /// The keystore label of this key (bound into its wrapped blob).
    pub fn key_label(self) -> String {
        format!("ca:{}", self.as_str())
    }
}

/// A cert and the reference to its private key in the signing core.
#[derive(Debug, Clone)]
pub struct CaMaterial {
    pub kind: CaKind,
    pub cert_der: Vec<u8>,
    pub key: KeyRef,
}

impl CaMaterial {
    fn public_key(&self) -> Result<Vec<u8>, PkiError> {
        Ok(inspect::CertInfo::parse(&self.cert_der)?.public_key)
    }
}

/// What goes into a seal cert's subject.
#[derive(Debug, Clone)]
pub struct SealSubject<'a> {
    pub seal_id: &'a str,
    pub holder: &'a str,
    pub town: &'a str,
}

/// The district PKI: root CA, seal CA (issues seal certs and the CRL) and the
/// timestamp authority, plus the public URL seal certs point their CRL at.
#[derive(Debug, Clone)]
pub struct Pki {
    pub root: CaMaterial,
    pub seal_ca: CaMaterial,
    pub tsa: CaMaterial,
    /// CRL distribution point written into seal certs.
    pub crl_url: String,
}

fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut b = crate::crypto::random_bytes(16)?;
    b[0] &= 0x7f;
    b[0] |= 0x01;
    Ok(SerialNumber::from_slice(&b))
}

/// DER of `SEQUENCE OF OBJECT IDENTIFIER` for an extendedKeyUsage value.
fn eku_value(oids: &[&[u64]]) -> Result<Vec<u8>, PkiError> {
    use der::Encode;
    let list: Result<Vec<der::asn1::ObjectIdentifier>, _> = oids
        .iter()
        .map(|arcs| {
            let s = arcs
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".");
            der::asn1::ObjectIdentifier::new(&s)
        })
        .collect();
    let list = list.map_err(|e| PkiError::Generate(e.to_string()))?;
    list.to_der().map_err(|e| PkiError::Generate(e.to_string()))
}

/// The CRL URL for an installation served at `public_url`.
pub fn crl_url_for(public_url: &str) -> String {
    format!("{}/pki/seal-ca.crl", public_url.trim_end_matches('/'))
}

/// The URL of the root's CRL (covering the seal CA and TSA certs).
pub fn root_crl_url_for(public_url: &str) -> String {
    format!("{}/pki/root.crl", public_url.trim_end_matches('/'))
}

/// The seal CA cert's contents (all but its key and signature).
fn seal_ca_params(public_url: &str, now: OffsetDateTime) -> Result<CertificateParams, PkiError> {
    let mut p = CertificateParams::default();
    p.distinguished_name = names::seal_ca();
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = now - BACKDATE;
    p.not_after = now + Duration::days(365 * INTERMEDIATE_YEARS);
    p.serial_number = Some(random_serial()?);
    p.use_authority_key_identifier_extension = true;
    // Long-term validators (AdES) want revocation data for every cert
    // below the anchor: the root's CRL covers the seal CA and the TSA.
    p.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![root_crl_url_for(public_url)],
    }];
    Ok(p)
}

impl Pki {
    /// Create a new hierarchy: three fresh keys in the signing core, the
    /// self-signed root, and the seal CA and TSA certs under it.
    pub fn create(
        signer: &dyn Signer,
        public_url: &str,
        now: OffsetDateTime,
    ) -> Result<Self, PkiError> {
        let root_key = signer.generate(&CaKind::Root.key_label())?;
        let mut root_params = CertificateParams::default();
        root_params.distinguished_name = names::root();
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        root_params.not_before = now - BACKDATE;
        root_params.not_after = now + Duration::days(365 * ROOT_YEARS);
        root_params.serial_number = Some(random_serial()?);
        let root_signing = CoreSigningKey::new(signer, &root_key.key, root_key.public_key.clone());
        let root_cert = root_params.self_signed(&root_signing)?;
        let root_issuer = Issuer::new(root_params, root_signing);

        let ca_key = signer.generate(&CaKind::SealCa.key_label())?;
        let ca_cert = seal_ca_params(public_url, now)?
            .signed_by(&SubjectKey(&ca_key.public_key), &root_issuer)?;
        let root_cdp = vec![CrlDistributionPoint {
            uris: vec![root_crl_url_for(public_url)],
        }];

        let tsa_key = signer.generate(&CaKind::Tsa.key_label())?;
        let mut tsa_params = CertificateParams::default();
        tsa_params.distinguished_name = names::tsa();
        tsa_params.is_ca = IsCa::ExplicitNoCa;
        tsa_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        tsa_params.not_before = now - BACKDATE;
        tsa_params.not_after = now + Duration::days(365 * INTERMEDIATE_YEARS);
        tsa_params.serial_number = Some(random_serial()?);
        tsa_params.use_authority_key_identifier_extension = true;
        tsa_params.crl_distribution_points = root_cdp;
        // RFC 3161 §2.3: the TSA cert MUST carry timeStamping as its only
        // extendedKeyUsage, marked critical. rcgen writes EKU non-critical,
        // so it is added as a custom extension.
        let mut eku =
            CustomExtension::from_oid_content(&[2, 5, 29, 37], eku_value(&[OID_TIME_STAMPING])?);
        eku.set_criticality(true);
        tsa_params.custom_extensions.push(eku);
        let tsa_cert = tsa_params.signed_by(&SubjectKey(&tsa_key.public_key), &root_issuer)?;

        Ok(Self {
            root: CaMaterial {
                kind: CaKind::Root,
                cert_der: root_cert.der().to_vec(),
                key: root_key.key,
            },
            seal_ca: CaMaterial {
                kind: CaKind::SealCa,
                cert_der: ca_cert.der().to_vec(),
                key: ca_key.key,
            },
            tsa: CaMaterial {
                kind: CaKind::Tsa,
                cert_der: tsa_cert.der().to_vec(),
                key: tsa_key.key,
            },
            crl_url: crl_url_for(public_url),
        })
    }

    /// A new seal CA under this root (the ceremony's `seal-ca`): a fresh
    /// key from `keystore` (the online one), its cert signed by the root
    /// key through `root_signer` (the ceremony's reassembled bundle).
    pub fn new_seal_ca(
        &self,
        root_signer: &dyn Signer,
        keystore: &dyn Signer,
        public_url: &str,
        now: OffsetDateTime,
    ) -> Result<CaMaterial, PkiError> {
        let key = keystore.generate(&CaKind::SealCa.key_label())?;
        let cert = seal_ca_params(public_url, now)?.signed_by(
            &SubjectKey(&key.public_key),
            &self.root_issuer(root_signer)?,
        )?;
        Ok(CaMaterial {
            kind: CaKind::SealCa,
            cert_der: cert.der().to_vec(),
            key: key.key,
        })
    }

    /// The rcgen issuer for the root, signing through the core.
    pub(crate) fn root_issuer<'a>(
        &'a self,
        signer: &'a dyn Signer,
    ) -> Result<Issuer<'static, CoreSigningKey<'a>>, PkiError> {
        let key = CoreSigningKey::new(signer, &self.root.key, self.root.public_key()?);
        Ok(Issuer::from_ca_cert_der(
            &self.root.cert_der.clone().into(),
            key,
        )?)
    }

    /// The rcgen issuer for the seal CA, signing through the core.
    pub fn seal_ca_issuer<'a>(
        &'a self,
        signer: &'a dyn Signer,
    ) -> Result<Issuer<'static, CoreSigningKey<'a>>, PkiError> {
        let key = CoreSigningKey::new(signer, &self.seal_ca.key, self.seal_ca.public_key()?);
        Ok(Issuer::from_ca_cert_der(
            &self.seal_ca.cert_der.clone().into(),
            key,
        )?)
    }

    /// Issue a seal cert for `public_key` (SEC1): CN = holder, serialNumber =
    /// seal_id, keyUsage digitalSignature + nonRepudiation (critical),
    /// extendedKeyUsage documentSigning (+ emailProtection, which NSS-based
    /// validators such as poppler's pdfsig require of a signer), the CRL
    /// distribution point, valid for five years.
    pub fn issue_seal_cert(
        &self,
        issuer: &Issuer<'_, CoreSigningKey<'_>>,
        subject: &SealSubject<'_>,
        public_key: &[u8],
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, PkiError> {
        let mut p = CertificateParams::default();
        p.distinguished_name = names::seal(subject.holder, subject.seal_id, subject.town);
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::Other(OID_DOCUMENT_SIGNING.to_vec()),
            ExtendedKeyUsagePurpose::EmailProtection,
        ];
        p.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![self.crl_url.clone()],
        }];
        p.not_before = now - BACKDATE;
        p.not_after = now + Duration::days(365 * SEAL_VALIDITY_YEARS);
        p.serial_number = Some(random_serial()?);
        p.use_authority_key_identifier_extension = true;
        Ok(p.signed_by(&SubjectKey(public_key), issuer)?.der().to_vec())
    }

    /// Whether the root key is offline (its row holds the cert only; the
    /// key is in the custodians' shares).
    pub fn root_offline(&self) -> bool {
        self.root.key.wrapped.is_empty()
    }

    /// Certs a validator needs besides the signer's: seal CA, TSA, root.
    pub fn chain_ders(&self) -> Vec<Vec<u8>> {
        vec![
            self.seal_ca.cert_der.clone(),
            self.tsa.cert_der.clone(),
            self.root.cert_der.clone(),
        ]
    }
}
