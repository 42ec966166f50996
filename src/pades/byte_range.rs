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
