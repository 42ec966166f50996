//! The CJK font: loading it once, covering text, subsetting it for
//! embedding, and glyph outlines (for the seal's vector lettering).
//!
//! The default is Noto Serif CJK SC (SIL Open Font License; Debian package
//! `fonts-noto-cjk`, installed by the set-up scripts), a Song-style serif
//! covering all of GB 2312 and the Table of General Standard Chinese
//! Characters. The `font` setting (`/path/font.ttc[#index]`) selects another.
//!
//! Subsetting a 65,535-glyph CFF font per document costs about 5 ms, so a
//! *base* subset holding GB 2312 and ASCII is built once per process; each
//! document is then subset from the base (about 1 ms). Text with characters
//! outside the base is subset from the full font.

mod book;
mod outline;

pub use book::{FontBook, FontError, Subset};
pub use outline::{Outline, OutlineCmd};

use std::sync::{Arc, Mutex, OnceLock};

pub use crate::configuration::DEFAULT_FONT;

/// The font at `spec` (`PATH` or `PATH#INDEX`), loaded once per process:
/// it is 20 MB and its base subset takes a few milliseconds to build.
pub fn load(spec: &str) -> Result<Arc<FontBook>, FontError> {
    type Loaded = Vec<(String, Arc<FontBook>)>;
    static FONTS: OnceLock<Mutex<Loaded>> = OnceLock::new();
    let fonts = FONTS.get_or_init(Mutex::default);
    let mut fonts = fonts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, f)) = fonts.iter().find(|(s, _)| s == spec) {
        return Ok(f.clone());
    }
    let f = Arc::new(FontBook::load_spec(spec)?);
    fonts.push((spec.to_string(), f.clone()));
    Ok(f)
}

/// The default font ([`DEFAULT_FONT`]), for tools and tests.
pub fn shared() -> Result<Arc<FontBook>, FontError> {
    load(DEFAULT_FONT)
}
