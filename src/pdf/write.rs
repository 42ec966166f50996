//! Writing objects in PDF syntax (ISO 32000-1 §7.3), and the text strings
//! and dates that signature dictionaries need.

use super::object::{Dict, Object, PdfStream};

/// Serialise `obj` in PDF syntax.
pub fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => write_real(out, *r),
        Object::Name(n) => write_name(out, n),
        Object::Str { bytes, .. } => {
            if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
                write_literal_string(out, bytes)
            } else {
                write_hex_string(out, bytes)
            }
        }
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
        Object::Dict(d) => write_dictionary(out, d),
        Object::Stream(s) => write_stream(out, s),
        Object::Ref(id, generation) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
    }
}

/// A stream with its (still encoded) data; `/Length` is set to the data's.
pub fn write_stream(out: &mut Vec<u8>, s: &PdfStream) {
    let mut dict = s.dict.clone();
    dict.set("Length", Object::Int(s.raw.len() as i64));
    write_dictionary(out, &dict);
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(&s.raw);
    out.extend_from_slice(b"\nendstream");
}

/// `<< /Key value ... >>`
pub fn write_dictionary(out: &mut Vec<u8>, d: &Dict) {
    out.extend_from_slice(b"<<");
    write_entries(out, d);
    out.extend_from_slice(b">>");
}

/// The `/Key value ` pairs of `d`, without the brackets (for dictionaries
/// assembled around placeholders).
pub fn write_entries(out: &mut Vec<u8>, d: &Dict) {
    for (k, v) in d.iter() {
        write_name(out, k);
        out.push(b' ');
        write_object(out, v);
        out.push(b' ');
    }
}

fn write_real(out: &mut Vec<u8>, r: f64) {
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

/// A rectangle or matrix of numbers.
pub fn numbers(values: &[f32]) -> Object {
    Object::Array(values.iter().map(|v| Object::Real(f64::from(*v))).collect())
}

/// A PDF text string (ISO 32000-1 §7.9.2.2) as UTF-16BE with a byte order
/// mark, so Chinese reasons and names survive every reader.
pub fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::string(bytes)
}

/// A PDF date (ISO 32000-1 §7.9.4) in UTC: `D:YYYYMMDDHHmmSSZ`.
pub fn date_string(t: time::OffsetDateTime) -> Object {
    let s = format!("D:{}Z", crate::domain::utc_digits(t));
    Object::string(s.into_bytes())
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
        assert_eq!(ser(&Object::string(b"a(b)\\".to_vec())), "(a\\(b\\)\\\\)");
        assert_eq!(ser(&Object::Real(1.5)), "1.5");
        assert_eq!(ser(&Object::Real(2.0)), "2");
        let mut d = Dict::new();
        d.set("Type", Object::name("Sig"));
        d.set("K", Object::Array(vec![Object::Int(1), Object::Ref(4, 0)]));
        assert_eq!(ser(&Object::Dict(d)), "<</Type /Sig /K [1 4 0 R] >>");
    }

    #[test]
    fn dates_are_utc() {
        let t = time::macros::datetime!(2026-11-25 15:04:05 +08:00);
        assert_eq!(ser(&date_string(t)), "(D:20261125070405Z)");
    }

    #[test]
    fn a_key_set_twice_is_written_once() {
        let mut d = Dict(vec![
            (b"A".to_vec(), Object::Int(1)),
            (b"B".to_vec(), Object::Int(2)),
            (b"A".to_vec(), Object::Int(3)),
        ]);
        d.set("A", Object::Int(4));
        assert_eq!(ser(&Object::Dict(d)), "<</A 4 /B 2 >>");
    }

    #[test]
    fn written_objects_read_back() {
        let mut d = Dict::new();
        d.set("S", text_string("赣榆"));
        d.set("N", Object::name("有 空格"));
        d.set("R", numbers(&[0.0, 1.25, -3.0]));
        let mut out = b"1 0 obj\n".to_vec();
        write_object(&mut out, &Object::Dict(d.clone()));
        out.extend_from_slice(b"\nendobj\n");
        let mut lx = super::super::lexer::Lexer::new(&out, 0, 8);
        let (n, _, back) = lx.parse_indirect(&|_| None).unwrap();
        assert_eq!(n, 1);
        assert!(back.as_dict().unwrap().same_as(&d));
    }
}
