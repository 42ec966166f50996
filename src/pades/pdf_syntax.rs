//! Writing PDF objects (ISO 32000-1 §7.3) for incremental updates: lopdf
//! objects read from the original file, and the text strings and dates the
//! signature dictionary needs.

use lopdf::{Dictionary, Object, StringFormat};

/// Serialise a lopdf object in PDF syntax.
pub fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => write_real(out, *r),
        Object::Name(n) => write_name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => write_hex_string(out, s),
        Object::String(s, StringFormat::Literal) => write_literal_string(out, s),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dictionary(out, d),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", Object::Integer(s.content.len() as i64));
            write_dictionary(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
    }
}

/// `<< /Key value ... >>`
pub fn write_dictionary(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        write_name(out, k);
        out.push(b' ');
        write_object(out, v);
        out.push(b' ');
    }
    out.extend_from_slice(b">>");
}

fn write_real(out: &mut Vec<u8>, r: f32) {
    if r.is_finite() && r.fract() == 0.0 && r.abs() < 1e9 {
        out.extend_from_slice(format!("{}", r as i64).as_bytes());
    } else if r.is_finite() {
        let s = format!("{r:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        out.extend_from_slice(s.as_bytes());
    } else {
        out.push(b'0');
    }
}

/// A number for a rectangle or matrix.
pub fn number(r: f32) -> String {
    let mut v = Vec::new();
    write_real(&mut v, r);
    String::from_utf8_lossy(&v).into_owned()
}

/// `/Name` with `#xx` escapes for delimiters, whitespace and non-ASCII.
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        let regular = b.is_ascii_graphic() && !b"()<>[]{}/%#".contains(&b);
        if regular {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// `<hex>`
pub fn write_hex_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    out.extend_from_slice(hex::encode_upper(bytes).as_bytes());
    out.push(b'>');
}

fn write_literal_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// A PDF text string (ISO 32000-1 §7.9.2.2) as UTF-16BE with a byte order
/// mark, so Chinese reasons and names survive every reader.
pub fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// A PDF date (ISO 32000-1 §7.9.4) in UTC: `D:YYYYMMDDHHmmSSZ`.
pub fn date_string(t: time::OffsetDateTime) -> Object {
    let t = t.to_offset(time::UtcOffset::UTC);
    let s = format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    Object::String(s.into_bytes(), StringFormat::Literal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ser(o: &Object) -> String {
        let mut v = Vec::new();
        write_object(&mut v, o);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn text_strings_are_utf16be_with_bom() {
        assert_eq!(ser(&text_string("村A")), "<FEFF67510041>");
    }

    #[test]
    fn names_strings_and_numbers_are_escaped() {
        assert_eq!(ser(&Object::Name(b"A B#".to_vec())), "/A#20B#23");
        assert_eq!(ser(&Object::string_literal("a(b)\\")), "(a\\(b\\)\\\\)");
        assert_eq!(ser(&Object::Real(1.5)), "1.5");
        assert_eq!(ser(&Object::Real(2.0)), "2");
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"Sig".to_vec()));
        d.set(
            "K",
            Object::Array(vec![Object::Integer(1), Object::Reference((4, 0))]),
        );
        assert_eq!(ser(&Object::Dictionary(d)), "<</Type /Sig /K [1 4 0 R] >>");
    }

    #[test]
    fn dates_are_utc() {
        let t = time::macros::datetime!(2026-11-25 15:04:05 +08:00);
        assert_eq!(ser(&date_string(t)), "(D:20261125070405Z)");
    }
}
