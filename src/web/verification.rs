//! Verifying an uploaded PDF inside the service: the installation's root as
//! trust anchor, its current CRL, and the document registry. Shared by the
//! JSON API and the `/verify` page.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

use super::{ApiError, AppState};
use crate::issuance::records::StoreRegistry;
use crate::domain::IssuedDocument;
use crate::verify::{Report, TrustStore, VerifyOptions};

/// Largest PDF accepted for verification (the request body limit of the
/// verify routes; larger uploads get 413 before they are read).
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

/// At most this many verifications run at once (bounds memory: each holds
/// its upload), the rest wait.
pub const CONCURRENT: usize = 8;

/// A verification's result with what the registry knows of the document.
pub struct Verified {
    pub report: Report,
    pub record: Option<IssuedDocument>,
}

/// Verify `pdf` with the installation's trust anchor, CRL and registry.
pub async fn verify_upload(state: &AppState, pdf: Bytes) -> Result<Verified, ApiError> {
    let _permit = state
        .verify_slots
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    let issuer = &state.services.issuer;
    let inst = &issuer.inst;
    let crl = crate::seal::registry::current_crl(&inst.store, inst.signer.as_ref(), &inst.pki)
        .await
        .map_err(ApiError::internal)?;
    let root_crl =
        crate::seal::registry::current_root_crl(&inst.store, inst.signer.as_ref(), &inst.pki)
            .await
            .map_err(ApiError::internal)?;
    let mut trust = TrustStore::new();
    trust.add_crl(&root_crl).map_err(ApiError::internal)?;
    trust
        .add_anchor(&inst.pki.root.cert_der)
        .map_err(ApiError::internal)?;
    trust.add_crl(&crl).map_err(ApiError::internal)?;
    let store = inst.store.clone();
    let handle = tokio::runtime::Handle::current();
    let started = std::time::Instant::now();
    let (report, record) = tokio::task::spawn_blocking(move || {
        let registry = StoreRegistry::new(store, handle);
        let opts = VerifyOptions {
            registry: Some(&registry),
            ..VerifyOptions::default()
        };
        let report = crate::verify::verify(&pdf, &trust, &opts);
        (report, registry.found())
    })
    .await
    .map_err(ApiError::internal)?;
    crate::metrics::metrics().verification(report.verdict.as_str(), started.elapsed());
    tracing::info!(
        verdict = report.verdict.as_str(),
        signatures = report.signatures.len(),
        ms = started.elapsed().as_millis() as u64,
        "verified"
    );
    Ok(Verified { report, record })
}

/// The PDF of a verify request: a raw `application/pdf` body, or the first
/// file part of a `multipart/form-data` upload.
pub async fn read_pdf(req: Request) -> Result<Bytes, ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = |e: &dyn std::fmt::Display| {
        let text = e.to_string();
        if text.contains("length limit") || text.contains("too large") {
            ApiError::PayloadTooLarge
        } else {
            ApiError::bad_request("bad_upload", format!("上传未完成或格式错误：{text}"))
        }
    };
    let bytes = if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| ApiError::bad_request("bad_upload", format!("上传格式错误：{e}")))?;
        let mut found = None;
        while let Some(field) = mp.next_field().await.map_err(|e| too_large(&e))? {
            if field.file_name().is_some() || field.name() == Some("file") {
                found = Some(field.bytes().await.map_err(|e| too_large(&e))?);
                break;
            }
        }
        found.ok_or_else(|| ApiError::bad_request("no_file", "请选择要验证的 PDF 文件"))?
    } else if ct.starts_with("application/pdf") || ct.starts_with("application/octet-stream") {
        Bytes::from_request(req, &())
            .await
            .map_err(|e| too_large(&e))?
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request("empty_file", "上传的文件是空的"));
    }
    Ok(bytes)
}

/// The semaphore bounding concurrent verifications.
pub fn slots() -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(CONCURRENT))
}
