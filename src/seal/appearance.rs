//! The seal's appearance: a round red official seal drawn as pure vector
//! paths (the lettering is taken from the font's glyph outlines, so no font
//! is needed to draw it): outer ring, five-pointed star in the centre, the
//! holder's name along the upper arc, and an optional short line below the
//! star.
//!
//! Geometry is in units of the seal's radius, centre at the origin, y up.
//! Long names are set the way seal engravers do it: the arc widens up to
//! 250° and the characters are condensed horizontally, never shrunk in
//! height.

use std::f32::consts::PI;
use std::fmt::Write;

use crate::font::{FontBook, FontError, OutlineCmd};

/// Seal red (RGB 0..1), close to the vermilion of official seal ink.
pub const SEAL_RED: (f32, f32, f32) = (0.86, 0.09, 0.09);

const RING_OUTER: f32 = 1.0;
const RING_INNER: f32 = 0.925;
const STAR_OUTER: f32 = 0.29;
const TEXT_RADIUS: f32 = 0.675;
const TEXT_HEIGHT: f32 = 0.25;
const MAX_ARC_DEG: f32 = 250.0;
/// Arc a character takes at full width (degrees) when the name is short.
const NATURAL_STEP_DEG: f32 = 21.0;
const LINE_HEIGHT: f32 = 0.15;
const LINE_Y: f32 = -0.52;

/// One filled shape.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    pub(super) cmds: Vec<OutlineCmd>,
    pub(super) even_odd: bool,
    /// Lettering is also stroked, to give the thin book face the weight of
    /// engraved seal characters.
    pub(super) embolden: bool,
}

/// Stroke width of the lettering, in seal radii.
pub(super) const EMBOLDEN: f32 = 0.016;

/// A seal drawn as vector shapes.
#[derive(Debug, Clone)]
pub struct SealAppearance {
    pub(super) shapes: Vec<Shape>,
}

fn circle(r: f32, out: &mut Vec<OutlineCmd>) {
    let k = 0.552_284_8 * r;
    out.push(OutlineCmd::Move(r, 0.0));
    out.push(OutlineCmd::Cubic(r, k, k, r, 0.0, r));
    out.push(OutlineCmd::Cubic(-k, r, -r, k, -r, 0.0));
    out.push(OutlineCmd::Cubic(-r, -k, -k, -r, 0.0, -r));
    out.push(OutlineCmd::Cubic(k, -r, r, -k, r, 0.0));
    out.push(OutlineCmd::Close);
}

fn star(r: f32) -> Vec<OutlineCmd> {
    let inner = r * 0.381_966;
    let mut v = Vec::with_capacity(11);
    for i in 0..10 {
        let rad = if i % 2 == 0 { r } else { inner };
        let a = PI / 2.0 + i as f32 * PI / 5.0;
        let p = (rad * a.cos(), rad * a.sin());
        v.push(if i == 0 {
            OutlineCmd::Move(p.0, p.1)
        } else {
            OutlineCmd::Line(p.0, p.1)
        });
    }
    v.push(OutlineCmd::Close);
    v
}

/// Apply the affine map [a b c d e f] (PDF order) to a path.
fn transform(cmds: &[OutlineCmd], m: [f32; 6]) -> Vec<OutlineCmd> {
    let t = |x: f32, y: f32| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
    cmds.iter()
        .map(|c| match *c {
            OutlineCmd::Move(x, y) => {
                let p = t(x, y);
                OutlineCmd::Move(p.0, p.1)
            }
            OutlineCmd::Line(x, y) => {
                let p = t(x, y);
                OutlineCmd::Line(p.0, p.1)
            }
            OutlineCmd::Quad(x1, y1, x, y) => {
                let (a, b) = (t(x1, y1), t(x, y));
                OutlineCmd::Quad(a.0, a.1, b.0, b.1)
            }
            OutlineCmd::Cubic(x1, y1, x2, y2, x, y) => {
                let (a, b, c) = (t(x1, y1), t(x2, y2), t(x, y));
                OutlineCmd::Cubic(a.0, a.1, b.0, b.1, c.0, c.1)
            }
            OutlineCmd::Close => OutlineCmd::Close,
        })
        .collect()
}

impl SealAppearance {
    /// Lay out the seal of `holder` (and an optional line under the star).
    pub fn new(
        font: &FontBook,
        holder: &str,
        inscription: Option<&str>,
    ) -> Result<Self, FontError> {
        font.check(holder)?;
        if let Some(l) = inscription {
            font.check(l)?;
        }
        let em = font.units_per_em;
        // Vertical centre of a CJK glyph in font units (ideographic em box).
        let mid = (font.ascender + font.descender) / 2.0;
        let mut shapes = Vec::new();
        let mut ring = Vec::new();
        circle(RING_OUTER, &mut ring);
        circle(RING_INNER, &mut ring);
        shapes.push(Shape {
            cmds: ring,
            even_odd: true,
            embolden: false,
        });
        shapes.push(Shape {
            cmds: star(STAR_OUTER),
            even_odd: false,
            embolden: false,
        });

        let chars: Vec<char> = holder.chars().collect();
        let n = chars.len().max(1) as f32;
        let arc_deg = (NATURAL_STEP_DEG * n).min(MAX_ARC_DEG);
        let step = arc_deg / n;
        // Horizontal condensation: a character may take at most its arc.
        let arc_len = TEXT_RADIUS * step.to_radians();
        let sx = (arc_len * 0.92 / TEXT_HEIGHT).min(1.0);
        let scale = TEXT_HEIGHT / em;
        let outlines = font.outlines(holder)?;
        for (i, o) in outlines.iter().enumerate() {
            // Angle of this character's centre: left to right over the top.
            let theta = (90.0 + arc_deg / 2.0 - step * (i as f32 + 0.5)).to_radians();
            let rot = theta - PI / 2.0;
            let (s, co) = rot.sin_cos();
            // Glyph space -> local: centre the glyph, condense, scale.
            let gx = sx * scale;
            let gy = scale;
            let dx = -o.advance / 2.0;
            let dy = -mid;
            // local (x, y) = (gx*(u+dx), gy*(v+dy)); then rotate and move out.
            let cx = TEXT_RADIUS * theta.cos();
            let cy = TEXT_RADIUS * theta.sin();
            let m = [
                co * gx,
                s * gx,
                -s * gy,
                co * gy,
                co * gx * dx - s * gy * dy + cx,
                s * gx * dx + co * gy * dy + cy,
            ];
            shapes.push(Shape {
                cmds: transform(&o.cmds, m),
                even_odd: false,
                embolden: true,
            });
        }

        if let Some(line) = inscription.filter(|l| !l.is_empty()) {
            let lc = font.outlines(line)?;
            let scale = LINE_HEIGHT / em;
            let width: f32 = lc.iter().map(|o| o.advance).sum::<f32>() * scale;
            let max_w = 0.9;
            let sx = (max_w / width).min(1.0);
            let mut x = -width * sx / 2.0;
            for o in lc {
                let m = [sx * scale, 0.0, 0.0, scale, x, LINE_Y - mid * scale];
                shapes.push(Shape {
                    cmds: transform(&o.cmds, m),
                    even_odd: false,
                    embolden: true,
                });
                x += o.advance * scale * sx;
            }
        }
        Ok(Self { shapes })
    }

    /// SVG document of the seal, `size` pixels square.
    pub fn to_svg(&self, size: f32) -> String {
        let mut s = String::new();
        let (r, g, b) = SEAL_RED;
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" viewBox=\"-1.02 -1.02 2.04 2.04\">\
             <g fill=\"rgb({},{},{})\" transform=\"scale(1,-1)\">",
            (r * 255.0) as u8,
            (g * 255.0) as u8,
            (b * 255.0) as u8
        );
        for shape in &self.shapes {
            let rule = if shape.even_odd { "evenodd" } else { "nonzero" };
            let stroke = if shape.embolden {
                format!(
                    " stroke=\"rgb({},{},{})\" stroke-width=\"{EMBOLDEN}\" stroke-linejoin=\"round\"",
                    (r * 255.0) as u8,
                    (g * 255.0) as u8,
                    (b * 255.0) as u8
                )
            } else {
                String::new()
            };
            let _ = write!(s, "<path fill-rule=\"{rule}\"{stroke} d=\"");
            for c in &shape.cmds {
                let _ = match *c {
                    OutlineCmd::Move(x, y) => write!(s, "M{x:.4} {y:.4}"),
                    OutlineCmd::Line(x, y) => write!(s, "L{x:.4} {y:.4}"),
                    OutlineCmd::Quad(a, b, x, y) => write!(s, "Q{a:.4} {b:.4} {x:.4} {y:.4}"),
                    OutlineCmd::Cubic(a, b, c2, d, x, y) => {
                        write!(s, "C{a:.4} {b:.4} {c2:.4} {d:.4} {x:.4} {y:.4}")
                    }
                    OutlineCmd::Close => write!(s, "Z"),
                };
            }
            s.push_str("\"/>");
        }
        s.push_str("</g></svg>\n");
        s
    }

    /// Draw the seal into a PDF content stream, centred at (`cx`, `cy`) with
    /// the given diameter (PDF units).
    pub fn draw_pdf(&self, content: &mut pdf_writer::Content, cx: f32, cy: f32, diameter: f32) {
        let k = diameter / 2.0;
        let (r, g, b) = SEAL_RED;
        content.save_state();
        content.transform([k, 0.0, 0.0, k, cx, cy]);
        content.set_fill_rgb(r, g, b);
        content.set_stroke_rgb(r, g, b);
        content.set_line_width(EMBOLDEN);
        content.set_line_join(pdf_writer::types::LineJoinStyle::RoundJoin);
        for shape in &self.shapes {
            let mut last = (0.0, 0.0);
            for c in &shape.cmds {
                match *c {
                    OutlineCmd::Move(x, y) => {
                        content.move_to(x, y);
                        last = (x, y);
                    }
                    OutlineCmd::Line(x, y) => {
                        content.line_to(x, y);
                        last = (x, y);
                    }
                    OutlineCmd::Quad(x1, y1, x, y) => {
                        // Elevate the quadratic to a cubic.
                        let c1 = (
                            last.0 + 2.0 / 3.0 * (x1 - last.0),
                            last.1 + 2.0 / 3.0 * (y1 - last.1),
                        );
                        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
                        content.cubic_to(c1.0, c1.1, c2.0, c2.1, x, y);
                        last = (x, y);
                    }
                    OutlineCmd::Cubic(a, b2, c2, d, x, y) => {
                        content.cubic_to(a, b2, c2, d, x, y);
                        last = (x, y);
                    }
                    OutlineCmd::Close => {
                        content.close_path();
                    }
                }
            }
            if shape.even_odd {
                content.fill_even_odd();
            } else if shape.embolden {
                content.fill_nonzero_and_stroke();
            } else {
                content.fill_nonzero();
            }
        }
        content.restore_state();
    }

    /// A content stream drawing the seal in the box [0 0 size size] (for a
    /// Form XObject or a signature widget's appearance).
    pub fn pdf_content(&self, size: f32) -> Vec<u8> {
        let mut c = pdf_writer::Content::new();
        self.draw_pdf(&mut c, size / 2.0, size / 2.0, size);
        c.finish().to_vec()
    }
}
