//! A minimal, bounded DER reader (X.690 §8, definite lengths only) used to
//! walk CMS structures while keeping the exact encoded bytes of each element:
//! the signature over signed attributes is computed on their original
//! encoding, which a decode/re-encode round trip would not preserve.

use super::CmsError;

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const OID: u8 = 0x06;
pub const INTEGER: u8 = 0x02;
pub const OCTET_STRING: u8 = 0x04;
pub const BIT_STRING: u8 = 0x03;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const UTC_TIME: u8 = 0x17;

/// One element: its tag, full encoding and content.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub raw: &'a [u8],
    pub content: &'a [u8],
}

/// Sequential reader over the content of a constructed element.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// The next element, or an error if the encoding is not DER-shaped.
    pub fn next_tlv(&mut self) -> Result<Tlv<'a>, CmsError> {
        let start = self.pos;
        let tag = *self
            .buf
            .get(start)
            .ok_or(CmsError::Malformed("unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(CmsError::Malformed("multi-byte tags are not used in CMS"));
        }
        let l0 = *self
            .buf
            .get(start + 1)
            .ok_or(CmsError::Malformed("unexpected end of data"))?;
        let (len, hdr) = if l0 < 0x80 {
            (usize::from(l0), 2)
        } else if l0 == 0x80 {
            return Err(CmsError::Malformed("indefinite length (BER) is not DER"));
        } else {
            let n = usize::from(l0 & 0x7f);
            if n > 4 {
                return Err(CmsError::Malformed("length too large"));
            }
            let bytes = self
                .buf
                .get(start + 2..start + 2 + n)
                .ok_or(CmsError::Malformed("unexpected end of data"))?;
            (
                bytes.iter().fold(0usize, |a, &b| a << 8 | usize::from(b)),
                2 + n,
            )
        };
        let end = start
            .checked_add(hdr)
            .and_then(|x| x.checked_add(len))
            .filter(|&e| e <= self.buf.len())
            .ok_or(CmsError::Malformed("element longer than its container"))?;
        self.pos = end;
        Ok(Tlv {
            tag,
            raw: &self.buf[start..end],
            content: &self.buf[start + hdr..end],
        })
    }

    /// The next element, which must have tag `tag`.
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, CmsError> {
        let t = self.next_tlv()?;
        if t.tag != tag {
            return Err(CmsError::Malformed(what));
        }
        Ok(t)
    }

    /// The next element if it has tag `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, CmsError> {
        if self.peek_tag() == Some(tag) {
            self.next_tlv().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Parse exactly one element from `buf`, ignoring trailing zero padding
/// (PDF /Contents placeholders are zero-filled after the CMS).
pub fn single(buf: &[u8]) -> Result<Tlv<'_>, CmsError> {
    let mut r = Reader::new(buf);
    let t = r.next_tlv()?;
    if !buf[t.raw.len()..].iter().all(|&b| b == 0) {
        return Err(CmsError::Malformed("trailing data after the CMS structure"));
    }
    Ok(t)
}

/// Parse a GeneralizedTime / UTCTime (UTC only) into a Unix timestamp.
pub fn parse_time(t: &Tlv<'_>) -> Result<i64, CmsError> {
    let s = std::str::from_utf8(t.content).map_err(|_| CmsError::Malformed("time is not ASCII"))?;
    let bad = CmsError::Malformed("bad time");
    let s = s.strip_suffix('Z').ok_or(bad.clone())?;
    let (digits, _frac) = s.split_once('.').unwrap_or((s, ""));
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let full = match (t.tag, digits.len()) {
        (GENERALIZED_TIME, 14) => digits.to_string(),
        (UTC_TIME, 12) => {
            let yy: u32 = digits[..2].parse().map_err(|_| bad.clone())?;
            format!("{}{}", if yy >= 50 { "19" } else { "20" }, digits)
        }
        _ => return Err(bad),
    };
    if !full.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let n = |r: std::ops::Range<usize>| full[r].parse::<u8>().map_err(|_| bad.clone());
    let year: i32 = full[..4].parse().map_err(|_| bad.clone())?;
    let month = time::Month::try_from(n(4..6)?).map_err(|_| bad.clone())?;
    let date = time::Date::from_calendar_date(year, month, n(6..8)?).map_err(|_| bad.clone())?;
    let tod = time::Time::from_hms(n(8..10)?, n(10..12)?, n(12..14)?).map_err(|_| bad.clone())?;
    Ok(time::PrimitiveDateTime::new(date, tod)
        .assume_utc()
        .unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements_and_rejects_bad_lengths() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa, 0, 0];
        let t = single(&der).unwrap();
        assert_eq!(t.tag, SEQUENCE);
        let mut r = Reader::new(t.content);
        assert_eq!(r.expect(INTEGER, "int").unwrap().content, &[5]);
        assert_eq!(r.expect(OCTET_STRING, "os").unwrap().content, &[0xaa]);
        assert!(r.is_empty());
        assert!(single(&[0x30, 0x85, 1, 2, 3, 4, 5]).is_err());
        assert!(single(&[0x30, 0x80, 0, 0]).is_err());
        assert!(single(&[0x30, 0x05, 1]).is_err());
        assert!(single(&[0x30, 0x00, 1]).is_err());
        assert!(single(&[]).is_err());
    }

    #[test]
    fn parses_times() {
        let g = Tlv {
            tag: GENERALIZED_TIME,
            raw: &[],
            content: b"20260101120000.5Z",
        };
        assert_eq!(parse_time(&g).unwrap(), 1_767_268_800);
        let u = Tlv {
            tag: UTC_TIME,
            raw: &[],
            content: b"260101120000Z",
        };
        assert_eq!(parse_time(&u).unwrap(), 1_767_268_800);
        let bad = Tlv {
            tag: GENERALIZED_TIME,
            raw: &[],
            content: b"20261301120000Z",
        };
        assert!(parse_time(&bad).is_err());
    }
}
