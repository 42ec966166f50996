//! Writing a laid-out page ([`super::page`]) as PDF: the CID-keyed font
//! subset, the seal as a Form XObject (or a reserved rectangle for the
//! signature widget), the QR code as filled rectangles. Deterministic: the
//! same inputs give the same bytes.

pub(super) mod font_embed;
mod seal_form;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use time::OffsetDateTime;

use super::page::{BOTTOM, LEFT, MM, PAGE_H, PAGE_W, Page, QR_SIZE, SEAL_D, TEXT_W, lay_out};
use super::qr::Qr;
use super::{DocumentMeta, Filled, RenderError, Rendered, SealPlacement, SealView, Template};
use crate::font::FontBook;
use font_embed::{SPECIMEN_TEXT, page_font};
use seal_form::{seal_form, seal_form_bbox};

/// Render `template` filled with `filled` for `seal` at `issue_time`.
pub fn render_pdf(
    font: &FontBook,
    template: &Template,
    filled: &Filled,
    seal: &SealView,
    issue_time: OffsetDateTime,
    meta: &DocumentMeta,
) -> Result<Rendered, RenderError> {
    let page = lay_out(font, template, filled, seal, issue_time, meta)?;
    write(font, template, seal, issue_time, meta, &page)
}

/// Write the laid-out `page` as PDF.
pub(super) fn write(
    font: &FontBook,
    template: &Template,
    seal: &SealView,
    issue_time: OffsetDateTime,
    meta: &DocumentMeta,
    page: &Page,
) -> Result<Rendered, RenderError> {
    let Page {
        runs,
        last_page,
        seal_center: (seal_cx, seal_cy),
        seal_rect,
        qr,
    } = page;
    let (last_page, seal_cx, seal_cy, seal_rect) = (*last_page, *seal_cx, *seal_cy, *seal_rect);
    let specimen_text = SPECIMEN_TEXT;
    let embedded = page_font(font, page, meta.specimen)?;
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
            draw_qr(&mut c, qr, LEFT, BOTTOM, QR_SIZE);
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

/// Draw the QR code as filled rectangles (runs of dark modules per row).
fn draw_qr(c: &mut Content, qr: &Option<Qr>, x: f32, y: f32, size: f32) {
    let Some(qr) = qr else { return };
    let quiet = 2.0;
    let m = size / (qr.width as f32 + 2.0 * quiet);
    c.set_fill_gray(0.0);
    for (row, start, end) in qr.dark_runs() {
        let rx = x + (quiet + start as f32) * m;
        let ry = y + size - (quiet + row as f32 + 1.0) * m;
        c.rect(rx, ry, (end - start) as f32 * m, m);
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
}
