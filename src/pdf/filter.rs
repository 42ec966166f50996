//! Stream decoding: FlateDecode (with PNG/TIFF-less predictors, §7.4.4.4),
//! bounded in output size. Other filters are not needed by the verifier.

use super::PdfError;
use super::object::{Dict, Object};

/// Decode `raw` according to `dict`'s /Filter and /DecodeParms; at most `limit` bytes out.
pub(crate) fn decode(dict: &Dict, raw: &[u8], limit: usize) -> Result<Vec<u8>, PdfError> {
    let filters: Vec<&[u8]> = match dict.get(b"Filter") {
        None => return Ok(raw.to_vec()),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
        Some(_) => return Err(PdfError::UnsupportedFilter("(not a name)".into())),
    };
    let parms = match dict.get(b"DecodeParms") {
        Some(Object::Dict(d)) => Some(d),
        Some(Object::Array(a)) => a.first().and_then(Object::as_dict),
        _ => None,
    };
    match filters.as_slice() {
        [] => Ok(raw.to_vec()),
        [f] if *f == b"FlateDecode" || *f == b"Fl" => {
            let out = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(raw, limit).map_err(
                |e| {
                    if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
                        PdfError::Limit {
                            what: "decoded stream size",
                        }
                    } else {
                        PdfError::BadStream
                    }
                },
            )?;
            match parms {
                Some(p) => unpredict(p, out),
                None => Ok(out),
            }
        }
        [f, ..] => Err(PdfError::UnsupportedFilter(
            String::from_utf8_lossy(f).into_owned(),
        )),
    }
}

/// Undo a PNG predictor (Predictor ≥ 10). Predictor 1 is identity; TIFF (2) is unsupported.
fn unpredict(parms: &Dict, data: Vec<u8>) -> Result<Vec<u8>, PdfError> {
    let predictor = parms.get_int(b"Predictor").unwrap_or(1);
    if predictor == 1 {
        return Ok(data);
    }
    if !(10..=15).contains(&predictor) {
        return Err(PdfError::UnsupportedFilter(format!(
            "predictor {predictor}"
        )));
    }
    let colors = parms.get_int(b"Colors").unwrap_or(1);
    let bpc = parms.get_int(b"BitsPerComponent").unwrap_or(8);
    let columns = parms.get_int(b"Columns").unwrap_or(1);
    if !(1..=32).contains(&colors)
        || ![1, 2, 4, 8, 16].contains(&bpc)
        || !(1..=1 << 20).contains(&columns)
    {
        return Err(PdfError::BadStream);
    }
    let bpp = ((colors * bpc + 7) / 8) as usize;
    let row_len = ((colors * bpc * columns + 7) / 8) as usize;
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks(row_len + 1) {
        if chunk.len() < row_len + 1 {
            break; // a short final row is ignored
        }
        let (kind, row) = (chunk[0], &chunk[1..]);
        let mut cur = vec![0u8; row_len];
        for i in 0..row_len {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match kind {
                0 => row[i],
                1 => row[i].wrapping_add(a),
                2 => row[i].wrapping_add(b),
                3 => row[i].wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => row[i].wrapping_add(paeth(a, b, c)),
                _ => return Err(PdfError::BadStream),
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flate_roundtrip_with_up_predictor_and_limit() {
        // Two rows of 3 columns, PNG "Up" predictor.
        let rows = [2u8, 1, 2, 3, 2, 1, 1, 1];
        let z = miniz_oxide::deflate::compress_to_vec_zlib(&rows, 6);
        let dict = Dict(vec![
            (b"Filter".to_vec(), Object::Name(b"FlateDecode".to_vec())),
            (
                b"DecodeParms".to_vec(),
                Object::Dict(Dict(vec![
                    (b"Predictor".to_vec(), Object::Int(12)),
                    (b"Columns".to_vec(), Object::Int(3)),
                ])),
            ),
        ]);
        assert_eq!(decode(&dict, &z, 100).unwrap(), vec![1, 2, 3, 2, 3, 4]);
        let big = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 10_000], 6);
        let plain = Dict(vec![(
            b"Filter".to_vec(),
            Object::Name(b"FlateDecode".to_vec()),
        )]);
        assert_eq!(
            decode(&plain, &big, 1000).unwrap_err(),
            PdfError::Limit {
                what: "decoded stream size"
            }
        );
        assert_eq!(
            decode(&plain, b"garbage", 1000).unwrap_err(),
            PdfError::BadStream
        );
    }
}
