//! The QR code of a document's verification link, as a bitmap of modules
//! any writer can draw.

pub(crate) struct Qr {
    /// Modules per side.
    pub(crate) width: usize,
    /// Row by row, true for dark.
    pub(crate) dark: Vec<bool>,
}

impl Qr {
    /// The runs of dark modules, row by row: (row, first column, column
    /// after the last). Writers draw each run as one rectangle.
    pub(crate) fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if self.dark[row * self.width + col] {
                    let start = col;
                    while col < self.width && self.dark[row * self.width + col] {
                        col += 1;
                    }
                    out.push((row, start, col));
                } else {
                    col += 1;
                }
            }
        }
        out
    }
}

/// The QR code of `url` (level M), as `QrCode::with_error_correction_level`
/// makes it: the same version, data and mask. Only the choice of mask is
/// done here: the crate scores the eight masked symbols through a generic
/// module accessor, which cost more than the rest of the page; the same
/// scores on a plain bitmap are a small fraction of that.
pub(crate) fn qr_modules(url: &str) -> Option<Qr> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
