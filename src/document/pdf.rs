//! Writing the page after GB/T 9704-2012: A4, 37 mm top and 28 mm left
//! margins, a 156 x 225 mm text block, the title in 22 pt, the body in 16 pt
//! justified with two-character indents, the issuer and the date at the
//! lower right under the seal, and a footer with the document number,
//! verification code and QR code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use time::OffsetDateTime;

use super::cache::Bounded;
use super::layout::{self, Line};
use super::{DocumentMeta, Filled, RenderError, Rendered, SealPlacement, SealView, Template};
use crate::domain::CivilDate;
use crate::font::FontBook;
use crate::seal::SealAppearance;

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const LEFT: f32 = 28.0 * MM;
const TEXT_W: f32 = 156.0 * MM;
const TOP: f32 = PAGE_H - 37.0 * MM;
const BOTTOM: f32 = PAGE_H - 37.0 * MM - 225.0 * MM;
const TITLE_SIZE: f32 = 22.0;
const BODY_SIZE: f32 = 16.0;
const LINE_PITCH: f32 = 225.0 * MM / 22.0;
const SMALL: f32 = 10.5;
const SEAL_D: f32 = 42.0 * MM;
const QR_SIZE: f32 = 24.0 * MM;
/// Height kept free at the bottom of the last page: issuer, date, seal, footer.
const CLOSING_BLOCK: f32 = 4.0 * LINE_PITCH + QR_SIZE + 8.0 * MM;

/// A positioned run of text.
struct Run {
    page: usize,
    x: f32,
    y: f32,
    size: f32,
    spacing: f32,
    text: String,
    bold: bool,
    gray: bool,
}

/// Render `template` filled with `filled` for `seal` at `issue_time`.
pub fn render_pdf(
    font: &FontBook,
    template: &Template,
    filled: &Filled,
    seal: &SealView,
    issue_time: OffsetDateTime,
    meta: &DocumentMeta,
) -> Result<Rendered, RenderError> {
    if !template.levels.contains(&seal.level) {
        return Err(RenderError::LevelNotAllowed {
            level: seal.level,
            kind: template.id.clone(),
        });
    }
    let mut body = template.body.clone();
    for (k, v) in &filled.text {
        body = body.replace(&format!("{{{k}}}"), v);
    }
    let date_text = CivilDate(issue_time.date()).chinese_numerals();
    let mut runs: Vec<Run> = Vec::new();
    let mut page = 0;

    // Title, centred; short titles spaced out the official way.
    let title_chars = template.title.chars().count() as f32;
    let title_spacing = if title_chars <= 6.0 {
        TITLE_SIZE * 0.5
    } else {
        0.0
    };
    let title_w =
        layout::width(font, &template.title, TITLE_SIZE) + title_spacing * (title_chars - 1.0);
    let mut y = TOP - TITLE_SIZE;
    runs.push(Run {
        page,
        x: LEFT + (TEXT_W - title_w) / 2.0,
        y,
        size: TITLE_SIZE,
        spacing: title_spacing,
        text: template.title.clone(),
        bold: true,
        gray: false,
    });
    y -= 1.6 * LINE_PITCH;
    let number_w = layout::width(font, &meta.number, BODY_SIZE);
    runs.push(Run {
        page,
        x: LEFT + TEXT_W - number_w,
        y,
        size: BODY_SIZE,
        spacing: 0.0,
        text: meta.number.clone(),
        bold: false,
        gray: false,
    });
    y -= 1.5 * LINE_PITCH;

    // Body paragraphs.
    for para in body
        .split("\n\n")
        .map(|p| p.replace('\n', ""))
        .filter(|p| !p.trim().is_empty())
    {
        for Line {
            text,
            char_spacing,
            indent,
        } in layout::paragraph(font, para.trim(), BODY_SIZE, TEXT_W, 2.0 * BODY_SIZE)
        {
            if y < BOTTOM + QR_SIZE + 6.0 * MM {
                page += 1;
                y = TOP - BODY_SIZE;
            }
            runs.push(Run {
                page,
                x: LEFT + indent,
                y,
                size: BODY_SIZE,
                spacing: char_spacing,
                text,
                bold: false,
                gray: false,
            });
            y -= LINE_PITCH;
        }
    }
    // The closing block must fit above the footer; else it starts a page.
    if y - CLOSING_BLOCK < BOTTOM - LINE_PITCH {
        page += 1;
        y = TOP - BODY_SIZE;
    }
    y -= 1.5 * LINE_PITCH;
    let date_w = layout::width(font, &date_text, BODY_SIZE);
    let date_right = LEFT + TEXT_W - 4.0 * BODY_SIZE;
    let date_x = date_right - date_w;
    let centre_x = date_x + date_w / 2.0;
    let issuer_w = layout::width(font, &seal.holder, BODY_SIZE);
    let issuer_x = (centre_x - issuer_w / 2.0)
        .min(LEFT + TEXT_W - issuer_w)
        .max(LEFT);
    let issuer_y = y;
    let date_y = y - LINE_PITCH;
    runs.push(Run {
        page,
        x: issuer_x,
        y: issuer_y,
        size: BODY_SIZE,
        spacing: 0.0,
        text: seal.holder.clone(),
        bold: false,
        gray: false,
    });
    runs.push(Run {
        page,
        x: date_x,
        y: date_y,
        size: BODY_SIZE,
        spacing: 0.0,
        text: date_text,
        bold: false,
        gray: false,
    });
    // The seal is centred over issuer and date, the date just below its centre.
    let seal_cx = (issuer_x + issuer_w / 2.0 + centre_x) / 2.0;
    let seal_cy = date_y + BODY_SIZE * 0.95;
    let seal_rect = [
        seal_cx - SEAL_D / 2.0,
        seal_cy - SEAL_D / 2.0,
        seal_cx + SEAL_D / 2.0,
        seal_cy + SEAL_D / 2.0,
    ];
    let last_page = page;

    // Footer on the last page: QR code and the facts a verifier needs.
    let fx = LEFT + QR_SIZE + 4.0 * MM;
    let lines = [
        format!("文号：{}", meta.number),
        format!("验证码：{}", meta.verification_code),
        "扫描二维码或访问以下地址核验本证明：".to_string(),
        meta.verify_url.clone(),
    ];
    for (i, l) in lines.iter().enumerate() {
        let ly = BOTTOM + QR_SIZE - SMALL - i as f32 * (SMALL * 1.6);
        runs.push(Run {
            page: last_page,
            x: fx,
            y: ly,
            size: SMALL,
            spacing: 0.0,
            text: l.clone(),
            bold: false,
            gray: true,
        });
    }
    let specimen_text = "样本";
    let mut all_text: String = runs.iter().map(|r| r.text.as_str()).collect();
    if meta.specimen {
        all_text.push_str(specimen_text);
    }
    font.check(&all_text.replace(' ', ""))?;

    // One subset for the whole document, made once per character set.
    let embedded = embedded_font(font, &all_text)?;
    let encode = |s: &str| -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for g in font.glyphs(s)? {
            let cid = embedded.cids.get(&g).copied().unwrap_or(0);
            out.extend_from_slice(&cid.to_be_bytes());
        }
        Ok(out)
    };

    let seal_form = match meta.placement {
        SealPlacement::InPage => Some(seal_form(font, seal)?),
        SealPlacement::Reserved => None,
    };
    let qr = qr_modules(&meta.qr_url);

    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let font_id = Ref::new(3);
    let cid_font_id = Ref::new(4);
    let descriptor_id = Ref::new(5);
    let font_file_id = Ref::new(6);
    let cmap_id = Ref::new(7);
    let info_id = Ref::new(8);
    let seal_form_id = Ref::new(9);
    let first_page = 10;
    let pages = last_page + 1;
    let page_ids: Vec<Ref> = (0..pages)
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    pdf.catalog(catalog_id).pages(pages_id);
    pdf.pages(pages_id)
        .kids(page_ids.iter().copied())
        .count(pages as i32);
    let base_name = format!("ESEALA+{}", font.postscript_name);
    pdf.type0_font(font_id)
        .base_font(Name(base_name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font_id)
        .to_unicode(cmap_id);
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    {
        let mut cid = pdf.cid_font(cid_font_id);
        cid.subtype(CidFontType::Type0);
        cid.base_font(Name(base_name.as_bytes()));
        cid.system_info(system_info);
        cid.font_descriptor(descriptor_id);
        cid.default_width(1000.0);
        let mut w = cid.widths();
        for (c, adv) in &embedded.widths {
            w.consecutive(*c, [*adv]);
        }
        w.finish();
    }
    let k = 1000.0 / font.units_per_em;
    pdf.font_descriptor(descriptor_id)
        .name(Name(base_name.as_bytes()))
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            font.bbox[0] * k,
            font.bbox[1] * k,
            font.bbox[2] * k,
            font.bbox[3] * k,
        ))
        .italic_angle(0.0)
        .ascent(font.ascender * k)
        .descent(font.descender * k)
        .cap_height(font.cap_height * k)
        .stem_v(80.0)
        .font_file3(font_file_id);
    pdf.stream(font_file_id, &embedded.program)
        .filter(pdf_writer::Filter::FlateDecode)
        .pair(Name(b"Subtype"), Name(b"OpenType"));
    pdf.cmap(cmap_id, &embedded.to_unicode)
        .filter(pdf_writer::Filter::FlateDecode);
    if let Some(form) = &seal_form {
        pdf.form_xobject(seal_form_id, form)
            .bbox(seal_form_bbox())
            .filter(pdf_writer::Filter::FlateDecode);
    }
    let date = pdf_writer::Date::new(issue_time.year() as u16)
        .month(u8::from(issue_time.month()))
        .day(issue_time.day())
        .hour(issue_time.hour())
        .minute(issue_time.minute())
        .second(issue_time.second())
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    pdf.document_info(info_id)
        .title(pdf_writer::TextStr(&template.title))
        .author(pdf_writer::TextStr(&seal.holder))
        .producer(pdf_writer::TextStr("eseal"))
        .creation_date(date);

    for (p, page_id) in page_ids.iter().enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut c = Content::new();
        if meta.specimen {
            specimen_mark(&mut c, &encode(specimen_text)?);
        }
        if p == last_page {
            // Footer rule and QR code.
            c.set_stroke_gray(0.6).set_line_width(0.5);
            c.move_to(LEFT, BOTTOM + QR_SIZE + 3.0 * MM)
                .line_to(LEFT + TEXT_W, BOTTOM + QR_SIZE + 3.0 * MM)
                .stroke();
            draw_qr(&mut c, &qr, LEFT, BOTTOM, QR_SIZE);
        }
        c.begin_text();
        for r in runs.iter().filter(|r| r.page == p) {
            if r.gray {
                c.set_fill_gray(0.25);
            } else {
                c.set_fill_gray(0.0);
            }
            if r.bold {
                c.set_text_rendering_mode(TextRenderingMode::FillStroke)
                    .set_line_width(0.45)
                    .set_stroke_gray(0.0);
            } else {
                c.set_text_rendering_mode(TextRenderingMode::Fill);
            }
            c.set_font(Name(b"F1"), r.size);
            c.set_char_spacing(r.spacing);
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, r.x, r.y]);
            c.show(Str(&encode(&r.text)?));
        }
        c.end_text();
        let seal_here = p == last_page && seal_form.is_some();
        if seal_here {
            c.save_state();
            c.transform([
                1.0,
                0.0,
                0.0,
                1.0,
                seal_cx - SEAL_D / 2.0,
                seal_cy - SEAL_D / 2.0,
            ]);
            c.x_object(Name(b"Seal"));
            c.restore_state();
        }
        let data = c.finish();
        let mut pg = pdf.page(*page_id);
        pg.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(pages_id)
            .contents(content_id);
        let mut resources = pg.resources();
        resources.fonts().pair(Name(b"F1"), font_id);
        if seal_here {
            resources.x_objects().pair(Name(b"Seal"), seal_form_id);
        }
        resources.finish();
        pg.finish();
        pdf.stream(content_id, &deflate(&data, CONTENT_LEVEL))
            .filter(pdf_writer::Filter::FlateDecode);
    }
    pdf.set_file_id((
        meta.number.as_bytes().to_vec(),
        meta.verification_code.as_bytes().to_vec(),
    ));
    Ok(Rendered {
        pdf: pdf.finish(),
        seal_page: last_page,
        seal_rect,
    })
}

/// Flate level of the per-document page content (text and QR code, about
/// 15 KB): level 2 takes half the time of level 6 for 10% more bytes
/// (about 230).
const CONTENT_LEVEL: u8 = 2;
/// Flate level of the font program. CFF is dense: level 6 saves about 4%
/// over level 1 at three times the cost, and a new character set (a new
/// applicant's name) makes a new subset.
const FONT_LEVEL: u8 = 1;
/// Flate level of the ToUnicode map (a few KB, made with the font subset)
/// and of the seal's drawing (made once per seal).
const CACHED_LEVEL: u8 = 6;

fn deflate(data: &[u8], level: u8) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, level)
}

/// The embedded font of a document, ready to write: everything here
/// depends only on the font and the set of characters drawn.
struct EmbeddedFont {
    /// Full-font glyph id -> CID in the subset.
    cids: HashMap<u16, u16>,
    /// The subset (OpenType/CFF), deflated.
    program: Vec<u8>,
    /// The ToUnicode CMap, deflated.
    to_unicode: Vec<u8>,
    /// (CID, advance in 1/1000 em) of the glyphs not 1000 wide, by CID.
    widths: Vec<(u16, f32)>,
}

/// Documents of one kind from one seal share most of their characters;
/// the cache also serves re-renders of the same document. An entry is about
/// 35 KB.
static FONTS: LazyLock<Bounded<(u64, String), EmbeddedFont>> = LazyLock::new(|| Bounded::new(64));

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
        to_unicode: deflate(&cmap.finish(), CACHED_LEVEL),
        cids: subset.cids,
        widths,
    })
}

/// A seal's drawing depends only on the font, its holder and inscription,
/// and its size; a process serves a handful of seals at a time.
type SealKey = (u64, String, Option<String>, u32);
static SEALS: LazyLock<Bounded<SealKey, Vec<u8>>> = LazyLock::new(|| Bounded::new(32));

/// The deflated content of a Form XObject drawing `seal` in the box
/// [0 0 SEAL_D SEAL_D].
fn seal_form(font: &FontBook, seal: &SealView) -> Result<Arc<Vec<u8>>, RenderError> {
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
fn seal_form_bbox() -> Rect {
    Rect::new(-1.0, -1.0, SEAL_D + 1.0, SEAL_D + 1.0)
}

fn specimen_mark(c: &mut Content, encoded: &[u8]) {
    c.save_state();
    c.begin_text();
    c.set_fill_rgb(0.93, 0.80, 0.80);
    c.set_font(Name(b"F1"), 150.0);
    c.set_char_spacing(30.0);
    let (s, co) = 30f32.to_radians().sin_cos();
    c.set_text_matrix([co, s, -s, co, PAGE_W / 2.0 - 150.0, PAGE_H / 2.0 - 110.0]);
    c.show(Str(encoded));
    c.set_font(Name(b"F1"), 14.0);
    c.set_char_spacing(2.0);
    c.set_fill_rgb(0.8, 0.1, 0.1);
    c.set_text_matrix([1.0, 0.0, 0.0, 1.0, PAGE_W - 28.0 * MM, PAGE_H - 18.0 * MM]);
    c.show(Str(encoded));
    c.end_text();
    c.restore_state();
}

struct Qr {
    width: usize,
    dark: Vec<bool>,
}

/// The QR code of `url` (level M), as `QrCode::with_error_correction_level`
/// makes it: the same version, data and mask. Only the choice of mask is
/// done here: the crate scores the eight masked symbols through a generic
/// module accessor, which cost more than the rest of the page; the same
/// scores on a plain bitmap are a small fraction of that.
fn qr_modules(url: &str) -> Option<Qr> {
    use qrcode::canvas::{Canvas, MaskPattern};
    let level = qrcode::EcLevel::M;
    let bits = qrcode::bits::encode_auto(url.as_bytes(), level).ok()?;
    let version = bits.version();
    let data = bits.into_bytes();
    let (code, ecc) = qrcode::ec::construct_codewords(&data, version, level).ok()?;
    let mut canvas = Canvas::new(version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&code, &ecc);
    let width = usize::try_from(version.width()).ok()?;
    let mut best: Option<(u32, Vec<bool>)> = None;
    // The crate's order; the first of equal scores wins, as there.
    for pattern in [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ] {
        let mut masked = canvas.clone();
        masked.apply_mask(pattern);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        let score = qr_penalty(&dark, width);
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, dark));
        }
    }
    best.map(|(_, dark)| Qr { width, dark })
}

/// The mask penalty of a QR symbol (`dark` row by row, `w` wide), scored
/// exactly as the qrcode crate scores it (ISO/IEC 18004 §7.8.3, with the
/// crate's unrounded balance term), so the same mask is chosen.
fn qr_penalty(dark: &[bool], w: usize) -> u32 {
    const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
    let mut score = 0u32;
    for horizontal in [true, false] {
        let at = |line: usize, k: usize| {
            if horizontal {
                dark[line * w + k]
            } else {
                dark[k * w + line]
            }
        };
        for line in 0..w {
            // Runs of five or more modules of one colour: length - 2 each.
            let mut run = 1;
            for k in 1..=w {
                if k < w && at(line, k) == at(line, k - 1) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            // Finder-like 1:1:3:1:1 runs with four light modules on a side
            // (the symbol's own three finder patterns included, as there).
            for j in 0..w.saturating_sub(6) {
                if (0..7).any(|i| at(line, j + i) != FINDER[i]) {
                    continue;
                }
                let light_before = (j.saturating_sub(4)..j).all(|k| !at(line, k));
                let light_after = (j + 7..(j + 11).min(w)).all(|k| !at(line, k));
                if light_before || light_after {
                    score += 40;
                }
            }
        }
    }
    // 2x2 blocks of one colour, overlapping: 3 each.
    for y in 0..w - 1 {
        for x in 0..w - 1 {
            let c = dark[y * w + x];
            if dark[y * w + x + 1] == c
                && dark[(y + 1) * w + x] == c
                && dark[(y + 1) * w + x + 1] == c
            {
                score += 3;
            }
        }
    }
    // Balance: distance of the dark share (in half percent) from 50 %.
    let dark_count = dark.iter().filter(|d| **d).count();
    let ratio = dark_count * 200 / dark.len();
    score + ratio.abs_diff(100) as u32
}

/// Draw the QR code as filled rectangles (runs of dark modules per row).
fn draw_qr(c: &mut Content, qr: &Option<Qr>, x: f32, y: f32, size: f32) {
    let Some(qr) = qr else { return };
    let quiet = 2.0;
    let m = size / (qr.width as f32 + 2.0 * quiet);
    c.set_fill_gray(0.0);
    for row in 0..qr.width {
        let mut col = 0;
        while col < qr.width {
            if qr.dark[row * qr.width + col] {
                let start = col;
                while col < qr.width && qr.dark[row * qr.width + col] {
                    col += 1;
                }
                let rx = x + (quiet + start as f32) * m;
                let ry = y + size - (quiet + row as f32 + 1.0) * m;
                c.rect(rx, ry, (col - start) as f32 * m, m);
            } else {
                col += 1;
            }
        }
    }
    c.fill_nonzero();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Template, validate};
    use crate::domain::SealLevel;

    /// The decompressed streams of `pdf`, in file order.
    fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut rest = pdf;
        while let Some(i) = rest.windows(7).position(|w| w == b"stream\n") {
            let body = &rest[i + 7..];
            let Some(j) = body.windows(10).position(|w| w == b"\nendstream") else {
                break;
            };
            out.push(miniz_oxide::inflate::decompress_to_vec_zlib(&body[..j]).unwrap_or_default());
            rest = &body[j + 10..];
        }
        out
    }

    #[test]
    fn a_long_document_has_the_seal_on_its_last_page_and_the_mark_on_every_page() {
        let Ok(font) = crate::font::shared() else {
            return; // no CJK font installed
        };
        let para = "兹证明本辖区居民情况属实，特此说明，以便办理有关手续。".repeat(12);
        let toml = format!(
            "id = \"long\"\ntitle = \"长证明\"\nlevels = [\"village\"]\nbody = \"\"\"\n{}\n\"\"\"\nfields = []\n",
            [para.as_str(); 6].join("\n\n")
        );
        let t = Template::parse("long.toml", &toml).unwrap();
        let filled = validate(&t, &serde_json::json!({})).unwrap();
        let seal = SealView {
            seal_id: "320707100002-01".into(),
            holder: "连云港市赣榆区青口镇繁荣社区居民委员会".into(),
            level: SealLevel::Village,
            inscription: None,
        };
        let meta = DocumentMeta {
            number: "赣榆青口繁荣〔2026〕第000123号".into(),
            verification_code: "7KQ3M9XA".into(),
            qr_url: "https://eseal.test/v/AAAA?c=7KQ3M9XA".into(),
            verify_url: "https://eseal.test/verify".into(),
            specimen: true,
            placement: SealPlacement::InPage,
        };
        let when = time::macros::datetime!(2026-11-25 09:30:00 UTC);
        let r = render_pdf(&font, &t, &filled, &seal, when, &meta).unwrap();
        assert!(r.seal_page >= 1, "the test text should fill two pages");
        let pages = r.seal_page + 1;
        // Only the last page's resources name the seal form.
        let text = String::from_utf8_lossy(&r.pdf);
        assert_eq!(text.matches("/XObject <<").count(), 1, "{text}");
        assert_eq!(text.matches("/Seal 9 0 R").count(), 1);
        let contents: Vec<Vec<u8>> = streams(&r.pdf)
            .into_iter()
            .filter(|s| s.windows(3).any(|w| w == b"BT\n"))
            .collect();
        assert_eq!(contents.len(), pages);
        for (p, c) in contents.iter().enumerate() {
            let seal = c.windows(8).any(|w| w == b"/Seal Do");
            assert_eq!(seal, p == pages - 1, "page {p}");
            let marks = c.windows(6).filter(|w| *w == b"150 Tf").count();
            assert_eq!(marks, 1, "specimen mark on page {p}");
        }
        // Same inputs, same bytes (the first render filled the caches).
        let again = render_pdf(&font, &t, &filled, &seal, when, &meta).unwrap();
        assert_eq!(again.pdf, r.pdf);
    }

    #[test]
    fn qr_matches_the_crate_module_for_module() {
        for url in [
            "https://eseal.test/v/AAAAAAAAAAAAAAAAAAAAAA?c=7KQ3M9XA",
            "https://eseal.example.gov.cn/v/0123456789abcdefghijkl?c=ZZZZ9999",
            "https://a.b/v/x?c=1",
            "HTTPS://ESEAL.TEST/V/ABCDEFGHIJKLMNOPQRSTUV?C=7KQ3M9XA",
        ] {
            for n in 0..40 {
                let url = format!("{url}{n}");
                let ours = qr_modules(&url).expect("encodes");
                let theirs =
                    qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
                        .expect("encodes");
                assert_eq!(ours.width, theirs.width(), "{url}");
                let dark: Vec<bool> = theirs
                    .to_colors()
                    .into_iter()
                    .map(|c| c == qrcode::Color::Dark)
                    .collect();
                assert!(ours.dark == dark, "{url}: different symbol");
            }
        }
    }
}
