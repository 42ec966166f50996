//! BER to DER (X.690 §8 to §10) for CMS as other signers write it:
//! indefinite lengths become definite, long-form lengths minimal, and
//! constructed OCTET STRINGs primitive. The signature over signed
//! attributes is then checked on their DER form, as RFC 5652 §5.4 requires.
//! Certificates are copied as they are (their signatures cover their own
//! encoding, which is DER when they are valid).
//!
//! Bounded: nesting depth and output size are limited, every length is
//! checked against the input.

use std::borrow::Cow;

use super::CmsError;

/// Deepest nesting followed (CMS with certificates nests about 12 deep).
const MAX_DEPTH: usize = 40;

/// `input` as DER: borrowed when it already was DER (trailing zero padding,
/// as PDF placeholders have, is dropped either way).
pub fn normalise(input: &[u8]) -> Result<Cow<'_, [u8]>, CmsError> {
    let mut out = Vec::with_capacity(input.len());
    let used = element(input, 0, 0, &mut out)?;
    if !input[used..].iter().all(|&b| b == 0) {
        return Err(CmsError::Malformed("trailing data after the CMS structure"));
    }
    if input[..used] == out[..] {
        Ok(Cow::Borrowed(&input[..used]))
    } else {
        Ok(Cow::Owned(out))
    }
}

fn err(what: &'static str) -> CmsError {
    CmsError::Malformed(what)
}

/// The header at `pos`: (tag, content start, Some(length) or None for indefinite).
fn header(buf: &[u8], pos: usize) -> Result<(u8, usize, Option<usize>), CmsError> {
    let tag = *buf.get(pos).ok_or(err("unexpected end of data"))?;
    if tag & 0x1f == 0x1f {
        return Err(err("multi-byte tags are not used in CMS"));
    }
    let l0 = *buf.get(pos + 1).ok_or(err("unexpected end of data"))?;
    if l0 < 0x80 {
        return Ok((tag, pos + 2, Some(usize::from(l0))));
    }
    if l0 == 0x80 {
        if tag & 0x20 == 0 {
            return Err(err("indefinite length on a primitive element"));
        }
        return Ok((tag, pos + 2, None));
    }
    let n = usize::from(l0 & 0x7f);
    if n > 4 {
        return Err(err("length too large"));
    }
    let bytes = buf
        .get(pos + 2..pos + 2 + n)
        .ok_or(err("unexpected end of data"))?;
    let len = bytes.iter().fold(0usize, |a, &b| a << 8 | usize::from(b));
    Ok((tag, pos + 2 + n, Some(len)))
}

fn write_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Re-encode the element at `pos` (within `buf[..limit]`, or to the end when
/// `limit` is 0) into `out`; returns the position after it.
fn element(buf: &[u8], pos: usize, depth: usize, out: &mut Vec<u8>) -> Result<usize, CmsError> {
    if depth > MAX_DEPTH {
        return Err(err("nesting too deep"));
    }
    let (tag, start, len) = header(buf, pos)?;
    let constructed = tag & 0x20 != 0;
    if !constructed {
        let len = len.ok_or(err("indefinite primitive"))?;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= buf.len())
            .ok_or(err("element longer than its container"))?;
        out.push(tag);
        write_len(out, len);
        out.extend_from_slice(&buf[start..end]);
        return Ok(end);
    }
    // Constructed: re-encode the children, then prefix the definite header.
    let mut children = Vec::new();
    let end = match len {
        Some(len) => {
            let end = start
                .checked_add(len)
                .filter(|&e| e <= buf.len())
                .ok_or(err("element longer than its container"))?;
            let mut p = start;
            while p < end {
                p = element(&buf[..end], p, depth + 1, &mut children)?;
            }
            end
        }
        None => {
            let mut p = start;
            loop {
                if buf.get(p..p + 2) == Some(&[0, 0]) {
                    break p + 2;
                }
                if p >= buf.len() {
                    return Err(err("indefinite length without end-of-contents"));
                }
                p = element(buf, p, depth + 1, &mut children)?;
            }
        }
    };
    if tag == 0x24 {
        // Constructed OCTET STRING: the concatenation of its primitive segments.
        let mut data = Vec::new();
        let mut p = 0;
        while p < children.len() {
            let (t, s, l) = header(&children, p)?;
            let l = l.ok_or(err("indefinite segment"))?;
            if t != 0x04 {
                return Err(err("OCTET STRING segment is not an OCTET STRING"));
            }
            data.extend_from_slice(&children[s..s + l]);
            p = s + l;
        }
        out.push(0x04);
        write_len(out, data.len());
        out.extend_from_slice(&data);
    } else {
        out.push(tag);
        write_len(out, children.len());
        out.extend_from_slice(&children);
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_stays_borrowed_and_ber_becomes_der() {
        let der = [0x30, 0x03, 0x02, 0x01, 0x05, 0, 0];
        assert!(matches!(normalise(&der).unwrap(), Cow::Borrowed(b) if b == &der[..5]));
        // SEQUENCE (indefinite) { [0] (indefinite) { OCTET STRING (constructed) {"ab","c"} } }
        let ber = [
            0x30, 0x80, 0xa0, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0,
            0, 0, 0,
        ];
        let out = normalise(&ber).unwrap();
        assert_eq!(
            &out[..],
            &[0x30, 0x07, 0xa0, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
        // Non-minimal long-form length.
        let long = [0x04, 0x81, 0x01, 0xaa];
        assert_eq!(&normalise(&long).unwrap()[..], &[0x04, 0x01, 0xaa]);
    }

    #[test]
    fn hostile_input_is_refused() {
        assert!(normalise(&[0x30, 0x80, 0x02, 0x01, 0x05]).is_err()); // no end-of-contents
        assert!(normalise(&[0x04, 0x80, 0, 0]).is_err()); // indefinite primitive
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(normalise(&deep).is_err());
        assert!(normalise(&[0x30, 0x05, 0x02]).is_err());
        assert!(normalise(&[0x30, 0x00, 0x01]).is_err()); // trailing garbage
    }
}
