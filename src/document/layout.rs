//! Line breaking and justification for Chinese text: every ideograph is a
//! break opportunity, runs of Latin letters and digits stay whole, closing
//! punctuation never starts a line and opening punctuation never ends one.

use crate::font::FontBook;

/// Punctuation that may not begin a line.
const NO_START: &str = "，。、；：？！）》」』〕】”’…—·%．,.;:?!)]";
/// Punctuation that may not end a line.
const NO_END: &str = "（《「『〔【“‘([";

/// One laid-out line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    /// Extra space after each glyph (PDF `Tc`), to justify the line.
    pub char_spacing: f32,
    pub indent: f32,
}

/// Width of `s` at `size` points.
pub fn width(font: &FontBook, s: &str, size: f32) -> f32 {
    let face_scale = size / font.units_per_em;
    font.glyphs(s)
        .map(|g| g.iter().map(|g| font.advance(*g)).sum::<f32>() * face_scale)
        .unwrap_or(0.0)
}

fn tokens(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut latin = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || (!latin.is_empty() && ".-:/@_".contains(c)) {
            latin.push(c);
            continue;
        }
        if !latin.is_empty() {
            out.push(std::mem::take(&mut latin));
        }
        out.push(c.to_string());
    }
    if !latin.is_empty() {
        out.push(latin);
    }
    out
}

/// The longest head of `tok` (at least one character) that fits `avail`,
/// and the rest.
fn split_to_fit(font: &FontBook, tok: &str, size: f32, avail: f32) -> (String, String) {
    let mut end = tok.chars().next().map_or(0, char::len_utf8);
    for (at, c) in tok.char_indices().skip(1) {
        if width(font, &tok[..at + c.len_utf8()], size) > avail + 0.01 {
            break;
        }
        end = at + c.len_utf8();
    }
    (tok[..end].to_string(), tok[end..].to_string())
}

/// Break a paragraph into justified lines of `max_width` points at `size`,
/// the first indented by `first_indent`.
pub fn paragraph(
    font: &FontBook,
    text: &str,
    size: f32,
    max_width: f32,
    first_indent: f32,
) -> Vec<Line> {
    let mut toks = tokens(text);
    let mut widths: Vec<f32> = toks.iter().map(|t| width(font, t, size)).collect();
    let mut lines = Vec::new();
    let mut i = 0;
    let mut indent = first_indent;
    while i < toks.len() {
        let avail = max_width - indent;
        // A run too wide for a whole line (a long Latin word, a URL) is
        // broken where the line ends: it must never leave the page.
        if widths[i] > avail + 0.01 && toks[i].chars().count() > 1 {
            let (head, tail) = split_to_fit(font, &toks[i], size, avail);
            widths[i] = width(font, &head, size);
            toks[i] = head;
            widths.insert(i + 1, width(font, &tail, size));
            toks.insert(i + 1, tail);
        }
        let mut w = 0.0;
        let mut j = i;
        while j < toks.len() && (w + widths[j] <= avail + 0.01 || j == i) {
            w += widths[j];
            j += 1;
        }
        if j < toks.len() {
            // Closing punctuation joins this line (squeezed by justification).
            while j < toks.len() && NO_START.contains(toks[j].as_str()) {
                w += widths[j];
                j += 1;
            }
            // Opening punctuation moves to the next line.
            while j > i + 1 && NO_END.contains(toks[j - 1].as_str()) {
                j -= 1;
                w -= widths[j];
            }
        }
        let text: String = toks[i..j].concat();
        let glyphs = text.chars().count() as f32;
        let last = j >= toks.len();
        let char_spacing = if last || glyphs < 2.0 {
            0.0
        } else {
            (avail - w) / (glyphs - 1.0)
        };
        lines.push(Line {
            text,
            char_spacing,
            indent,
        });
        indent = 0.0;
        i = j;
    }
    lines
}
