//! The issuing step: check the fields, render with the seal's place
//! reserved and sign (PAdES, default B-LT) with the seal's key through the
//! signing core, on the blocking pool (CPU work and any wait for an external
//! TSA stay off the async threads), then record the document in a short
//! transaction that takes its number (see [`super::numbering`]) and inserts
//! its rows: a document exists whole or not at all, and a failure before
//! the commit takes no number.

use std::sync::Arc;

use time::OffsetDateTime;

use super::numbering::{self, SealTurns};
use super::{code_digest, new_document_id, new_verification_code};
use crate::configuration::installation::Installation;
use crate::document::{
    self, DocumentMeta, FieldError, RenderError, SealPlacement, SealView, Templates,
};
use crate::domain::IssuedDocument;
use crate::domain::SealLevel;
use crate::font::FontBook;
use crate::pades::{self, LtvMaterial, PadesLevel, SignOptions, SigningIdentity, VisibleSeal};
use crate::seal::SealAppearance;
use crate::seal::registry::{self, RegistryError};
use crate::store::StoreError;
use crate::store::documents;
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
    #[error("sealing the OFD failed: {0}")]
    SignOfd(#[from] crate::ofd::sign::SignOfdError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// Other processes kept taking this seal's next number first.
    #[error("seal {0} is busy issuing elsewhere; try again")]
    Busy(String),
    /// The signing thread died (a bug); nothing was recorded.
    #[error("signing was interrupted: {0}")]
    Interrupted(String),
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
    /// The OFD twin, sealed with the seal's GB/T 38540 electronic
    /// signature, when the context asked for it.
    pub ofd: Option<IssuedOfd>,
}

/// The sealed OFD twin of an issued document and its registry row.
#[derive(Debug, Clone)]
pub struct IssuedOfd {
    pub bytes: Vec<u8>,
    pub row: crate::store::document_ofd::OfdRow,
}

/// Everything issuing needs besides the request.
pub struct IssueContext<'a> {
    pub inst: &'a Installation,
    pub templates: &'a Templates,
    pub font: Arc<FontBook>,
    pub tsa: Arc<dyn TimestampClient>,
    pub public_url: String,
    /// Demo installations mark every document 样本.
    pub specimen: bool,
    /// The service's short-lived copy of the CRLs (`None`: read each time).
    pub crls: Option<&'a CrlCache>,
    /// Turns per seal of a process issuing concurrently (`None`: one at a time).
    pub turns: Option<&'a SealTurns>,
    /// Issue the OFD twin too, timestamped by this SM2 TSA (`None`: PDF only).
    pub ofd_tsa: Option<Arc<crate::tsa::TimestampAuthority>>,
}

/// The CRLs a B-LT document embeds, kept for a minute: they change only on
/// a revocation, and a revoked seal cannot issue (its key is gone), so a
/// CRL a minute old in another seal's DSS is as good as the newest.
#[derive(Debug, Default)]
pub struct CrlCache(std::sync::Mutex<Option<CachedCrls>>);

/// When they were fetched, the seal CA's CRL and the root's.
type CachedCrls = (std::time::Instant, Vec<u8>, Vec<u8>);

const CRL_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

async fn current_crls(ctx: &IssueContext<'_>) -> Result<(Vec<u8>, Vec<u8>), IssueError> {
    if let Some(cache) = ctx.crls
        && let Ok(guard) = cache.0.lock()
        && let Some((at, crl, root)) = guard.as_ref()
        && at.elapsed() < CRL_CACHE_TTL
    {
        return Ok((crl.clone(), root.clone()));
    }
    use crate::seal::crl_publication::{Authorities, Crls, publish_due};
    let (store, signer) = (&ctx.inst.store, ctx.inst.signer.as_ref());
    // The published CRLs; signed here (audited) only if the service's
    // schedule has not published them (an offline `eseal issue`).
    let Crls {
        seal_ca: crl, root, ..
    } = publish_due(store, signer, Authorities::of(ctx.inst), "system").await?;
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
/// the checked fields, the seal's signing material and the current CRLs.
pub struct Prepared {
    template: crate::document::Template,
    filled: crate::document::Filled,
    material: registry::SigningMaterial,
    /// The seal's SM2 identity, when the OFD twin is issued too.
    sm2: Option<registry::Sm2SigningMaterial>,
    crl: Vec<u8>,
    root_crl: Vec<u8>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("kind", &self.template.id)
            .field("seal", &self.material.seal.seal_id)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    pub fn seal(&self) -> &crate::seal::Seal {
        &self.material.seal
    }
}

/// Check the request and read what signing needs. Done before the issuing
/// transaction because refreshing a stale CRL writes to the store.
pub async fn prepare(ctx: &IssueContext<'_>, req: &IssueRequest) -> Result<Prepared, IssueError> {
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
    // A seal provisioned before the installation gained the SM2 hierarchy
    // (and not provisioned again since) issues its PDF alone.
    let sm2 = match ctx.ofd_tsa {
        Some(_) => match registry::sm2_signing_material(store, &req.seal_id).await {
            Ok(m) => Some(m),
            Err(RegistryError::NoSm2Key(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Ok(Prepared {
        root_crl,
        sm2,
        template: template.clone(),
        filled,
        material,
        crl,
    })
}

/// A signed document not yet recorded: its number is not taken until
/// [`record`] commits with it.
pub struct Draft {
    pub issued: Issued,
    pub row: IssuedDocument,
    number: crate::domain::DocumentNumber,
    seal: crate::seal::Seal,
}

/// How many times a document is signed again because another process took
/// its number first, before giving up.
const MAX_ATTEMPTS: usize = 8;

/// Issue one document in its own transaction (see the module docs).
pub async fn issue(ctx: &IssueContext<'_>, req: &IssueRequest) -> Result<Issued, IssueError> {
    let prepared = prepare(ctx, req).await?;
    let _turn = match ctx.turns {
        Some(t) => Some(t.take(&req.seal_id).await),
        None => None,
    };
    for _ in 0..MAX_ATTEMPTS {
        let draft = sign_draft(ctx, req, &prepared).await?;
        let mut tx = ctx.inst.store.begin_write().await?;
        if let Some((issued, row)) = record(&mut tx, draft).await? {
            // The seal's keys signed it: audited with the document, as the
            // clerk's approval is (`application::approve`).
            audit_key_uses(&mut tx, &req.issued_by, &row, &issued, "issue").await?;
            tx.commit().await?;
            return Ok(issued);
        }
    }
    Err(IssueError::Busy(req.seal_id.clone()))
}

/// What the `seal.use` entry of a document says: its number, the seal's
/// cert, the level and the path (`via`: `approve`, `issue`, `sign`).
pub fn seal_use_detail(row: &IssuedDocument, via: &str) -> String {
    format!(
        "number={} cert={} level={} via={via}",
        row.number, row.cert_serial_hex, row.pades_level
    )
}

/// The `seal.use` entry of a document: the seal's key signed it (and the
/// TSA's timestamped it, at B-T and above); `detail` from
/// [`seal_use_detail`].
pub fn seal_use_event<'a>(
    actor: &'a str,
    row: &'a IssuedDocument,
    detail: &'a str,
) -> crate::audit::Event<'a> {
    crate::audit::Event {
        actor,
        action: "seal.use",
        seal_id: Some(&row.seal_id),
        document_id: Some(&row.document_id),
        application_id: row.application_id.as_deref(),
        detail,
    }
}

/// Append the `seal.use` entry of a document recorded inside `tx`.
pub async fn audit_seal_use(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    row: &IssuedDocument,
    via: &str,
) -> Result<(), StoreError> {
    let detail = seal_use_detail(row, via);
    crate::audit::append(
        tx,
        &seal_use_event(actor, row, &detail),
        crate::store::now_unix(),
    )
    .await?;
    Ok(())
}

/// What the `seal.use` entry of an OFD twin says (`form=ofd`, the SM2
/// cert, the package's dataHash).
fn sm2_seal_use_detail(
    row: &IssuedDocument,
    ofd: &crate::store::document_ofd::OfdRow,
    via: &str,
) -> String {
    format!(
        "number={} form=ofd sm2_cert={} data_hash={} via={via}",
        row.number, ofd.sm2_cert_serial_hex, ofd.data_hash
    )
}

/// The details of an issued document's `seal.use` entries, in order: the
/// seal's ECDSA key signed the PDF and, when there is an OFD twin, its SM2
/// key sealed it (each detail goes to [`seal_use_event`]).
pub fn key_use_details(row: &IssuedDocument, issued: &Issued, via: &str) -> Vec<String> {
    let mut details = vec![seal_use_detail(row, via)];
    if let Some(o) = &issued.ofd {
        details.push(sm2_seal_use_detail(row, &o.row, via));
    }
    details
}

/// Append the `seal.use` entries of an issued document ([`key_use_details`]).
pub async fn audit_key_uses(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    row: &IssuedDocument,
    issued: &Issued,
    via: &str,
) -> Result<(), StoreError> {
    let details = key_use_details(row, issued, via);
    let events: Vec<_> = details
        .iter()
        .map(|d| seal_use_event(actor, row, d))
        .collect();
    crate::audit::append_all(tx, &events, crate::store::now_unix()).await?;
    Ok(())
}

/// Append the `seal.use` entry of the seal's SM2 key: it sealed the OFD
/// form of a document recorded inside `tx`.
pub async fn audit_sm2_seal_use(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    row: &IssuedDocument,
    ofd: &crate::store::document_ofd::OfdRow,
    via: &str,
) -> Result<(), StoreError> {
    let detail = sm2_seal_use_detail(row, ofd, via);
    crate::audit::append(
        tx,
        &seal_use_event(actor, row, &detail),
        crate::store::now_unix(),
    )
    .await?;
    Ok(())
}

/// Take the draft's number and insert its rows inside `tx`; `None` when the
/// number was taken meanwhile (sign a new draft and try again). Nothing is
/// visible until the caller commits.
pub async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    draft: Draft,
) -> Result<Option<(Issued, IssuedDocument)>, IssueError> {
    if !numbering::claim(tx, &draft.seal, &draft.number).await? {
        return Ok(None);
    }
    documents::insert(&mut **tx, &draft.row, &draft.issued.pdf).await?;
    if let Some(o) = &draft.issued.ofd {
        crate::store::document_ofd::insert(&mut **tx, &o.row, &o.bytes).await?;
    }
    Ok(Some((draft.issued, draft.row)))
}

/// Render and sign the document the seal's next number would be, on the
/// blocking pool.
pub async fn sign_draft(
    ctx: &IssueContext<'_>,
    req: &IssueRequest,
    prepared: &Prepared,
) -> Result<Draft, IssueError> {
    let started = std::time::Instant::now();
    let level = prepared.material.seal.level;
    let result = sign_draft_inner(ctx, req, prepared).await;
    crate::metrics::metrics().issuance(level.as_str(), result.is_ok(), started.elapsed());
    result
}

/// Everything the signing thread needs, owned.
struct Job {
    font: Arc<FontBook>,
    template: crate::document::Template,
    filled: crate::document::Filled,
    view: SealView,
    meta: DocumentMeta,
    now: OffsetDateTime,
    signer: Arc<dyn crate::crypto::Signer>,
    key: crate::crypto::KeyRef,
    cert_der: Vec<u8>,
    chain_der: Vec<Vec<u8>>,
    opts: JobOptions,
    tsa: Arc<dyn TimestampClient>,
    ofd: Option<OfdJob>,
}

/// What sealing the OFD twin needs, owned.
struct OfdJob {
    key: crate::crypto::KeyRef,
    cert_der: Vec<u8>,
    esl_der: Vec<u8>,
    tsa: Arc<crate::tsa::TimestampAuthority>,
}

/// The signed forms: the PDF and the digest its signature covers, and the
/// sealed OFD if asked for.
type Signed = (Vec<u8>, [u8; 32], Option<crate::ofd::sign::SealedOfd>);

fn seal_ofd(
    job: &Job,
    o: &OfdJob,
    twin: document::RenderedOfd,
) -> Result<crate::ofd::sign::SealedOfd, IssueError> {
    let who = crate::ses::SealSigner {
        signer: job.signer.as_ref(),
        key: &o.key,
        cert_der: &o.cert_der,
        seal_der: &o.esl_der,
    };
    let timestamp = o.tsa.sm3_timestamper();
    let opts = crate::ofd::sign::SealOptions {
        time: job.now,
        stamp: twin.stamp,
        timestamp: &timestamp,
    };
    Ok(crate::ofd::sign::seal(twin.package, &who, &opts)?)
}

struct JobOptions {
    level: PadesLevel,
    reason: String,
    location: String,
    name: String,
    inscription: Option<String>,
    root_der: Vec<u8>,
    crls: Vec<Vec<u8>>,
}

fn run_job(job: Job) -> Result<Signed, IssueError> {
    let (rendered, twin) = match &job.ofd {
        Some(_) => {
            let (pdf, ofd) = document::render_pdf_and_ofd(
                &job.font,
                &job.template,
                &job.filled,
                &job.view,
                job.now,
                &job.meta,
            )?;
            (pdf, Some(ofd))
        }
        None => (
            document::render_pdf(
                &job.font,
                &job.template,
                &job.filled,
                &job.view,
                job.now,
                &job.meta,
            )?,
            None,
        ),
    };
    let sealed_ofd = match (&job.ofd, twin) {
        (Some(o), Some(twin)) => Some(seal_ofd(&job, o, twin)?),
        _ => None,
    };
    let size = rendered.seal_rect[2] - rendered.seal_rect[0];
    let appearance = signature_appearance(
        &job.font,
        &job.opts.name,
        job.opts.inscription.as_deref(),
        size,
    )?;
    let identity = SigningIdentity {
        signer: job.signer.as_ref(),
        key: &job.key,
        cert_der: job.cert_der,
        chain_der: job.chain_der,
    };
    let opts = SignOptions {
        level: job.opts.level,
        reason: job.opts.reason,
        location: job.opts.location,
        name: job.opts.name,
        visible: Some(VisibleSeal {
            page_index: rendered.seal_page,
            rect: rendered.seal_rect,
            appearance,
        }),
        signing_time: job.now,
        tsa: job.tsa.as_ref(),
        validation: LtvMaterial {
            certs: vec![job.opts.root_der],
            crls: job.opts.crls,
        },
    };
    let signed = pades::sign(&rendered.pdf, &identity, &opts)?;
    Ok((signed.bytes, signed.signed_digest, sealed_ofd))
}

async fn sign_draft_inner(
    ctx: &IssueContext<'_>,
    req: &IssueRequest,
    prepared: &Prepared,
) -> Result<Draft, IssueError> {
    let material = &prepared.material;
    let seal = &material.seal;
    // Document numbers and dates follow Beijing time.
    let now = OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    let number = numbering::peek_next(&ctx.inst.store, seal, now.year()).await?;
    let number_text = number.to_string();
    let document_id = match &req.document_id {
        Some(id) => id.clone(),
        None => new_document_id()?,
    };
    let code = new_verification_code()?;
    let base = ctx.public_url.trim_end_matches('/');
    let job = Job {
        font: ctx.font.clone(),
        template: prepared.template.clone(),
        filled: prepared.filled.clone(),
        view: SealView {
            seal_id: seal.seal_id.to_string(),
            holder: seal.holder.clone(),
            level: seal.level,
            inscription: seal.inscription.clone(),
        },
        meta: DocumentMeta {
            number: number_text.clone(),
            verification_code: code.clone(),
            qr_url: format!("{base}/v/{document_id}?c={code}"),
            verify_url: format!("{base}/verify"),
            specimen: ctx.specimen,
            placement: SealPlacement::Reserved,
        },
        now,
        signer: ctx.inst.signer.clone(),
        key: material.key.clone(),
        cert_der: material.cert_der.clone(),
        chain_der: vec![ctx.inst.pki.seal_ca.cert_der.clone()],
        opts: JobOptions {
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
            inscription: seal.inscription.clone(),
            root_der: ctx.inst.pki.root.cert_der.clone(),
            crls: vec![prepared.crl.clone(), prepared.root_crl.clone()],
        },
        tsa: ctx.tsa.clone(),
        ofd: match (&prepared.sm2, &ctx.ofd_tsa) {
            (Some(m), Some(tsa)) => Some(OfdJob {
                key: m.key.clone(),
                cert_der: m.cert_der.clone(),
                esl_der: m.esl_der.clone(),
                tsa: tsa.clone(),
            }),
            _ => None,
        },
    };
    let (pdf, signed_digest, sealed_ofd) = crate::cpu_pool::run(move || run_job(job))
        .await
        .map_err(|e| IssueError::Interrupted(e.0))??;
    let pdf_sha256 = hex::encode(crate::crypto::sha256(&pdf));
    let cert_serial_hex = crate::pki::CertInfo::parse(&material.cert_der)
        .map_err(RegistryError::from)?
        .serial_hex;
    let row = IssuedDocument {
        document_id: document_id.clone(),
        number: number_text.clone(),
        seal_id: req.seal_id.clone(),
        year: i64::from(now.year()),
        seq: number.seq,
        kind: req.kind.clone(),
        holder: seal.holder.clone(),
        fields_json: prepared.filled.json.to_string(),
        code_sha256: code_digest(&code),
        pdf_sha256: pdf_sha256.clone(),
        pades_level: req.level.as_str().into(),
        cert_serial_hex,
        issued_at: now.unix_timestamp(),
        issued_by: req.issued_by.clone(),
        status: crate::domain::DocumentState::Issued,
        voided_at: None,
        void_reason: None,
        application_id: req.application_id.clone(),
        signed_digest: Some(hex::encode(signed_digest)),
    };
    let ofd = match (sealed_ofd, &prepared.sm2) {
        (Some(o), Some(m)) => Some(IssuedOfd {
            row: crate::store::document_ofd::OfdRow {
                document_id: document_id.clone(),
                ofd_sha256: hex::encode(crate::crypto::sha256(&o.bytes)),
                data_hash: hex::encode(o.data_hash),
                sm2_cert_serial_hex: m.serial_hex.clone(),
            },
            bytes: o.bytes,
        }),
        _ => None,
    };
    Ok(Draft {
        issued: Issued {
            document_id,
            number: number_text,
            verification_code: code,
            pdf,
            pdf_sha256,
            ofd,
        },
        row,
        number,
        seal: seal.clone(),
    })
}
