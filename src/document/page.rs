//! The page after GB/T 9704-2012, independent of the file format: A4, 37 mm
//! top and 28 mm left margins, a 156 x 225 mm text block, the title in
//! 22 pt, the body in 16 pt justified with two-character indents, the
//! issuer and the date at the lower right under the seal, and a footer with
//! the document number, verification code and QR code. Coordinates are PDF
//! points from the lower left corner of the page.

use time::OffsetDateTime;

use super::layout::{self, Line};
use super::qr::{Qr, qr_modules};
use super::{DocumentMeta, Filled, RenderError, SealView, Template};
use crate::domain::CivilDate;
use crate::font::FontBook;

pub(crate) const MM: f32 = 72.0 / 25.4;
pub(crate) const PAGE_W: f32 = 210.0 * MM;
pub(crate) const PAGE_H: f32 = 297.0 * MM;
pub(crate) const LEFT: f32 = 28.0 * MM;
pub(crate) const TEXT_W: f32 = 156.0 * MM;
pub(crate) const TOP: f32 = PAGE_H - 37.0 * MM;
pub(crate) const BOTTOM: f32 = PAGE_H - 37.0 * MM - 225.0 * MM;
pub(crate) const TITLE_SIZE: f32 = 22.0;
pub(crate) const BODY_SIZE: f32 = 16.0;
pub(crate) const LINE_PITCH: f32 = 225.0 * MM / 22.0;
pub(crate) const SMALL: f32 = 10.5;
pub(crate) const SEAL_D: f32 = 42.0 * MM;
pub(crate) const QR_SIZE: f32 = 24.0 * MM;
/// Height kept free at the bottom of the last page: issuer, date, seal, footer.
pub(crate) const CLOSING_BLOCK: f32 = 4.0 * LINE_PITCH + QR_SIZE + 8.0 * MM;

/// A positioned run of text.
pub(crate) struct Run {
    pub(crate) page: usize,
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) size: f32,
    pub(crate) spacing: f32,
    pub(crate) text: String,
    pub(crate) bold: bool,
    pub(crate) gray: bool,
}

/// A document laid out: every run of text on its page, and where the seal
/// and the QR code go (both on the last page).
pub(crate) struct Page {
    pub(crate) runs: Vec<Run>,
    /// The last page (0-based), which carries the seal, the footer and the
    /// QR code.
    pub(crate) last_page: usize,
    /// The seal's centre.
    pub(crate) seal_center: (f32, f32),
    /// The seal's rectangle [x1 y1 x2 y2].
    pub(crate) seal_rect: [f32; 4],
    /// The QR code of the verification URL, made once for both forms.
    pub(crate) qr: Option<Qr>,
}

impl Page {
    /// All the text drawn, in drawing order.
    pub(crate) fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// Lay out `template` filled with `filled` for `seal` at `issue_time`.
pub(crate) fn lay_out(
    font: &FontBook,
    template: &Template,
    filled: &Filled,
    seal: &SealView,
    issue_time: OffsetDateTime,
    meta: &DocumentMeta,
) -> Result<Page, RenderError> {
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
    Ok(Page {
        runs,
        last_page,
        seal_center: (seal_cx, seal_cy),
        seal_rect,
        qr: qr_modules(&meta.qr_url),
    })
}
