//! A small, bounded PDF reader: just what signature verification needs
//! (ISO 32000-1 §7.3 objects, §7.5 file structure and incremental updates,
//! §7.4.4 Flate with PNG predictors for xref and object streams).
//!
//! It is deliberately not a general PDF library: no rendering, no encryption,
//! no repair of broken files. Every recursion and loop is bounded by
//! [`Limits`](super::Limits); on anything it does not understand it returns a
//! [`PdfError`] naming the problem instead of guessing.

mod document;
mod error;
mod filter;
mod lexer;
mod object;
mod xref;

pub use document::{PdfDocument, Revision};
pub use error::PdfError;
pub use object::{Dict, Object, PdfStream};
pub use xref::XrefEntry;
