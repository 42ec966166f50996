//! Writing the page after GB/T 9704-2012: A4, 37 mm top and 28 mm left
//! margins, a 156 x 225 mm text block, the title in 22 pt, the body in 16 pt
//! justified with two-character indents, the issuer and the date at the
//! lower right under the seal, and a footer with the document number,
//! verification code and QR code.

use std::collections::BTreeSet;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use time::OffsetDateTime;

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

    // One subset for the whole document.
    let gids: BTreeSet<u16> = font.glyphs(&all_text)?.into_iter().collect();
    let subset = font.subset(&gids)?;
    let encode = |s: &str| -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for g in font.glyphs(s)? {
            let cid = subset.cids.get(&g).copied().unwrap_or(0);
            out.extend_from_slice(&cid.to_be_bytes());
        }
        Ok(out)
    };

    let appearance = match meta.placement {
        SealPlacement::InPage => Some(SealAppearance::new(
            font,
            &seal.holder,
            seal.inscription.as_deref(),
        )?),
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
        let scale = 1000.0 / font.units_per_em;
        let mut pairs: Vec<(u16, f32)> = subset
            .cids
            .iter()
            .map(|(g, c)| (*c, font.advance(*g) * scale))
            .collect();
        pairs.sort_by_key(|p| p.0);
        let mut w = cid.widths();
        for (c, adv) in pairs.iter().filter(|(_, a)| (*a - 1000.0).abs() > 0.5) {
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
    pdf.stream(font_file_id, &deflate(&subset.data))
        .filter(pdf_writer::Filter::FlateDecode)
        .pair(Name(b"Subtype"), Name(b"OpenType"));
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for c in all_text.chars() {
        if let Ok(g) = font.glyphs(&c.to_string()) {
            if let Some(cid) = g.first().and_then(|g| subset.cids.get(g)) {
                cmap.pair(*cid, c);
            }
        }
    }
    pdf.cmap(cmap_id, &deflate(&cmap.finish()))
        .filter(pdf_writer::Filter::FlateDecode);
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
        if p == last_page {
            if let Some(a) = &appearance {
                a.draw_pdf(&mut c, seal_cx, seal_cy, SEAL_D);
            }
        }
        let data = c.finish();
        let mut pg = pdf.page(*page_id);
        pg.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(pages_id)
            .contents(content_id);
        pg.resources().fonts().pair(Name(b"F1"), font_id);
        pg.finish();
        pdf.stream(content_id, &deflate(&data))
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

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
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

fn qr_modules(url: &str) -> Option<Qr> {
    let code =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some(Qr { width, dark })
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
