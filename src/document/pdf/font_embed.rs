//! The CID-keyed font subset a PDF embeds (OpenType/CFF, Identity-H) with
//! its ToUnicode map, cached by character set.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use pdf_writer::types::{SystemInfo, UnicodeCmap};
use pdf_writer::{Name, Str};

use super::{CACHED_LEVEL, FONT_LEVEL, deflate};
use crate::document::RenderError;
use crate::document::cache::Bounded;
use crate::font::FontBook;

/// The embedded font of a document, ready to write: everything here
/// depends only on the font and the set of characters drawn.
pub(in crate::document) struct EmbeddedFont {
    /// Full-font glyph id -> CID in the subset.
    pub(in crate::document) cids: HashMap<u16, u16>,
    /// The subset (OpenType/CFF), as is (for OFD, whose ZIP compresses it).
    pub(in crate::document) subset: Vec<u8>,
    /// The subset, deflated.
    pub(super) program: Vec<u8>,
    /// The ToUnicode CMap, deflated.
    pub(super) to_unicode: Vec<u8>,
    /// (CID, advance in 1/1000 em) of the glyphs not 1000 wide, by CID.
    pub(super) widths: Vec<(u16, f32)>,
}

/// Documents of one kind from one seal share most of their characters;
/// the cache also serves re-renders of the same document. An entry is about
/// 70 KB (the subset kept both as is, for OFD, and deflated).
static FONTS: LazyLock<Bounded<(u64, String), EmbeddedFont>> = LazyLock::new(|| Bounded::new(64));

/// The specimen mark's text (demo documents).
pub(in crate::document) const SPECIMEN_TEXT: &str = "样本";

/// The one subset of a laid-out document, made once per character set:
/// its text and, on a specimen, the mark; every character checked first
/// (refused by name rather than drawn as a box).
pub(in crate::document) fn page_font(
    font: &FontBook,
    page: &crate::document::page::Page,
    specimen: bool,
) -> Result<Arc<EmbeddedFont>, RenderError> {
    let mut all_text = page.text();
    if specimen {
        all_text.push_str(SPECIMEN_TEXT);
    }
    font.check(&all_text.replace(' ', ""))?;
    embedded_font(font, &all_text)
}

/// The embedded font for `text` (whose characters the font covers: the
/// caller has checked).
fn embedded_font(font: &FontBook, text: &str) -> Result<Arc<EmbeddedFont>, RenderError> {
    // The characters that differ between otherwise identical documents
    // (document numbers, verification codes, dates) are always embedded, so
    // the subset, and the cache key, depend only on the form's text.
    const ALWAYS: &str =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ〇一二三四五六七八九十年月日第号〔〕：";
    let chars: BTreeSet<char> = text.chars().chain(ALWAYS.chars()).collect();
    let key: String = chars.iter().collect();
    FONTS.get_or_try_insert((font.id(), key), || make_embedded_font(font, &chars))
}

fn make_embedded_font(
    font: &FontBook,
    chars: &BTreeSet<char>,
) -> Result<EmbeddedFont, RenderError> {
    let mut glyph_of = Vec::with_capacity(chars.len());
    for c in chars {
        let mut buf = [0u8; 4];
        let g = font.glyphs(c.encode_utf8(&mut buf))?;
        if let Some(g) = g.first() {
            glyph_of.push((*c, *g));
        }
    }
    let gids: BTreeSet<u16> = glyph_of.iter().map(|(_, g)| *g).collect();
    let subset = font.subset(&gids)?;
    // One Unicode value per CID (the first character, in code point order,
    // when several characters share a glyph).
    let mut unicode: BTreeMap<u16, char> = BTreeMap::new();
    for (c, g) in &glyph_of {
        if let Some(cid) = subset.cids.get(g) {
            unicode.entry(*cid).or_insert(*c);
        }
    }
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (cid, c) in &unicode {
        cmap.pair(*cid, *c);
    }
    let scale = 1000.0 / font.units_per_em;
    let mut widths: Vec<(u16, f32)> = subset
        .cids
        .iter()
        .map(|(g, c)| (*c, font.advance(*g) * scale))
        .filter(|(_, a)| (*a - 1000.0).abs() > 0.5)
        .collect();
    widths.sort_by_key(|p| p.0);
    Ok(EmbeddedFont {
        program: deflate(&subset.data, FONT_LEVEL),
        subset: subset.data,
        to_unicode: deflate(&cmap.finish(), CACHED_LEVEL),
        cids: subset.cids,
        widths,
    })
}
