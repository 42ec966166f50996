//! Step 4: write the DER (CMS SignedData or timestamp token) into the
//! `/Contents` placeholder as upper-case hex, zero-padded.

use super::PadesError;
use super::byte_range::Placeholder;

pub fn embed(bytes: &mut [u8], ph: &Placeholder, der: &[u8]) -> Result<(), PadesError> {
    if der.len() > ph.capacity() {
        return Err(PadesError::ContentsTooSmall {
            needed: der.len(),
            reserved: ph.capacity(),
        });
    }
    let slot = &mut bytes[ph.contents_start + 1..ph.contents_end - 1];
    let hex = hex::encode_upper(der);
    slot[..hex.len()].copy_from_slice(hex.as_bytes());
    slot[hex.len()..].fill(b'0');
    Ok(())
}
