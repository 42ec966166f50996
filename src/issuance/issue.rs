//! The issuing step: check the fields, take the next number, render with the
//! seal's place reserved, sign (PAdES, default B-LT) with the seal's key
//! through the signing core, and record the document, all in one database
//! transaction: a document exists whole or not at all.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{allocate_number, code_digest, new_document_id, new_verification_code};
use crate::document::{
    self, DocumentMeta, FieldError, RenderError, SealPlacement, SealView, Templates,
};
use crate::domain::SealLevel;
use crate::font::FontBook;
use crate::installation::Installation;
use crate::pades::{self, LtvMaterial, PadesLevel, SignOptions, SigningIdentity, VisibleSeal};
use crate::seal::SealAppearance;
use crate::seal::registry::{self, RegistryError};
use crate::store::StoreError;
use crate::store::documents::{self, DocumentRow};
use crate::tsa::TimestampClient;

/// Errors issuing a document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    #[error("unknown document kind {0}")]
    UnknownKind(String),
    #[error("the form has errors: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldError>),
    #[error("seal {seal} ({level}) may not issue {kind}")]
    LevelNotAllowed {
        seal: String,
        level: SealLevel,
        kind: String,
    },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Font(#[from] crate::font::FontError),
    #[error("signing failed: {0}")]
    Sign(#[from] pades::PadesError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
}

impl From<sqlx::Error> for IssueError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub seal_id: String,
    pub kind: String,
    pub fields: serde_json::Value,
    pub level: PadesLevel,
    /// Who issued it (a clerk's username, or `cli`).
    pub issued_by: String,
    pub application_id: Option<String>,
    /// The document's id when the caller chose it (to record it with its
    /// own rows in the same statement); a fresh one otherwise.
    pub document_id: Option<String>,
}

/// An issued document.
#[derive(Debug, Clone)]
pub struct Issued {
    pub document_id: String,
    pub number: String,
    pub verification_code: String,
    pub pdf: Vec<u8>,
    pub pdf_sha256: String,
}

/// Everything issuing needs besides the request.
pub struct IssueContext<'a> {
    pub inst: &'a Installation,
    pub templates: &'a Templates,
    pub font: Arc<FontBook>,
    pub tsa: &'a dyn TimestampClient,
    pub public_url: String,
    /// Demo installations mark every document 样本.
    pub specimen: bool,
    /// The service's short-lived copy of the CRLs (`None`: read each time).
    pub crls: Option<&'a CrlCache>,
}

/// The CRLs a B-LT document embeds, kept for a minute: they change only on
/// a revocation, and a revoked seal cannot issue (its key is gone), so a
/// CRL a minute old in another seal's DSS is as good as the newest.
#[derive(Debug, Default)]
pub struct CrlCache(std::sync::Mutex<Option<(std::time::Instant, Vec<u8>, Vec<u8>)>>);

const CRL_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

async fn current_crls(ctx: &IssueContext<'_>) -> Result<(Vec<u8>, Vec<u8>), IssueError> {
    if let Some(cache) = ctx.crls
        && let Ok(guard) = cache.0.lock()
        && let Some((at, crl, root)) = guard.as_ref()
        && at.elapsed() < CRL_CACHE_TTL
    {
        return Ok((crl.clone(), root.clone()));
    }
    let (store, signer, pki) = (&ctx.inst.store, ctx.inst.signer.as_ref(), &ctx.inst.pki);
    let crl = registry::current_crl(store, signer, pki).await?;
    let root = registry::current_root_crl(store, signer, pki).await?;
    if let Some(cache) = ctx.crls
        && let Ok(mut guard) = cache.0.lock()
    {
        *guard = Some((std::time::Instant::now(), crl.clone(), root.clone()));
    }
    Ok((crl, root))
}

/// The seal's drawing as a signature appearance stream, built once per
/// (font, holder, inscription, size) and kept in a small process-wide cache:
/// it is the same for every document of a seal.
fn signature_appearance(
    font: &FontBook,
    holder: &str,
    inscription: Option<&str>,
    size: f32,
) -> Result<Vec<u8>, IssueError> {
    type Key = (u64, String, Option<String>, u32);
    static CACHE: std::sync::OnceLock<crate::document::cache::Bounded<Key, Vec<u8>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(|| crate::document::cache::Bounded::new(64));
    let key = (
        font.id(),
        holder.to_string(),
        inscription.map(str::to_string),
        size.to_bits(),
    );
    if let Some(hit) = cache.get(&key) {
        return Ok(hit.as_ref().clone());
    }
    let content = SealAppearance::new(font, holder, inscription)?.pdf_content(size);
    cache.insert(key, Arc::new(content.clone()));
    Ok(content)
}

fn reason_for(level: SealLevel) -> &'static str {
    match level {
        SealLevel::District => "区级证明电子签章",
        SealLevel::Town => "镇级证明电子签章",
        SealLevel::Village => "村级证明电子签章",
    }
}

/// What issuing needs that is read before the issuing transaction opens:
/// the checked fields, the seal's signing material and the current CRL.
pub struct Prepared<'t> {
    template: &'t crate::document::Template,
    filled: crate::document::Filled,
    material: registry::SigningMaterial,
    crl: Vec<u8>,
    root_crl: Vec<u8>,
}

impl std::fmt::Debug for Prepared<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("kind", &self.template.id)
            .field("seal", &self.material.seal.seal_id)
            .finish_non_exhaustive()
    }
}

/// Check the request and read what signing needs. Done before the issuing
/// transaction because refreshing a stale CRL writes to the store.
pub async fn prepare<'t>(
    ctx: &IssueContext<'t>,
    req: &IssueRequest,
) -> Result<Prepared<'t>, IssueError> {
    let template = ctx
        .templates
        .get(&req.kind)
        .ok_or_else(|| IssueError::UnknownKind(req.kind.clone()))?;
    let filled = document::validate(template, &req.fields).map_err(IssueError::Fields)?;
    let store = &ctx.inst.store;
    let material = registry::signing_material(store, &req.seal_id).await?;
    if !template.levels.contains(&material.seal.level) {
        return Err(IssueError::LevelNotAllowed {
            seal: req.seal_id.clone(),
            level: material.seal.level,
            kind: req.kind.clone(),
        });
    }
    let (crl, root_crl) = current_crls(ctx).await?;
    Ok(Prepared {
        root_crl,
        template,
        filled,
        material,
        crl,
    })
}

/// Issue one document in its own transaction (see the module docs).
pub async fn issue(ctx: &IssueContext<'_>, req: &IssueRequest) -> Result<Issued, IssueError> {
    let prepared = prepare(ctx, req).await?;
    let mut tx = ctx.inst.store.begin_write().await?;
    let (issued, _) = issue_in(ctx, req, prepared, &mut tx).await?;
    tx.commit().await?;
    Ok(issued)
}

/// Issue inside the caller's transaction: take the number, render, sign and
/// insert the document row. Nothing is visible until the caller commits.
pub async fn issue_in(
    ctx: &IssueContext<'_>,
    req: &IssueRequest,
    prepared: Prepared<'_>,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(Issued, DocumentRow), IssueError> {
    let started = std::time::Instant::now();
    let level = prepared.material.seal.level;
    let result = issue_in_inner(ctx, req, prepared, tx).await;
    crate::metrics::metrics().issuance(level.as_str(), result.is_ok(), started.elapsed());
    result
}

async fn issue_in_inner(
    ctx: &IssueContext<'_>,
    req: &IssueRequest,
    prepared: Prepared<'_>,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(Issued, DocumentRow), IssueError> {
    let Prepared {
        template,
        filled,
        material,
        crl,
        root_crl,
    } = prepared;
    // Document numbers and dates follow Beijing time.
    let now = OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    let allocated = allocate_number(tx, &material.seal, now.year()).await?;
    let number = allocated.to_string();
    let document_id = match &req.document_id {
        Some(id) => id.clone(),
        None => new_document_id()?,
    };
    let code = new_verification_code()?;
    let base = ctx.public_url.trim_end_matches('/');
    let meta = DocumentMeta {
        number: number.clone(),
        verification_code: code.clone(),
        qr_url: format!("{base}/v/{document_id}?c={code}"),
        verify_url: format!("{base}/verify"),
        specimen: ctx.specimen,
        placement: SealPlacement::Reserved,
    };
    let seal = &material.seal;
    let view = SealView {
        seal_id: seal.seal_id.to_string(),
        holder: seal.holder.clone(),
        level: seal.level,
        inscription: seal.inscription.clone(),
    };
    let rendered = document::render_pdf(&ctx.font, template, &filled, &view, now, &meta)?;
    let size = rendered.seal_rect[2] - rendered.seal_rect[0];
    let appearance =
        signature_appearance(&ctx.font, &seal.holder, seal.inscription.as_deref(), size)?;
    let identity = SigningIdentity {
        signer: ctx.inst.signer.as_ref(),
        key: &material.key,
        cert_der: material.cert_der.clone(),
        chain_der: vec![ctx.inst.pki.seal_ca.cert_der.clone()],
    };
    let opts = SignOptions {
        level: req.level,
        reason: reason_for(seal.level).into(),
        location: format!(
            "江苏省连云港市赣榆区{}",
            if seal.town == "赣榆区" {
                ""
            } else {
                seal.town.as_str()
            }
        ),
        name: seal.holder.clone(),
        visible: Some(VisibleSeal {
            page_index: rendered.seal_page,
            rect: rendered.seal_rect,
            appearance,
        }),
        signing_time: now,
        tsa: ctx.tsa,
        validation: LtvMaterial {
            certs: vec![ctx.inst.pki.root.cert_der.clone()],
            crls: vec![crl, root_crl],
        },
    };
    let signed = pades::sign(&rendered.pdf, &identity, &opts)?;
    let pdf = signed.bytes;
    let pdf_sha256 = hex::encode(crate::crypto::sha256(&pdf));
    let cert_serial_hex = crate::pki::CertInfo::parse(&material.cert_der)
        .map_err(RegistryError::from)?
        .serial_hex;
    let row = DocumentRow {
        document_id: document_id.clone(),
        number: number.clone(),
        seal_id: req.seal_id.clone(),
        year: i64::from(now.year()),
        seq: allocated.seq,
        kind: req.kind.clone(),
        holder: seal.holder.clone(),
        fields_json: filled.json.to_string(),
        code_sha256: code_digest(&code),
        pdf_sha256: pdf_sha256.clone(),
        pades_level: req.level.as_str().into(),
        cert_serial_hex,
        issued_at: now.unix_timestamp(),
        issued_by: req.issued_by.clone(),
        status: "issued".into(),
        voided_at: None,
        void_reason: None,
        application_id: req.application_id.clone(),
        signed_digest: Some(hex::encode(signed.signed_digest)),
    };
    documents::insert(&mut **tx, &row, &pdf).await?;
    Ok((
        Issued {
            document_id,
            number,
            verification_code: code,
            pdf,
            pdf_sha256,
        },
        row,
    ))
}
