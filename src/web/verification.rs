//! Verifying an uploaded PDF inside the service: the installation's root as
//! trust anchor, its current CRL, and the document registry. Shared by the
//! JSON API and the `/verify` page.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use http_body_util::BodyExt;

use super::{ApiError, AppState};
use crate::domain::IssuedDocument;
use crate::issuance::records::StoreRegistry;
use crate::verify::{Report, TrustStore, VerifyOptions};

/// Largest PDF accepted for verification (the request body limit of the
/// verify routes; larger uploads get 413 before they are read).
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

/// A verification's result with what the registry knows of the document.
pub struct Verified {
    pub report: Report,
    pub record: Option<IssuedDocument>,
}

/// Verify an upload with the installation's trust anchor, CRL and
/// registry; its slot is held until the verifier is done.
pub async fn verify_upload(state: &AppState, upload: Upload) -> Result<Verified, ApiError> {
    let Upload { permit, pdf } = upload;
    let trust = state.verify_trust.get(state).await?;
    let store = state.store().clone();
    let handle = tokio::runtime::Handle::current();
    let started = std::time::Instant::now();
    let (report, record) = tokio::task::spawn_blocking(move || {
        let _slot = permit;
        let registry = StoreRegistry::new(store, handle);
        let opts = VerifyOptions {
            registry: Some(&registry),
            ..VerifyOptions::default()
        };
        let report = crate::verify::verify(&pdf, trust.as_ref(), &opts);
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

/// How long the service verifies with the same trust store (its root and
/// the CRLs as published) before it reads the published CRLs again. A
/// revocation publishes a new CRL in its own transaction, possibly in
/// another process; verification sees it within this time.
pub const TRUST_REFRESH: std::time::Duration = std::time::Duration::from_secs(1);

/// The trust store verification uses, built from the stored CRLs at most
/// once per [`TRUST_REFRESH`] instead of read and parsed for every upload
/// (two database reads and three DER parses a request).
#[derive(Default)]
pub struct TrustCache {
    current: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<TrustStore>)>>,
}

impl TrustCache {
    /// The current trust store; rebuilt when older than [`TRUST_REFRESH`].
    pub async fn get(&self, state: &AppState) -> Result<std::sync::Arc<TrustStore>, ApiError> {
        if let Ok(g) = self.current.lock()
            && let Some((at, trust)) = g.as_ref()
            && at.elapsed() < TRUST_REFRESH
        {
            return Ok(trust.clone());
        }
        // Published CRLs only: verification never signs anything.
        let crate::seal::crl_publication::Crls {
            seal_ca: crl,
            root: root_crl,
            sm2_seal_ca,
        } = super::pki::published(state).await?;
        let mut trust = TrustStore::new();
        trust.add_crl(&root_crl).map_err(ApiError::internal)?;
        let inst = &state.services.issuer.inst;
        trust
            .add_anchor(&inst.pki.root.cert_der)
            .map_err(ApiError::internal)?;
        trust.add_crl(&crl).map_err(ApiError::internal)?;
        // OFD documents: the SM2 root, and the SM2 seal CA, maker and TSA
        // (an electronic signature carries only the signer's cert).
        if let Some(sm2) = &inst.sm2 {
            trust
                .add_anchor(&sm2.root.cert_der)
                .map_err(ApiError::internal)?;
            for c in sm2.chain_ders() {
                trust.add_intermediate(&c).map_err(ApiError::internal)?;
            }
        }
        if let Some(c) = &sm2_seal_ca {
            trust.add_crl(c).map_err(ApiError::internal)?;
        }
        let trust = std::sync::Arc::new(trust);
        if let Ok(mut g) = self.current.lock() {
            *g = Some((std::time::Instant::now(), trust.clone()));
        }
        Ok(trust)
    }
}

/// An upload admitted for verification: the slot it holds and its bytes.
pub struct Upload {
    permit: crate::admission::Permit,
    pub pdf: Bytes,
}

fn busy() -> ApiError {
    ApiError::Busy {
        retry_after: 2,
        message: "验证请求较多，请稍后再试".into(),
    }
}

/// Take a verification slot, *then* read the PDF of the request into a
/// buffer bounded by [`UPLOAD_LIMIT`] within the upload deadline. A
/// declared length over the limit is refused before anything is read; no
/// slot (all busy and the queue full, or the wait too long) is a 503 with
/// `Retry-After`, also before the body is read.
pub async fn receive(state: &AppState, req: Request) -> Result<Upload, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > UPLOAD_LIMIT as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let permit = state.verify_slots.enter().await.map_err(|_| busy())?;
    let pdf = tokio::time::timeout(state.upload_timeout, read_pdf(req, declared))
        .await
        .map_err(|_| ApiError::bad_request("upload_timeout", "上传超时，请检查网络后重新上传"))??;
    Ok(Upload { permit, pdf })
}

/// The PDF of a verify request: a raw `application/pdf` body, or the first
/// file part of a `multipart/form-data` upload.
async fn read_pdf(req: Request, declared: Option<u64>) -> Result<Bytes, ApiError> {
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
    let (parts, body) = req.into_parts();
    let body = http_body_util::Limited::new(body, UPLOAD_LIMIT);
    let bytes = if ct.starts_with("multipart/form-data") {
        let req = Request::from_parts(parts, axum::body::Body::new(body));
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
        found.ok_or_else(|| ApiError::bad_request("no_file", "请选择要验证的 PDF 或 OFD 文件"))?
    } else if [
        "application/pdf",
        "application/ofd",
        "application/zip",
        "application/octet-stream",
    ]
    .iter()
    .any(|t| ct.starts_with(t))
    {
        // One buffer, sized from the declared length (already checked
        // against the limit); chunks are copied in and dropped.
        let mut buf = Vec::with_capacity(declared.unwrap_or(0) as usize);
        let mut body = std::pin::pin!(body);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| too_large(&*e))?;
            if let Ok(data) = frame.into_data() {
                buf.extend_from_slice(&data);
            }
        }
        Bytes::from(buf)
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request("empty_file", "上传的文件是空的"));
    }
    Ok(bytes)
}
/// The verification slots: `verify_concurrency`, or two per core; up to
/// four per slot wait (their bodies unread) for at most ten seconds.
pub fn slots(concurrency: usize) -> crate::admission::Admission {
    let running = match concurrency {
        0 => 2 * crate::admission::cores(),
        n => n,
    };
    crate::admission::Admission::new(running, 4 * running, std::time::Duration::from_secs(10))
}
