//! Byte-range integrity (ISO 32000-1 §12.8.1): the range must be
//! `[0, a, b, c]` with the gap `[a, b)` exactly the /Contents hex string, and
//! end at a revision boundary; its SHA-256 is what the CMS must have signed.

use super::report::{Code, Reason};
use super::signature_field::FoundSignature;
use crate::crypto::Sha256;
use crate::pdf::PdfDocument;

#[derive(Debug, Clone)]
pub struct Integrity {
    pub byte_range: [u64; 4],
    pub digest: [u8; 32],
    /// The revision whose end the range covers, if it ends at one.
    pub signed_revision: Option<usize>,
    pub covers_whole_file: bool,
    pub bytes_after: u64,
}

impl Integrity {
    /// The two signed parts of `buf` (in bounds: checked by [`check`]).
    pub fn parts<'a>(&self, buf: &'a [u8]) -> [&'a [u8]; 2] {
        let [_, l1, o2, l2] = self.byte_range.map(|v| v as usize);
        [&buf[..l1], &buf[o2..o2 + l2]]
    }
}

/// Check the byte range of `sig`; `Err` is the reason the range is unusable.
pub fn check(
    doc: &PdfDocument<'_>,
    sig: &FoundSignature,
    max_contents: usize,
) -> Result<Integrity, Reason> {
    let buf = doc.bytes();
    let len = buf.len() as u64;
    let br = sig.byte_range().ok_or_else(|| {
        Reason::with(
            Code::BYTE_RANGE_INVALID,
            if sig.dict.get(b"ByteRange").is_none() {
                "the signature has no /ByteRange"
            } else {
                "/ByteRange is not four non-negative integers"
            },
        )
    })?;
    let [o1, l1, o2, l2] = br;
    let end = o2
        .checked_add(l2)
        .ok_or_else(|| Reason::with(Code::BYTE_RANGE_INVALID, "overflow"))?;
    if o1 != 0 || l1 == 0 || o2 <= l1 {
        return Err(Reason::with(
            Code::BYTE_RANGE_INVALID,
            format!("{br:?} is not [0 a b c] with a < b"),
        ));
    }
    if end > len {
        return Err(Reason::with(
            Code::BYTE_RANGE_INVALID,
            format!(
                "{br:?} extends beyond the end of the file ({len} bytes): the file is truncated"
            ),
        ));
    }
    let (contents, start, stop) = sig.contents().ok_or_else(|| {
        Reason::with(Code::CMS_MALFORMED, "the signature has no /Contents string")
    })?;
    // Universal signature forgery (CCS 2019): a signature value that is
    // empty or the zero-filled placeholder, for viewers that skip it.
    if contents.iter().all(|b| *b == 0) {
        return Err(Reason::with(
            Code::SIGNATURE_VALUE_MISSING,
            format!("/Contents holds {} bytes, all zero", contents.len()),
        ));
    }
    if contents.len() > max_contents {
        return Err(Reason::with(Code::LIMIT_EXCEEDED, "signature value size"));
    }
    if !sig.spans_are_file_offsets
        || start as u64 != l1
        || stop as u64 != o2
        || buf.get(start) != Some(&b'<')
    {
        return Err(Reason::with(
            Code::BYTE_RANGE_GAP_MISMATCH,
            format!("gap [{l1}, {o2}) but /Contents is at [{start}, {stop})"),
        ));
    }
    let mut h = Sha256::new();
    // In bounds: l1 < o2 <= end <= len, checked above.
    h.update(&buf[..l1 as usize]);
    h.update(&buf[o2 as usize..end as usize]);
    let digest = h.finish();

    let end = end as usize;
    let signed_revision = doc.revisions.iter().position(|r| {
        r.end == end
            || (end < r.end
                && end >= 5
                && &buf[end - 5..end] == b"%%EOF"
                && buf[end..r.end].iter().all(|b| matches!(b, b'\r' | b'\n')))
    });
    let rest_is_blank = buf[end..]
        .iter()
        .all(|b| b.is_ascii_whitespace() || *b == 0);
    Ok(Integrity {
        byte_range: br,
        digest,
        signed_revision,
        covers_whole_file: rest_is_blank,
        bytes_after: len - end as u64,
    })
}
