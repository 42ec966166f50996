//! Tokenising and object parsing (ISO 32000-1 §7.2, §7.3). Recursion is
//! bounded by `max_depth`; every index is checked.

use super::PdfError;
use super::object::{Dict, Object, PdfStream};

pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

pub(crate) fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_ws(b) && !is_delim(b)
}

/// Longest string token accepted (bytes); protects against quadratic work.
const MAX_TOKEN: usize = 16 * 1024 * 1024;

pub(crate) struct Lexer<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
    max_depth: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8], pos: usize, max_depth: usize) -> Self {
        Self {
            buf,
            pos,
            max_depth,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn err(&self, what: &'static str) -> PdfError {
        PdfError::syntax(self.pos, what)
    }

    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_ws(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next run of regular characters (a keyword or number), without consuming it.
    pub fn peek_word(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        let mut end = start;
        while end < self.buf.len() && is_regular(self.buf[end]) {
            end += 1;
        }
        &self.buf[start..end]
    }

    /// Consume `word` if it is the next keyword.
    pub fn eat_keyword(&mut self, word: &[u8]) -> bool {
        if self.peek_word() == word {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// Parse an unsigned integer token.
    pub fn read_uint(&mut self) -> Result<u64, PdfError> {
        let w = self.peek_word();
        if w.is_empty() || w.len() > 19 || !w.iter().all(u8::is_ascii_digit) {
            return Err(self.err("expected an unsigned integer"));
        }
        let mut v: u64 = 0;
        for d in w {
            v = v * 10 + u64::from(d - b'0');
        }
        self.pos += w.len();
        Ok(v)
    }

    /// Parse one object; `depth` counts enclosing arrays/dictionaries.
    pub fn parse_object(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > self.max_depth {
            return Err(PdfError::Limit {
                what: "object nesting depth",
            });
        }
        self.skip_ws();
        let start = self.pos;
        let b = self
            .peek()
            .ok_or_else(|| self.err("unexpected end of file"))?;
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.read_name_body()))
            }
            b'(' => {
                let bytes = self.read_literal_string()?;
                Ok(Object::Str {
                    bytes,
                    start,
                    end: self.pos,
                })
            }
            b'<' if self.buf.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let dict = self.read_dict_body(depth)?;
                Ok(Object::Dict(dict))
            }
            b'<' => {
                let bytes = self.read_hex_string()?;
                Ok(Object::Str {
                    bytes,
                    start,
                    end: self.pos,
                })
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(self.err("unterminated array")),
                        _ => items.push(self.parse_object(depth + 1)?),
                    }
                }
                Ok(Object::Array(items))
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.read_number_or_ref(),
            _ => {
                let w = self.peek_word();
                let obj = match w {
                    b"true" => Object::Bool(true),
                    b"false" => Object::Bool(false),
                    b"null" => Object::Null,
                    _ => return Err(self.err("unexpected token")),
                };
                self.pos += w.len();
                Ok(obj)
            }
        }
    }

    fn read_name_body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            if b == b'#' {
                let h = self.buf.get(self.pos + 1..self.pos + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|s| u8::from_str_radix(s, 16).ok())
                });
                if let Some(v) = h {
                    out.push(v);
                    self.pos += 3;
                    continue;
                }
            }
            out.push(b);
            self.pos += 1;
        }
        out
    }

    fn read_literal_string(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut nest = 1usize;
        loop {
            let b = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            self.pos += 1;
            match b {
                b'\\' => {
                    let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.pos += 1;
                    match c {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(c - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                b'(' => {
                    nest += 1;
                    out.push(b);
                }
                b')' => {
                    nest -= 1;
                    if nest == 0 {
                        break;
                    }
                    out.push(b);
                }
                _ => out.push(b),
            }
            if out.len() > MAX_TOKEN {
                return Err(PdfError::Limit {
                    what: "string length",
                });
            }
        }
        Ok(out)
    }

    fn read_hex_string(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1; // '<'
        let mut out = Vec::new();
        let mut hi: Option<u8> = None;
        loop {
            let b = self
                .peek()
                .ok_or_else(|| self.err("unterminated hex string"))?;
            self.pos += 1;
            let v = match b {
                b'>' => break,
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ if is_ws(b) => continue,
                _ => return Err(self.err("invalid character in hex string")),
            };
            match hi.take() {
                None => hi = Some(v),
                Some(h) => out.push(h << 4 | v),
            }
            if out.len() > MAX_TOKEN {
                return Err(PdfError::Limit {
                    what: "string length",
                });
            }
        }
        if let Some(h) = hi {
            out.push(h << 4);
        }
        Ok(out)
    }

    fn read_dict_body(&mut self, depth: usize) -> Result<Dict, PdfError> {
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') if self.buf.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(Dict(entries));
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.read_name_body();
                    let value = self.parse_object(depth + 1)?;
                    entries.push((key, value));
                }
                None => return Err(self.err("unterminated dictionary")),
                _ => return Err(self.err("dictionary key is not a name")),
            }
        }
    }

    fn read_number_or_ref(&mut self) -> Result<Object, PdfError> {
        let w = self.peek_word();
        let s = std::str::from_utf8(w).map_err(|_| self.err("bad number"))?;
        if let Ok(i) = s.parse::<i64>() {
            self.pos += w.len();
            // Lookahead for `generation R`.
            if i >= 0 && i <= i64::from(u32::MAX) {
                let save = self.pos;
                let g = self.peek_word();
                if !g.is_empty() && g.len() <= 5 && g.iter().all(u8::is_ascii_digit) {
                    let gen_end = self.pos + g.len();
                    let generation: u32 = std::str::from_utf8(g)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(u32::MAX);
                    self.pos = gen_end;
                    if self.peek_word() == b"R" && generation <= u32::from(u16::MAX) {
                        self.pos += 1;
                        return Ok(Object::Ref(i as u32, generation as u16));
                    }
                }
                self.pos = save;
            }
            return Ok(Object::Int(i));
        }
        // Reals: digits with one '.', optional sign. Malformed numbers
        // (e.g. "--1", "1.2.3") are errors, not zeros.
        match s.parse::<f64>() {
            Ok(f) if f.is_finite() && !s.contains(['e', 'E', 'i', 'n', 'N', 'I']) => {
                self.pos += w.len();
                Ok(Object::Real(f))
            }
            _ => Err(self.err("bad number")),
        }
    }

    /// Parse `N G obj <object> [stream ... endstream] endobj` at the current
    /// position. `resolve_len` turns an indirect /Length into a value.
    pub fn parse_indirect(
        &mut self,
        resolve_len: &dyn Fn(u32) -> Option<i64>,
    ) -> Result<(u32, u16, Object), PdfError> {
        let num = self.read_uint()?;
        let generation = self.read_uint()?;
        if num > u64::from(u32::MAX) || generation > u64::from(u16::MAX) {
            return Err(self.err("object number out of range"));
        }
        if !self.eat_keyword(b"obj") {
            return Err(self.err("expected 'obj'"));
        }
        let obj = self.parse_object(0)?;
        let obj = match obj {
            Object::Dict(dict) if self.peek_word() == b"stream" => {
                self.pos += b"stream".len();
                // EOL after the keyword: CRLF or LF (tolerate a lone CR).
                if self.peek() == Some(b'\r') {
                    self.pos += 1;
                }
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
                let data_start = self.pos;
                let declared = match dict.get(b"Length") {
                    Some(Object::Int(n)) => Some(*n),
                    Some(Object::Ref(n, _)) => resolve_len(*n),
                    _ => None,
                };
                let data_end = match declared {
                    Some(n) if n >= 0 && (n as u64) <= (self.buf.len() - data_start) as u64 => {
                        let end = data_start + n as usize;
                        let mut l = Lexer::new(self.buf, end, 0);
                        if l.eat_keyword(b"endstream") {
                            Some(end)
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                // A wrong or absent /Length: fall back to the endstream keyword.
                let data_end = match data_end {
                    Some(e) => e,
                    None => {
                        let rel = find(&self.buf[data_start..], b"endstream")
                            .ok_or_else(|| self.err("stream without endstream"))?;
                        let mut e = data_start + rel;
                        if e > data_start && self.buf[e - 1] == b'\n' {
                            e -= 1;
                        }
                        if e > data_start && self.buf[e - 1] == b'\r' {
                            e -= 1;
                        }
                        e
                    }
                };
                let raw = self.buf[data_start..data_end].to_vec();
                self.pos = data_end;
                if !self.eat_keyword(b"endstream") {
                    return Err(self.err("expected 'endstream'"));
                }
                Object::Stream(PdfStream { dict, raw })
            }
            other => other,
        };
        // Tolerate a missing `endobj` (common in the wild); it is not needed.
        self.eat_keyword(b"endobj");
        Ok((num as u32, generation as u16, obj))
    }
}

/// First occurrence of `needle` in `hay` (linear scan with a first-byte
/// filter; needles here are short keywords).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match hay[i..=last_start].iter().position(|&b| b == first) {
            None => return None,
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

/// Last occurrence of `needle` in `hay`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| &hay[i..i + needle.len()] == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Object, PdfError> {
        Lexer::new(s, 0, 8).parse_object(0)
    }

    #[test]
    fn parses_basic_objects() {
        let o = parse(b"<< /A 1 /B [2 0 R (x\\)y) <41 42>] /C /N#41me /D -1.5 >>").unwrap();
        let d = o.as_dict().unwrap();
        assert_eq!(d.get_int(b"A"), Some(1));
        let arr = d.get(b"B").unwrap().as_array().unwrap();
        assert_eq!(arr[0].as_ref(), Some((2, 0)));
        assert!(matches!(&arr[1], Object::Str { bytes, .. } if bytes == b"x)y"));
        assert!(matches!(&arr[2], Object::Str { bytes, start: 25, end: 32 } if bytes == b"AB"));
        assert_eq!(d.get(b"C").unwrap().as_name(), Some(&b"NAme"[..]));
        assert!(matches!(d.get(b"D"), Some(Object::Real(f)) if *f == -1.5));
    }

    #[test]
    fn depth_limit_is_enforced() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err(),
            PdfError::Limit {
                what: "object nesting depth"
            }
        );
        assert!(parse(b"[[[]]]").is_ok());
    }

    #[test]
    fn malformed_inputs_are_errors_not_panics() {
        for s in [
            &b"<<"[..],
            b"(abc",
            b"<4",
            b"[1 2",
            b"--1",
            b"1.2.3",
            b"<< 1 2 >>",
            b"",
            b"#",
            b"<zz>",
        ] {
            assert!(parse(s).is_err(), "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn stream_with_wrong_length_falls_back_to_endstream() {
        let s = b"4 0 obj << /Length 999 >> stream\nabc\nendstream endobj";
        let (n, g, o) = Lexer::new(s, 0, 8).parse_indirect(&|_| None).unwrap();
        assert_eq!((n, g), (4, 0));
        assert!(matches!(o, Object::Stream(ref st) if st.raw == b"abc"));
    }

    #[test]
    fn find_and_rfind() {
        assert_eq!(find(b"xxabcab", b"ab"), Some(2));
        assert_eq!(rfind(b"xxabcab", b"ab"), Some(5));
        assert_eq!(find(b"a", b"ab"), None);
    }
}
