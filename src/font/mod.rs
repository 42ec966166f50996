//! The CJK font: loading it once, covering text, subsetting it for
//! embedding, and glyph outlines (for the seal's vector lettering).
//!
//! The default is Noto Serif CJK SC (SIL Open Font License; Debian package
//! `fonts-noto-cjk`, installed by the set-up scripts), a Song-style serif
//! covering all of GB 2312 and the Table of General Standard Chinese
//! Characters. `ESEAL_FONT=/path/font.ttc[#index]` selects another.
//!
//! Subsetting a 65,535-glyph CFF font per document costs about 5 ms, so a
//! *base* subset holding GB 2312 and ASCII is built once per process; each
//! document is then subset from the base (about 1 ms). Text with characters
//! outside the base is subset from the full font.

mod book;
mod outline;

pub use book::{FontBook, FontError, Subset};
pub use outline::{Outline, OutlineCmd};

use std::sync::{Arc, OnceLock};

/// Where the font is looked for when `ESEAL_FONT` is not set.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";

/// The process-wide font (loaded on first use).
pub fn shared() -> Result<Arc<FontBook>, FontError> {
    static FONT: OnceLock<Result<Arc<FontBook>, FontError>> = OnceLock::new();
    FONT.get_or_init(|| {
        let spec = crate::configuration::var("font").unwrap_or_else(|| DEFAULT_FONT.to_string());
        FontBook::load_spec(&spec).map(Arc::new)
    })
    .clone()
}
