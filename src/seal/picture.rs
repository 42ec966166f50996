//! The seal's appearance as a raster picture, for the `SES_ESPictureInfo`
//! of its GB/T 38540 seal: the vector shapes filled with tiny-skia at print
//! resolution and encoded as PNG (transparent outside the ink).
//!
//! The ink is one colour, so only its coverage varies from pixel to pixel:
//! the PNG is indexed, 256 palette entries of seal red whose transparency
//! (`tRNS`) is the coverage. That is lossless for a one-colour seal and a
//! quarter of the RGBA data before compression (a 42 mm seal at 300 dpi:
//! about 69 KB as RGBA).

use tiny_skia::{FillRule, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::appearance::{EMBOLDEN, SEAL_RED, SealAppearance};
use crate::font::OutlineCmd;

/// Print resolution of seal pictures (dots per inch).
pub const PRINT_DPI: f32 = 300.0;
/// Diameter of the district's round seals in millimetres (as stamped on
/// documents, see `document::pdf`).
pub const SEAL_DIAMETER_MM: u32 = 42;

/// Errors rasterising a seal.
#[derive(Debug, thiserror::Error)]
#[error("seal picture: {0}")]
pub struct PictureError(String);

impl SealAppearance {
    /// PNG of the seal, `diameter_mm` across at `dpi` (a 42 mm seal at
    /// 300 dpi is 496 px square).
    pub fn to_png(&self, diameter_mm: f32, dpi: f32) -> Result<Vec<u8>, PictureError> {
        let px = (diameter_mm / 25.4 * dpi).round().max(8.0) as u32;
        let mut pixmap = Pixmap::new(px, px).ok_or_else(|| PictureError(format!("{px} px")))?;
        let half = px as f32 / 2.0;
        // Seal units (radius 1, y up) -> pixels (y down).
        let t = Transform::from_row(half, 0.0, 0.0, -half, half, half);
        let (r, g, b) = SEAL_RED;
        let mut paint = Paint::default();
        paint.set_color_rgba8((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8, 255);
        paint.anti_alias = true;
        let stroke = Stroke {
            width: EMBOLDEN,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        for shape in &self.shapes {
            let mut pb = PathBuilder::new();
            for c in &shape.cmds {
                match *c {
                    OutlineCmd::Move(x, y) => pb.move_to(x, y),
                    OutlineCmd::Line(x, y) => pb.line_to(x, y),
                    OutlineCmd::Quad(a, b2, x, y) => pb.quad_to(a, b2, x, y),
                    OutlineCmd::Cubic(a, b2, c2, d, x, y) => pb.cubic_to(a, b2, c2, d, x, y),
                    OutlineCmd::Close => pb.close(),
                }
            }
            // An empty outline (a space) has no path.
            let Some(path) = pb.finish() else { continue };
            let rule = if shape.even_odd {
                FillRule::EvenOdd
            } else {
                FillRule::Winding
            };
            pixmap.fill_path(&path, &paint, rule, t, None);
            if shape.embolden {
                pixmap.stroke_path(&path, &paint, &stroke, t, None);
            }
        }
        indexed_png(&pixmap, (r, g, b), dpi)
    }
}

/// `pixmap` (one colour, `rgb`, at any coverage) as an 8-bit indexed PNG
/// whose palette index is the coverage, with its resolution (`pHYs`).
fn indexed_png(
    pixmap: &Pixmap,
    (r, g, b): (f32, f32, f32),
    dpi: f32,
) -> Result<Vec<u8>, PictureError> {
    let err = |e: png::EncodingError| PictureError(e.to_string());
    let coverage: Vec<u8> = pixmap.pixels().iter().map(|p| p.alpha()).collect();
    let ink = [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8];
    let palette: Vec<u8> = (0..256).flat_map(|_| ink).collect();
    let trns: Vec<u8> = (0..=255u8).collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    enc.set_color(png::ColorType::Indexed);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_palette(palette);
    enc.set_trns(trns);
    let per_metre = (dpi / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(&coverage).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}
