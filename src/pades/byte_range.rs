//! Step 2: the byte range — the whole file except the `/Contents` hex string
//! (ISO 32000-1 §12.8.1) — and its SHA-256 digest.

use super::PadesError;
use super::prepare::BYTE_RANGE_WIDTH;
use crate::crypto::Sha256;

/// Where the placeholders of one signature dictionary are in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// First byte inside `/ByteRange [`.
    pub byte_range_at: usize,
    /// Offset of the `<` opening `/Contents`.
    pub contents_start: usize,
    /// Offset just after the closing `>`.
    pub contents_end: usize,
}

impl Placeholder {
    /// Room for DER in `/Contents`, in bytes.
    pub fn capacity(&self) -> usize {
        (self.contents_end - self.contents_start - 2) / 2
    }

    /// `[0, a, b, c]`: the signed ranges are `0..a` and `b..b+c`.
    pub fn ranges(&self, file_len: usize) -> [usize; 4] {
        [
            0,
            self.contents_start,
            self.contents_end,
            file_len - self.contents_end,
        ]
    }
}

/// Write the final `/ByteRange` values into their reserved space. Called once
/// the revision holding the placeholder is the end of the file.
pub fn write_byte_range(bytes: &mut [u8], ph: &Placeholder) -> Result<(), PadesError> {
    let r = ph.ranges(bytes.len());
    let text = format!("{} {} {} {}", r[0], r[1], r[2], r[3]);
    if text.len() > BYTE_RANGE_WIDTH {
        return Err(PadesError::TooLarge);
    }
    let slot = &mut bytes[ph.byte_range_at..ph.byte_range_at + BYTE_RANGE_WIDTH];
    slot.fill(b' ');
    slot[..text.len()].copy_from_slice(text.as_bytes());
    Ok(())
}

/// SHA-256 over the byte range.
pub fn digest(bytes: &[u8], ph: &Placeholder) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&bytes[..ph.contents_start]);
    h.update(&bytes[ph.contents_end..]);
    h.finish()
}

/// The signed bytes themselves (for tests and external verifiers).
pub fn signed_bytes(bytes: &[u8], ph: &Placeholder) -> Vec<u8> {
    let mut v = bytes[..ph.contents_start].to_vec();
    v.extend_from_slice(&bytes[ph.contents_end..]);
    v
}

/// SHA-256 over the byte range of the first signature in a signed file (the
/// first `/ByteRange` array in file order, which is the earliest signature
/// in files this module writes). `None` if there is none or it is out of
/// bounds.
pub fn first_signed_digest(pdf: &[u8]) -> Option<[u8; 32]> {
    const KEY: &[u8] = b"/ByteRange";
    let at = pdf.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let rest = &pdf[at..];
    let open = rest.iter().position(|&b| b == b'[')?;
    let close = rest[open..].iter().position(|&b| b == b']')? + open;
    let text = std::str::from_utf8(&rest[open + 1..close]).ok()?;
    let n: Vec<usize> = text
        .split_ascii_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [a, b, c, d] = n[..] else { return None };
    let first = pdf.get(a..a.checked_add(b)?)?;
    let second = pdf.get(c..c.checked_add(d)?)?;
    let mut h = crate::crypto::Sha256::new();
    h.update(first);
    h.update(second);
    Some(h.finish())
}
