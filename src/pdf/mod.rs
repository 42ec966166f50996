//! The one PDF layer: a bounded reader, an object writer and an incremental
//! updater. Both the signer (`pades`) and the verifier (`verify`) use it, as
//! pyHanko's `pdf_utils` serves its signer and its validator; this module
//! knows nothing of signatures.
//!
//! - [`PdfDocument`] reads the file structure (ISO 32000-1 §7.3 objects,
//!   §7.5 file structure and incremental updates, §7.4.4 Flate with PNG
//!   predictors for xref and object streams), lazily, with every recursion
//!   and loop bounded by [`ReadLimits`]. It is deliberately not a general PDF
//!   library: no rendering, no encryption, no repair of broken files; on
//!   anything it does not understand it returns a [`PdfError`] naming the
//!   problem instead of guessing.
//! - [`write`] serialises [`Object`]s in PDF syntax.
//! - [`IncrementalFile`] appends revisions (§7.5.6) to an existing file,
//!   never changing a byte already written: that is what keeps earlier
//!   signatures valid.

mod document;
mod error;
mod exercise;
mod filter;
mod lexer;
mod limits;
mod object;
mod pages;
mod update;
pub mod write;
mod xref;

pub use document::{PdfDocument, Revision};
pub use error::PdfError;
pub use exercise::read_everything;
pub use limits::ReadLimits;
pub use object::{Dict, Object, PdfStream};
pub use pages::page_ref;
pub use update::{IncrementalFile, ObjectId, Update, Written};
pub use xref::XrefEntry;
