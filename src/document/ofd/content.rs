//! One page's `Content.xml`: the laid-out runs as text objects (the font
//! subset's glyphs named by `CGTransform`, so the text draws with the
//! embedded font whatever a reader's font matching does; advances in
//! `DeltaX`), the footer rule and the QR code as path objects, and the
//! specimen mark. OFD measures in millimetres from the top left corner.

use super::super::RenderError;
use super::super::page::{BOTTOM, LEFT, MM, PAGE_H, PAGE_W, QR_SIZE, Run, TEXT_W};
use super::super::pdf::font_embed::EmbeddedFont;
use super::super::qr::Qr;
use crate::font::FontBook;
use crate::ofd::signatures::{fmt_box, fmt_num, push_num};
use crate::ofd::xml::{Element, el};

/// Points to millimetres.
pub(super) fn mm(pt: f32) -> f32 {
    pt / MM
}

/// A number as OFD writes it: up to three decimals.
pub(super) fn num(v: f32) -> String {
    fmt_num(v)
}

/// Object IDs, unique in the document (`MaxUnitID` is the last one).
pub(super) struct Ids(pub(super) u32);

impl Ids {
    pub(super) fn next(&mut self) -> String {
        self.0 += 1;
        self.0.to_string()
    }
}

const PAGE_BOX: [f32; 4] = [0.0, 0.0, PAGE_W / MM, PAGE_H / MM];

fn color(gray: f32) -> String {
    let v = (gray * 255.0).round() as u8;
    format!("{v} {v} {v}")
}

/// The glyphs of `text` in the subset, and the advance after each (mm).
fn glyphs(
    font: &FontBook,
    embedded: &EmbeddedFont,
    text: &str,
    size: f32,
    spacing: f32,
) -> Result<(Vec<u16>, Vec<f32>), RenderError> {
    let full = font.glyphs(text)?;
    let cids = full
        .iter()
        .map(|g| embedded.cids.get(g).copied().unwrap_or(0))
        .collect();
    let advances = full
        .iter()
        .map(|g| mm(font.advance(*g) / font.units_per_em * size + spacing))
        .collect();
    Ok((cids, advances))
}

/// What a text object looks like.
pub(super) struct TextStyle<'a> {
    pub(super) font_id: &'a str,
    pub(super) size_pt: f32,
    pub(super) spacing_pt: f32,
    pub(super) fill: String,
    pub(super) bold: bool,
    /// Rotation (degrees, counter-clockwise as seen) about the baseline start.
    pub(super) angle: f32,
}

/// A text object drawing `text` with its baseline starting at (x, y) pt
/// (PDF coordinates).
pub(super) fn text_object(
    font: &FontBook,
    embedded: &EmbeddedFont,
    ids: &mut Ids,
    style: &TextStyle<'_>,
    (x, y): (f32, f32),
    text: &str,
) -> Result<Element, RenderError> {
    let (cids, advances) = glyphs(font, embedded, text, style.size_pt, style.spacing_pt)?;
    let mut delta = String::with_capacity(advances.len() * 6);
    for a in advances.iter().take(advances.len().saturating_sub(1)) {
        if !delta.is_empty() {
            delta.push(' ');
        }
        push_num(&mut delta, *a);
    }
    let (ox, oy) = (mm(x), mm(PAGE_H - y));
    let mut t = el("ofd:TextObject")
        .with_attr("ID", ids.next())
        .with_attr("Boundary", fmt_box(PAGE_BOX))
        .with_attr("Font", style.font_id)
        .with_attr("Size", num(mm(style.size_pt)));
    let (tx, ty) = if style.angle != 0.0 {
        let (s, c) = style.angle.to_radians().sin_cos();
        t = t.with_attr("CTM", [c, -s, s, c, ox, oy].map(num).join(" "));
        (0.0, 0.0)
    } else {
        (ox, oy)
    };
    if style.bold {
        t = t
            .with_attr("Stroke", "true")
            .with_attr("LineWidth", num(mm(0.45)));
    }
    t = t.with_child(el("ofd:FillColor").with_attr("Value", style.fill.clone()));
    if style.bold {
        t = t.with_child(el("ofd:StrokeColor").with_attr("Value", "0 0 0"));
    }
    let n = cids.len().to_string();
    t = t.with_child(
        el("ofd:CGTransform")
            .with_attr("CodePosition", "0")
            .with_attr("CodeCount", text.chars().count().to_string())
            .with_attr("GlyphCount", n)
            .with_child(
                el("ofd:Glyphs").with_text(
                    cids.iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
    );
    let mut code = el("ofd:TextCode")
        .with_attr("X", num(tx))
        .with_attr("Y", num(ty));
    if !delta.is_empty() {
        code = code.with_attr("DeltaX", delta);
    }
    Ok(t.with_child(code.with_text(text)))
}

/// A laid-out run as a text object.
pub(super) fn run_object(
    font: &FontBook,
    embedded: &EmbeddedFont,
    ids: &mut Ids,
    font_id: &str,
    r: &Run,
) -> Result<Element, RenderError> {
    let style = TextStyle {
        font_id,
        size_pt: r.size,
        spacing_pt: r.spacing,
        fill: color(if r.gray { 0.25 } else { 0.0 }),
        bold: r.bold,
        angle: 0.0,
    };
    text_object(font, embedded, ids, &style, (r.x, r.y), &r.text)
}

/// The specimen mark: 样本 large and pale across the page, and small and
/// red at the top right (as the PDF draws it).
pub(super) fn specimen_mark(
    font: &FontBook,
    embedded: &EmbeddedFont,
    ids: &mut Ids,
    font_id: &str,
    text: &str,
) -> Result<Vec<Element>, RenderError> {
    let big = TextStyle {
        font_id,
        size_pt: 150.0,
        spacing_pt: 30.0,
        fill: "237 204 204".into(),
        bold: false,
        angle: 30.0,
    };
    let small = TextStyle {
        font_id,
        size_pt: 14.0,
        spacing_pt: 2.0,
        fill: "204 26 26".into(),
        bold: false,
        angle: 0.0,
    };
    Ok(vec![
        text_object(
            font,
            embedded,
            ids,
            &big,
            (PAGE_W / 2.0 - 150.0, PAGE_H / 2.0 - 110.0),
            text,
        )?,
        text_object(
            font,
            embedded,
            ids,
            &small,
            (PAGE_W - 28.0 * MM, PAGE_H - 18.0 * MM),
            text,
        )?,
    ])
}

/// The rule above the footer.
pub(super) fn footer_rule(ids: &mut Ids) -> Element {
    let y = num(mm(PAGE_H - (BOTTOM + QR_SIZE + 3.0 * MM)));
    el("ofd:PathObject")
        .with_attr("ID", ids.next())
        .with_attr("Boundary", fmt_box(PAGE_BOX))
        .with_attr("LineWidth", num(mm(0.5)))
        .with_child(el("ofd:StrokeColor").with_attr("Value", color(0.6)))
        .with_child(el("ofd:AbbreviatedData").with_text(format!(
            "M {} {y} L {} {y}",
            num(mm(LEFT)),
            num(mm(LEFT + TEXT_W))
        )))
}

/// The QR code as one filled path of rectangles (runs of dark modules per
/// row), in the same place and size as the PDF's.
pub(super) fn qr_object(ids: &mut Ids, qr: &Qr) -> Element {
    let quiet = 2.0;
    let size = mm(QR_SIZE);
    let m = size / (qr.width as f32 + 2.0 * quiet);
    let mut d = String::with_capacity(qr.width * qr.width * 8);
    for (row, start, end) in qr.dark_runs() {
        let (x0, x1) = ((quiet + start as f32) * m, (quiet + end as f32) * m);
        let (y0, y1) = ((quiet + row as f32) * m, (quiet + row as f32 + 1.0) * m);
        // M x0 y0 L x1 y0 L x1 y1 L x0 y1 C
        for (op, x, y) in [("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1)] {
            d.push_str(op);
            d.push(' ');
            push_num(&mut d, x);
            d.push(' ');
            push_num(&mut d, y);
            d.push(' ');
        }
        d.push_str("C ");
    }
    let top = mm(PAGE_H - BOTTOM - QR_SIZE);
    el("ofd:PathObject")
        .with_attr("ID", ids.next())
        .with_attr("Boundary", fmt_box([mm(LEFT), top, size, size]))
        .with_attr("Fill", "true")
        .with_attr("Stroke", "false")
        .with_child(el("ofd:FillColor").with_attr("Value", "0 0 0"))
        .with_child(el("ofd:AbbreviatedData").with_text(d.trim_end().to_string()))
}
