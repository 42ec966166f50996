//! Cross-reference sections: classic tables (§7.5.4) and xref streams (§7.5.8).

use super::PdfError;
use super::ReadLimits as Limits;
use super::filter;
use super::lexer::Lexer;
use super::object::{Dict, Object};

/// Where an object lives, per one cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefEntry {
    /// Deleted (a free entry).
    Free,
    /// At byte `offset` of the file.
    InUse { offset: usize, generation: u16 },
    /// Object number `index` inside object stream `stream`.
    Compressed { stream: u32, index: u32 },
}

/// One parsed section: its entries (in order) and its trailer.
#[derive(Debug, Clone)]
pub(crate) struct XrefSection {
    pub entries: Vec<(u32, XrefEntry)>,
    pub trailer: Dict,
}

/// Parse the section starting at `offset`. `budget` counts entries left.
pub(crate) fn parse_section(
    buf: &[u8],
    offset: usize,
    limits: &Limits,
    budget: &mut usize,
) -> Result<XrefSection, PdfError> {
    if offset >= buf.len() {
        return Err(PdfError::syntax(
            offset,
            "startxref/Prev points outside the file",
        ));
    }
    let mut lx = Lexer::new(buf, offset, limits.max_depth);
    if lx.eat_keyword(b"xref") {
        parse_table(&mut lx, budget)
    } else {
        parse_stream(&mut lx, limits, budget)
    }
}

fn take(budget: &mut usize, n: u64) -> Result<(), PdfError> {
    if n > *budget as u64 {
        return Err(PdfError::Limit {
            what: "cross-reference entries",
        });
    }
    *budget -= n as usize;
    Ok(())
}

fn parse_table(lx: &mut Lexer<'_>, budget: &mut usize) -> Result<XrefSection, PdfError> {
    let mut entries = Vec::new();
    loop {
        if lx.eat_keyword(b"trailer") {
            break;
        }
        let start = lx.read_uint()?;
        let count = lx.read_uint()?;
        take(budget, count)?;
        if start.saturating_add(count) > u64::from(u32::MAX) {
            return Err(PdfError::syntax(lx.pos, "xref subsection out of range"));
        }
        for i in 0..count {
            let off = lx.read_uint()?;
            let generation = lx.read_uint()?;
            let num = (start + i) as u32;
            let kind = lx.peek_word();
            let entry = match kind {
                b"n" => XrefEntry::InUse {
                    offset: usize::try_from(off).map_err(|_| PdfError::syntax(lx.pos, "offset"))?,
                    generation: u16::try_from(generation)
                        .map_err(|_| PdfError::syntax(lx.pos, "generation"))?,
                },
                b"f" => XrefEntry::Free,
                _ => return Err(PdfError::syntax(lx.pos, "xref entry type is not n or f")),
            };
            lx.pos += 1;
            entries.push((num, entry));
        }
    }
    let trailer = match lx.parse_object(0)? {
        Object::Dict(d) => d,
        _ => return Err(PdfError::syntax(lx.pos, "trailer is not a dictionary")),
    };
    Ok(XrefSection { entries, trailer })
}

fn parse_stream(
    lx: &mut Lexer<'_>,
    limits: &Limits,
    budget: &mut usize,
) -> Result<XrefSection, PdfError> {
    let at = lx.pos;
    let (_, _, obj) = lx.parse_indirect(&|_| None)?;
    let Object::Stream(st) = obj else {
        return Err(PdfError::syntax(
            at,
            "startxref points to neither xref table nor xref stream",
        ));
    };
    if !st.dict.name_is(b"Type", b"XRef") {
        return Err(PdfError::syntax(
            at,
            "stream at startxref is not /Type /XRef",
        ));
    }
    let data = filter::decode(&st.dict, &st.raw, limits.max_stream_decoded)?;
    let w: Vec<usize> = match st.dict.get(b"W").and_then(Object::as_array) {
        Some(a) if a.len() == 3 => a
            .iter()
            .map(|o| {
                o.as_int()
                    .filter(|v| (0..=8).contains(v))
                    .map(|v| v as usize)
            })
            .collect::<Option<_>>()
            .ok_or_else(|| PdfError::syntax(at, "bad /W in xref stream"))?,
        _ => return Err(PdfError::syntax(at, "bad /W in xref stream")),
    };
    let row = w[0] + w[1] + w[2];
    if row == 0 {
        return Err(PdfError::syntax(at, "bad /W in xref stream"));
    }
    let size = st
        .dict
        .get_int(b"Size")
        .ok_or_else(|| PdfError::syntax(at, "xref stream without /Size"))?;
    let index: Vec<i64> = match st.dict.get(b"Index").and_then(Object::as_array) {
        Some(a) => a
            .iter()
            .map(Object::as_int)
            .collect::<Option<_>>()
            .ok_or_else(|| PdfError::syntax(at, "bad /Index"))?,
        None => vec![0, size],
    };
    if !index.len().is_multiple_of(2) {
        return Err(PdfError::syntax(at, "bad /Index"));
    }
    let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    let mut entries = Vec::new();
    let mut rows = data.chunks_exact(row);
    for pair in index.chunks_exact(2) {
        let (start, count) = (pair[0], pair[1]);
        if start < 0 || count < 0 || start.saturating_add(count) > i64::from(u32::MAX) {
            return Err(PdfError::syntax(at, "bad /Index"));
        }
        take(budget, count as u64)?;
        for i in 0..count {
            let r = rows
                .next()
                .ok_or_else(|| PdfError::syntax(at, "xref stream shorter than /Index"))?;
            let t = if w[0] == 0 { 1 } else { field(&r[..w[0]]) };
            let f2 = field(&r[w[0]..w[0] + w[1]]);
            let f3 = field(&r[w[0] + w[1]..]);
            let num = (start + i) as u32;
            let entry = match t {
                0 => XrefEntry::Free,
                1 => XrefEntry::InUse {
                    offset: usize::try_from(f2).map_err(|_| PdfError::syntax(at, "offset"))?,
                    generation: u16::try_from(f3).unwrap_or(u16::MAX),
                },
                2 => XrefEntry::Compressed {
                    stream: u32::try_from(f2)
                        .map_err(|_| PdfError::syntax(at, "object stream number"))?,
                    index: u32::try_from(f3)
                        .map_err(|_| PdfError::syntax(at, "object stream index"))?,
                },
                _ => continue, // unknown types are to be treated as null references
            };
            entries.push((num, entry));
        }
    }
    Ok(XrefSection {
        entries,
        trailer: st.dict,
    })
}
