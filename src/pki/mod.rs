//! The district PKI: root CA, seal CA, timestamp authority and seal certs
//! (issued with rcgen), CRLs, and chain checks (x509-parser); beside it the
//! SM2 hierarchy ([`sm2`], issued with x509-cert's builder).
//!
//! Private keys never appear here: every signature goes through
//! [`crate::crypto::Signer`] via [`CoreSigningKey`].

mod authority;
mod crl;
mod error;
mod inspect;
pub(crate) mod names;
mod signing_key;
pub mod sm2;

pub use authority::{
    CaKind, CaMaterial, Pki, SEAL_VALIDITY_YEARS, SealSubject, crl_url_for, root_crl_url_for,
};
pub use crl::{ROOT_CRL_LIFETIME, RevocationReason, RevokedEntry};
pub use error::PkiError;
pub use inspect::{CertInfo, fingerprint_sha256, verify_issued_by};
pub use signing_key::CoreSigningKey;
pub use sm2::{Sm2Pki, sm2_crl_url_for};

/// OID of extendedKeyUsage documentSigning (RFC 9336).
pub const OID_DOCUMENT_SIGNING: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 36];
/// OID of extendedKeyUsage timeStamping.
pub const OID_TIME_STAMPING: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 8];

/// PEM-encode a DER certificate.
pub fn cert_pem(der: &[u8]) -> String {
    pem_block("CERTIFICATE", der)
}

/// PEM-encode `der` under `label`.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Decode every `CERTIFICATE` block of a PEM text (or accept raw DER).
pub fn certs_from_pem_or_der(data: &[u8]) -> Result<Vec<Vec<u8>>, PkiError> {
    use base64::Engine;
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(vec![data.to_vec()]);
    };
    if !text.contains("-----BEGIN") {
        return Ok(vec![data.to_vec()]);
    }
    let mut out = Vec::new();
    let mut b64 = String::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            inside = true;
            b64.clear();
        } else if line == "-----END CERTIFICATE-----" {
            inside = false;
            let der = base64::engine::general_purpose::STANDARD
                .decode(&b64)
                .map_err(|_| PkiError::BadCert("PEM block is not valid base64".into()))?;
            out.push(der);
        } else if inside {
            b64.push_str(line);
        }
    }
    if out.is_empty() {
        return Err(PkiError::BadCert("no CERTIFICATE block in PEM".into()));
    }
    Ok(out)
}
