//! Documents: templates -> laid-out A4 page(s) -> PDF bytes. No crypto here;
//! the stamping step signs the result.
//!
//! The PDF is written with `pdf-writer` rather than printpdf: a CID-keyed
//! CJK font subset with its own ToUnicode map, per-line character spacing for
//! justification, and byte-for-byte deterministic output at hundreds of
//! documents per second need a low-level writer; printpdf 0.12 brings a
//! full layout engine (azul) this page does not use.

pub(crate) mod cache;
pub mod fields;
pub mod layout;
mod ofd;
mod page;
mod pdf;
mod qr;
pub mod template;

pub use fields::{FieldError, Filled, sample, validate};
pub use ofd::RenderedOfd;
pub use pdf::render_pdf;
pub use template::{FieldKind, FieldSpec, Template, TemplateError, Templates};

use crate::domain::SealLevel;
use crate::font::FontError;

/// The seal as a document shows it.
#[derive(Debug, Clone)]
pub struct SealView {
    pub seal_id: String,
    pub holder: String,
    pub level: SealLevel,
    pub inscription: Option<String>,
}

/// Where the seal goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealPlacement {
    /// Drawn into the page content (a preview, an unsigned print).
    InPage,
    /// Left out; its rectangle is returned for a signature widget.
    Reserved,
}

/// Document facts that are not form fields.
#[derive(Debug, Clone)]
pub struct DocumentMeta {
    /// `赣榆青口繁荣〔2026〕第000001号`.
    pub number: String,
    pub verification_code: String,
    /// What the QR code opens: `{public_url}/v/{document_id}?c={code}`.
    pub qr_url: String,
    /// Where a reader can verify by hand (`{public_url}/verify`).
    pub verify_url: String,
    /// Demo documents carry a visible 样本 (specimen) mark on every page.
    pub specimen: bool,
    pub placement: SealPlacement,
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// Page (0-based) and rectangle [x1 y1 x2 y2] in PDF points of the seal.
    pub seal_page: usize,
    pub seal_rect: [f32; 4],
}

/// Errors rendering a document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("the form has errors: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldError>),
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("writing the OFD package: {0}")]
    Ofd(String),
    #[error("seal level {level} may not issue {kind}")]
    LevelNotAllowed { level: SealLevel, kind: String },
}

/// Render `template` as both PDF and OFD from one layout: the same text in
/// the same places, the same QR code, the seal's place reserved in both
/// (the PDF's signature widget, the OFD's stamp annotation).
pub fn render_pdf_and_ofd(
    font: &crate::font::FontBook,
    template: &Template,
    filled: &Filled,
    seal: &SealView,
    issue_time: time::OffsetDateTime,
    meta: &DocumentMeta,
) -> Result<(Rendered, RenderedOfd), RenderError> {
    let page = page::lay_out(font, template, filled, seal, issue_time, meta)?;
    let pdf = pdf::write(font, template, seal, issue_time, meta, &page)?;
    let ofd = ofd::write(font, template, seal, issue_time, meta, &page)?;
    Ok((pdf, ofd))
}
