//! Glyph outlines as path commands (font units, y up).

use super::{FontBook, FontError};

/// One path command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutlineCmd {
    Move(f32, f32),
    Line(f32, f32),
    Quad(f32, f32, f32, f32),
    Cubic(f32, f32, f32, f32, f32, f32),
    Close,
}

/// A glyph's outline and advance.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub cmds: Vec<OutlineCmd>,
    pub advance: f32,
}

struct Collect(Vec<OutlineCmd>);

impl ttf_parser::OutlineBuilder for Collect {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push(OutlineCmd::Move(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push(OutlineCmd::Line(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.push(OutlineCmd::Quad(x1, y1, x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.push(OutlineCmd::Cubic(x1, y1, x2, y2, x, y));
    }
    fn close(&mut self) {
        self.0.push(OutlineCmd::Close);
    }
}

impl FontBook {
    /// The outlines of every character of `text`, parsing the face once.
    pub fn outlines(&self, text: &str) -> Result<Vec<Outline>, FontError> {
        let face = self.face();
        text.chars().map(|c| self.outline_in(&face, c)).collect()
    }

    /// The outline of character `c`.
    pub fn outline(&self, c: char) -> Result<Outline, FontError> {
        self.outline_in(&self.face(), c)
    }

    fn outline_in(&self, face: &ttf_parser::Face<'_>, c: char) -> Result<Outline, FontError> {
        let gid = match face.glyph_index(c) {
            Some(g) if g.0 != 0 => g,
            _ => return Err(FontError::Uncovered { chars: vec![c] }),
        };
        let mut b = Collect(Vec::new());
        face.outline_glyph(gid, &mut b);
        Ok(Outline {
            cmds: b.0,
            advance: self.advance(gid.0),
        })
    }
}
