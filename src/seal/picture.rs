//! The seal's appearance as a raster picture, for the `SES_ESPictureInfo`
//! of its GB/T 38540 seal: the vector shapes filled with tiny-skia at print
//! resolution and encoded as PNG (transparent outside the ink).
//!
//! The ink is one colour, so only its coverage varies from pixel to pixel:
//! the PNG is indexed, 256 palette entries of seal red whose transparency
//! (`tRNS`) is the coverage. That is lossless for a one-colour seal and a
//! quarter of the RGBA data before compression (a 42 mm seal at 300 dpi:
//! about 69 KB as RGBA).

use tiny_skia::{FillRule, LineJoin, Mask, PathBuilder, Stroke, Transform};

use std::sync::{Arc, Mutex, OnceLock};

use super::appearance::{EMBOLDEN, SEAL_RED, SealAppearance, Shape};
use crate::document::cache::Bounded;
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
        let (plain, lettering): (Vec<&Shape>, Vec<&Shape>) =
            self.shapes.iter().partition(|s| !s.embolden);
        // The ring and the star are the same on every seal: drawn once per
        // size and copied (provisioning draws 563 seals).
        let mut coverage = base(px, &plain)?;
        let stroke = Stroke {
            width: EMBOLDEN,
            // Round joins cost a third more to fill than mitred ones and look
            // the same at this stroke width (0.016 seal radii, 4 px here).
            line_join: LineJoin::Miter,
            ..Stroke::default()
        };
        for shape in lettering {
            if let Some(g) = glyph(px, shape, &stroke) {
                g.draw_on(&mut coverage, px);
            }
        }
        indexed_png(&coverage, SEAL_RED, dpi)
    }
}

/// One character of the lettering drawn at its place on a `px` square: its
/// coverage in the smallest box of whole pixels around it.
struct Glyph {
    x: usize,
    y: usize,
    mask: Mask,
}

impl Glyph {
    /// Source-over onto `coverage` (a `px` square).
    fn draw_on(&self, coverage: &mut Mask, px: u32) {
        let (w, px) = (self.mask.width() as usize, px as usize);
        let dst = coverage.data_mut();
        for (r, row) in self.mask.data().chunks(w).enumerate() {
            let at = (self.y + r) * px + self.x;
            for (d, &s) in dst[at..at + w].iter_mut().zip(row) {
                let under = u32::from(*d) * u32::from(255 - s);
                *d = s.saturating_add(((under + 127) / 255) as u8);
            }
        }
    }
}

/// The characters drawn lately, by size and outline (as placed): seals
/// share much of their lettering at the same places (连云港市赣榆区 at the
/// start, 村民委员会 at the end of names of the same length), so most of a
/// roster's characters are drawn once. At most 2,048 (about 8 MB).
fn glyph(px: u32, shape: &Shape, stroke: &Stroke) -> Option<Arc<Glyph>> {
    let cache = glyphs();
    let key: GlyphKey = (px, shape.even_odd, outline_bits(&shape.cmds));
    if let Some(hit) = cache.get(&key) {
        return Some(hit);
    }
    let drawn = Arc::new(draw_glyph(px, shape, stroke)?);
    cache.insert(key, drawn.clone());
    Some(drawn)
}

type GlyphKey = (u32, bool, Vec<u32>);

fn glyphs() -> &'static Bounded<GlyphKey, Glyph> {
    static CACHE: OnceLock<Bounded<GlyphKey, Glyph>> = OnceLock::new();
    CACHE.get_or_init(|| Bounded::new(2048))
}

/// Forget the characters, ring and star drawn so far, as a new process
/// would (for benchmarks that measure a provisioning run from cold).
pub fn forget_drawn() {
    glyphs().clear();
    *LAST_BASE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
}

/// The outline's coordinates, exactly, as a key.
fn outline_bits(cmds: &[OutlineCmd]) -> Vec<u32> {
    let mut out = Vec::with_capacity(cmds.len() * 4);
    for c in cmds {
        match *c {
            OutlineCmd::Move(x, y) => out.extend([0, x.to_bits(), y.to_bits()]),
            OutlineCmd::Line(x, y) => out.extend([1, x.to_bits(), y.to_bits()]),
            OutlineCmd::Quad(a, b, x, y) => {
                out.extend([2, a.to_bits(), b.to_bits(), x.to_bits(), y.to_bits()])
            }
            OutlineCmd::Cubic(a, b, c, d, x, y) => out.extend([
                3,
                a.to_bits(),
                b.to_bits(),
                c.to_bits(),
                d.to_bits(),
                x.to_bits(),
                y.to_bits(),
            ]),
            OutlineCmd::Close => out.push(4),
        }
    }
    out
}

/// Fill the character and its stroke (the stroke's band covers the
/// outline's edge, so one fill of both is the same as two).
fn draw_glyph(px: u32, shape: &Shape, stroke: &Stroke) -> Option<Glyph> {
    let path = path_of(shape)?;
    // Curves flattened for the pixel size, not the seal's unit radius.
    let outline = path.stroke(stroke, px as f32 / 2.0);
    let mut pb = PathBuilder::new();
    pb.push_path(&path);
    if let Some(o) = &outline {
        pb.push_path(o);
    }
    let both = pb.finish()?;
    let rule = if outline.is_some() {
        FillRule::Winding
    } else {
        rule_of(shape)
    };
    let t = to_pixels(px);
    let b = both.clone().transform(t)?.bounds();
    let clamp = |v: f32| (v.max(0.0) as u32).min(px);
    let (x0, y0) = (clamp(b.left().floor() - 1.0), clamp(b.top().floor() - 1.0));
    let (x1, y1) = (
        clamp(b.right().ceil() + 1.0),
        clamp(b.bottom().ceil() + 1.0),
    );
    let mut mask = Mask::new(x1.checked_sub(x0)?.max(1), y1.checked_sub(y0)?.max(1))?;
    mask.fill_path(
        &both,
        rule,
        true,
        t.post_translate(-(x0 as f32), -(y0 as f32)),
    );
    Some(Glyph {
        x: x0 as usize,
        y: y0 as usize,
        mask,
    })
}

/// Seal units (radius 1, y up) -> pixels (y down) on a `px` square.
fn to_pixels(px: u32) -> Transform {
    let half = px as f32 / 2.0;
    Transform::from_row(half, 0.0, 0.0, -half, half, half)
}

fn rule_of(shape: &Shape) -> FillRule {
    if shape.even_odd {
        FillRule::EvenOdd
    } else {
        FillRule::Winding
    }
}

/// The shape as a path; `None` for an empty outline (a space).
fn path_of(shape: &Shape) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for c in &shape.cmds {
        match *c {
            OutlineCmd::Move(x, y) => pb.move_to(x, y),
            OutlineCmd::Line(x, y) => pb.line_to(x, y),
            OutlineCmd::Quad(a, b, x, y) => pb.quad_to(a, b, x, y),
            OutlineCmd::Cubic(a, b, c2, d, x, y) => pb.cubic_to(a, b, c2, d, x, y),
            OutlineCmd::Close => pb.close(),
        }
    }
    pb.finish()
}

/// The ink's coverage of a `px` square with `shapes` filled: the last one
/// drawn is kept (a seal size with its ring and star) and handed out as a
/// copy when asked again.
type Base = (u32, Vec<Vec<OutlineCmd>>, Mask);
static LAST_BASE: Mutex<Option<Base>> = Mutex::new(None);

fn base(px: u32, shapes: &[&Shape]) -> Result<Mask, PictureError> {
    let cmds: Vec<Vec<OutlineCmd>> = shapes.iter().map(|s| s.cmds.clone()).collect();
    let mut last = LAST_BASE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((size, drawn, mask)) = last.as_ref()
        && *size == px
        && *drawn == cmds
    {
        return Ok(mask.clone());
    }
    let mut mask = Mask::new(px, px).ok_or_else(|| PictureError(format!("{px} px")))?;
    let t = to_pixels(px);
    for shape in shapes {
        if let Some(path) = path_of(shape) {
            mask.fill_path(&path, rule_of(shape), true, t);
        }
    }
    *last = Some((px, cmds, mask.clone()));
    Ok(mask)
}

/// The ink's `coverage` as an 8-bit indexed PNG in colour `rgb` whose
/// palette index is the coverage, with its resolution (`pHYs`).
fn indexed_png(
    coverage: &Mask,
    (r, g, b): (f32, f32, f32),
    dpi: f32,
) -> Result<Vec<u8>, PictureError> {
    let err = |e: png::EncodingError| PictureError(e.to_string());
    let ink = [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8];
    let palette: Vec<u8> = (0..256).flat_map(|_| ink).collect();
    let trns: Vec<u8> = (0..=255u8).collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, coverage.width(), coverage.height());
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
    w.write_image_data(coverage.data()).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}
