use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use ttf_parser::{Face, GlyphId};

/// Errors from the font.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FontError {
    #[error(
        "font {path}: {reason} (install it with `apt-get install fonts-noto-cjk`, or set ESEAL_FONT)"
    )]
    Load { path: String, reason: String },
    /// Characters the font cannot draw: refused rather than shown as boxes.
    #[error("the font cannot draw {}: {}", chars.iter().map(|c| format!("'{c}' (U+{:04X})", *c as u32)).collect::<Vec<_>>().join(", "), "replace or remove them")]
    Uncovered { chars: Vec<char> },
    #[error("font subsetting failed: {0}")]
    Subset(String),
}

/// The loaded font and its cached base subset.
pub struct FontBook {
    /// Unique per loaded font in this process (keys caches of things made
    /// from this font).
    id: u64,
    data: Vec<u8>,
    index: u32,
    base: Vec<u8>,
    /// Glyph id in the full font -> glyph id in the base subset.
    base_ids: HashMap<u16, u16>,
    /// Character -> glyph id for the base character set (parsing the face's
    /// cmap per lookup is far slower than a hash map).
    cmap: HashMap<char, u16>,
    /// Advance of every glyph, in font units.
    advances: Vec<u16>,
    pub units_per_em: f32,
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    pub postscript_name: String,
}

impl std::fmt::Debug for FontBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontBook")
            .field("name", &self.postscript_name)
            .finish_non_exhaustive()
    }
}

/// A subset ready to embed: OpenType (CFF) bytes and the CID of each glyph.
#[derive(Debug, Clone)]
pub struct Subset {
    pub data: Vec<u8>,
    /// Full-font glyph id -> CID in the subset.
    pub cids: HashMap<u16, u16>,
}

const GB2312: &str = include_str!("gb2312.txt");

impl FontBook {
    /// Load `path` or `path#index` (a face of a collection). For a
    /// collection without an index, the Simplified Chinese face is chosen.
    pub fn load_spec(spec: &str) -> Result<Self, FontError> {
        let (path, index) = match spec.rsplit_once('#') {
            Some((p, i)) if i.parse::<u32>().is_ok() => (p, i.parse::<u32>().ok()),
            _ => (spec, None),
        };
        let err = |reason: String| FontError::Load {
            path: path.to_string(),
            reason,
        };
        let data = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let index = match index {
            Some(i) => i,
            None => pick_face(&data),
        };
        let face = Face::parse(&data, index).map_err(|e| err(e.to_string()))?;
        let bb = face.global_bounding_box();
        let postscript_name = face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| "CJKSerif".into());
        let units_per_em = f32::from(face.units_per_em());
        let (ascender, descender) = (f32::from(face.ascender()), f32::from(face.descender()));
        let cap_height = face
            .capital_height()
            .map(f32::from)
            .unwrap_or(ascender * 0.7);
        let bbox = [
            f32::from(bb.x_min),
            f32::from(bb.y_min),
            f32::from(bb.x_max),
            f32::from(bb.y_max),
        ];
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut cmap = HashMap::new();
        for c in GB2312
            .chars()
            .chain((0x20u8..0x7f).map(char::from))
            .chain("〇〔〕·—“”‘’…℃㎡".chars())
        {
            if let Some(g) = face.glyph_index(c).filter(|g| g.0 != 0) {
                remapper.remap(g.0);
                cmap.insert(c, g.0);
            }
        }
        let advances: Vec<u16> = (0..face.number_of_glyphs())
            .map(|g| {
                face.glyph_hor_advance(GlyphId(g))
                    .unwrap_or(face.units_per_em())
            })
            .collect();
        let mut base_ids = HashMap::new();
        for g in 0..face.number_of_glyphs() {
            if let Some(n) = remapper.get(g) {
                base_ids.insert(g, n);
            }
        }
        let base = subsetter::subset(&data, index, &remapper)
            .map_err(|e| err(format!("base subset: {e:?}")))?;
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            data,
            index,
            base,
            base_ids,
            cmap,
            advances,
            units_per_em,
            ascender,
            descender,
            cap_height,
            bbox,
            postscript_name,
        })
    }

    /// An identifier unique to this loaded font within the process, for
    /// keying caches of things derived from it (subsets, seal drawings).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The parsed face. Parsing reads only the table directory.
    pub(crate) fn face(&self) -> Face<'_> {
        // The face parsed successfully at load time, and the bytes are unchanged.
        #[allow(clippy::expect_used)]
        Face::parse(&self.data, self.index).expect("face parsed at load")
    }

    /// Glyph ids for `text`, or the characters the font cannot draw.
    /// Whitespace other than the space is ignored by the caller.
    pub fn glyphs(&self, text: &str) -> Result<Vec<u16>, FontError> {
        let mut face = None;
        let mut out = Vec::with_capacity(text.len());
        let mut missing = Vec::new();
        for c in text.chars() {
            if let Some(g) = self.cmap.get(&c) {
                out.push(*g);
                continue;
            }
            let face = face.get_or_insert_with(|| self.face());
            match face.glyph_index(c) {
                Some(g) if g.0 != 0 => out.push(g.0),
                _ => {
                    if !missing.contains(&c) {
                        missing.push(c);
                    }
                }
            }
        }
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(FontError::Uncovered { chars: missing })
        }
    }

    /// Check that every character of `text` can be drawn.
    pub fn check(&self, text: &str) -> Result<(), FontError> {
        self.glyphs(text).map(|_| ())
    }

    /// Horizontal advance of a glyph, in font units.
    pub fn advance(&self, gid: u16) -> f32 {
        self.advances
            .get(usize::from(gid))
            .map(|a| f32::from(*a))
            .unwrap_or(self.units_per_em)
    }

    /// Subset the font to `gids` (full-font glyph ids).
    pub fn subset(&self, gids: &BTreeSet<u16>) -> Result<Subset, FontError> {
        let mut remapper = subsetter::GlyphRemapper::new();
        let from_base = gids.iter().all(|g| self.base_ids.contains_key(g));
        if from_base {
            for g in gids {
                remapper.remap(self.base_ids[g]);
            }
            let data = subsetter::subset(&self.base, 0, &remapper)
                .map_err(|e| FontError::Subset(format!("{e:?}")))?;
            let cids = gids
                .iter()
                .filter_map(|g| remapper.get(self.base_ids[g]).map(|c| (*g, c)))
                .collect();
            Ok(Subset { data, cids })
        } else {
            for g in gids {
                remapper.remap(*g);
            }
            let data = subsetter::subset(&self.data, self.index, &remapper)
                .map_err(|e| FontError::Subset(format!("{e:?}")))?;
            let cids = gids
                .iter()
                .filter_map(|g| remapper.get(*g).map(|c| (*g, c)))
                .collect();
            Ok(Subset { data, cids })
        }
    }
}

/// In a collection, the face whose name says Simplified Chinese; else 0.
fn pick_face(data: &[u8]) -> u32 {
    let n = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    for i in 0..n {
        if let Ok(f) = Face::parse(data, i) {
            let sc = f.names().into_iter().any(|name| {
                name.name_id == ttf_parser::name_id::FULL_NAME
                    && name
                        .to_string()
                        .is_some_and(|s| s.contains(" SC") || s.ends_with("SC"))
            });
            if sc {
                return i;
            }
        }
    }
    0
}
