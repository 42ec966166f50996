//! What the verifier trusts, and the options of one verification.

use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use super::Limits;

/// Why a trust anchor or CRL was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    #[error("not a PEM or DER X.509 certificate")]
    BadCert,
    #[error("not a PEM or DER X.509 CRL")]
    BadCrl,
}

/// Trust anchors (root certs) and the installation's current CRLs.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    pub(crate) anchors: Vec<Vec<u8>>,
    pub(crate) crls: Vec<Vec<u8>>,
    /// Certs that may complete a path but are not trusted themselves: an
    /// OFD's electronic signature carries only the signer's cert (and the
    /// seal the maker's), so the SM2 seal CA comes from here.
    pub(crate) intermediates: Vec<Vec<u8>>,
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a trust anchor given as DER or PEM (every certificate in a PEM bundle is added).
    pub fn add_anchor(&mut self, data: &[u8]) -> Result<(), TrustError> {
        for der in pem_or_der(data, "CERTIFICATE") {
            X509Certificate::from_der(&der).map_err(|_| TrustError::BadCert)?;
            if !self.anchors.contains(&der) {
                self.anchors.push(der);
            }
        }
        if self.anchors.is_empty() {
            return Err(TrustError::BadCert);
        }
        Ok(())
    }

    /// Add a CRL (DER or PEM), e.g. the installation's current seal CA CRL.
    /// It is used only if its signature verifies against its issuer.
    pub fn add_crl(&mut self, data: &[u8]) -> Result<(), TrustError> {
        let ders = pem_or_der(data, "X509 CRL");
        if ders.is_empty() {
            return Err(TrustError::BadCrl);
        }
        for der in ders {
            CertificateRevocationList::from_der(&der).map_err(|_| TrustError::BadCrl)?;
            self.crls.push(der);
        }
        Ok(())
    }

    /// Add intermediate certs (DER or PEM; every cert of a bundle).
    pub fn add_intermediate(&mut self, data: &[u8]) -> Result<(), TrustError> {
        let ders = pem_or_der(data, "CERTIFICATE");
        for der in ders {
            X509Certificate::from_der(&der).map_err(|_| TrustError::BadCert)?;
            if !self.intermediates.contains(&der) {
                self.intermediates.push(der);
            }
        }
        Ok(())
    }

    pub fn anchors(&self) -> &[Vec<u8>] {
        &self.anchors
    }
}

/// PEM blocks labelled `label`, or `data` itself when it is not PEM.
fn pem_or_der(data: &[u8], label: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let Ok(text) = std::str::from_utf8(data) else {
        return vec![data.to_vec()];
    };
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    if !text.contains(&begin) {
        return vec![data.to_vec()];
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(b) = rest.find(&begin) {
        let after = &rest[b + begin.len()..];
        let Some(e) = after.find(&end) else { break };
        let body: String = after[..e].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body) {
            out.push(der);
        }
        rest = &after[e + end.len()..];
    }
    out
}

/// The registry's answer about a document (implemented by the service).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistryStatus {
    /// On record and in force.
    OnRecord {
        document_number: String,
        kind: String,
        seal_id: String,
    },
    /// Voided: when (RFC 3339) and why.
    Voided {
        document_number: String,
        at: String,
        reason: String,
    },
    /// Replaced by a newer document.
    Superseded {
        document_number: String,
        by: String,
        at: String,
    },
    /// Not on record.
    NotFound,
    /// The registry could not be asked.
    Unavailable,
}

/// What the verifier knows about the document when asking the registry.
#[derive(Debug, Clone)]
pub struct RegistryQuery {
    /// SHA-256 of the whole file.
    pub file_sha256: [u8; 32],
    /// SHA-256 of the bytes covered by the first signature (the issued document
    /// before any later DSS or timestamp updates), if there is one.
    pub first_signed_revision_sha256: Option<[u8; 32]>,
    /// seal_id of each signer, in signature order.
    pub seal_ids: Vec<String>,
    /// For an OFD: the dataHash (SM3 of `Signature.xml`) of its first
    /// intact electronic signature.
    pub ofd_data_hash: Option<[u8; 32]>,
}

/// The seal service's document registry (the document-level OCSP).
pub trait Registry: Send + Sync {
    fn lookup(&self, query: &RegistryQuery) -> RegistryStatus;
}

/// Options of one verification.
#[derive(Clone, Default)]
pub struct VerifyOptions<'a> {
    pub limits: Limits,
    /// Validation time (Unix seconds) used when no timestamp proves the signing
    /// time; `None` means now.
    pub now: Option<i64>,
    pub registry: Option<&'a dyn Registry>,
}

impl std::fmt::Debug for VerifyOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOptions")
            .field("limits", &self.limits)
            .field("now", &self.now)
            .field("registry", &self.registry.is_some())
            .finish()
    }
}
