//! The seal as a PDF Form XObject, cached per seal.

use std::sync::{Arc, LazyLock};

use pdf_writer::Rect;

use super::{CACHED_LEVEL, deflate};
use crate::document::cache::Bounded;
use crate::document::page::SEAL_D;
use crate::document::{RenderError, SealView};
use crate::font::FontBook;
use crate::seal::SealAppearance;

/// A seal's drawing depends only on the font, its holder and inscription,
/// and its size; a process serves a handful of seals at a time.
type SealKey = (u64, String, Option<String>, u32);
static SEALS: LazyLock<Bounded<SealKey, Vec<u8>>> = LazyLock::new(|| Bounded::new(32));

/// The deflated content of a Form XObject drawing `seal` in the box
/// [0 0 SEAL_D SEAL_D].
pub(super) fn seal_form(font: &FontBook, seal: &SealView) -> Result<Arc<Vec<u8>>, RenderError> {
    let key = (
        font.id(),
        seal.holder.clone(),
        seal.inscription.clone(),
        SEAL_D.to_bits(),
    );
    SEALS.get_or_try_insert(key, || {
        let look = SealAppearance::new(font, &seal.holder, seal.inscription.as_deref())?;
        Ok::<_, RenderError>(deflate(&look.pdf_content(SEAL_D), CACHED_LEVEL))
    })
}

/// The seal form's bounding box, with a margin for the lettering's stroke.
pub(super) fn seal_form_bbox() -> Rect {
    Rect::new(-1.0, -1.0, SEAL_D + 1.0, SEAL_D + 1.0)
}

