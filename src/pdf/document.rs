//! The file as a sequence of revisions (original + incremental updates, §7.5.6)
//! and object lookup "as of" a given revision.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::PdfError;
use super::ReadLimits as Limits;
use super::filter;
use super::lexer::{Lexer, find, rfind};
use super::object::{Dict, Object};
use super::xref::{XrefEntry, parse_section};

/// One revision: the bytes `[0, end)` of the file are the document as of
/// this revision; `entries` are the objects this revision (re)defines.
#[derive(Debug, Clone)]
pub struct Revision {
    /// Offsets of this revision's cross-reference sections.
    pub xref_offsets: Vec<usize>,
    /// End of the revision: just after its `%%EOF` marker and end-of-line.
    pub end: usize,
    pub trailer: Dict,
    pub entries: HashMap<u32, XrefEntry>,
}

/// A decoded object stream: its data, and (object number, offset) per object.
type ObjectStream = (Vec<u8>, Vec<(u32, usize)>);

/// A parsed PDF file. Objects are read lazily and cached.
pub struct PdfDocument<'a> {
    buf: &'a [u8],
    limits: Limits,
    /// Oldest first.
    pub revisions: Vec<Revision>,
    parsed: Cell<usize>,
    decoded: Cell<usize>,
    objects: RefCell<HashMap<(usize, u32), Rc<Object>>>,
    object_streams: RefCell<HashMap<usize, Rc<ObjectStream>>>,
}

impl<'a> PdfDocument<'a> {
    /// Read the structure of `buf`: header, cross-reference chain, revisions.
    pub fn parse(buf: &'a [u8], limits: Limits) -> Result<Self, PdfError> {
        if buf.len() > limits.max_file_size {
            return Err(PdfError::TooLarge {
                limit: limits.max_file_size,
            });
        }
        if find(&buf[..buf.len().min(1024)], b"%PDF-").is_none() {
            return Err(PdfError::NotPdf);
        }
        let tail_start = buf.len().saturating_sub(2048);
        let sx = rfind(&buf[tail_start..], b"startxref").ok_or(PdfError::NoStartXref)? + tail_start;
        let mut lx = Lexer::new(buf, sx + b"startxref".len(), limits.max_depth);
        let first = usize::try_from(lx.read_uint().map_err(|_| PdfError::NoStartXref)?)
            .map_err(|_| PdfError::NoStartXref)?;

        // Walk the chain newest -> oldest.
        let mut budget = limits.max_xref_entries;
        let mut visited = HashSet::new();
        let mut chain: Vec<(usize, super::xref::XrefSection)> = Vec::new();
        let mut next = Some(first);
        while let Some(off) = next {
            if !visited.insert(off) {
                return Err(PdfError::XrefLoop { offset: off });
            }
            if chain.len() >= limits.max_revisions {
                return Err(PdfError::Limit {
                    what: "number of revisions (cross-reference sections)",
                });
            }
            let mut sec = parse_section(buf, off, &limits, &mut budget)?;
            // Hybrid files: a table plus an xref stream for compressed objects.
            if let Some(stm) = sec.trailer.get_int(b"XRefStm") {
                let stm =
                    usize::try_from(stm).map_err(|_| PdfError::syntax(off, "bad /XRefStm"))?;
                if visited.insert(stm) {
                    let extra = parse_section(buf, stm, &limits, &mut budget)?;
                    let mut merged = extra.entries;
                    merged.extend(sec.entries);
                    sec.entries = merged;
                }
            }
            next = match sec.trailer.get(b"Prev") {
                None => None,
                Some(Object::Int(p)) if *p >= 0 => Some(*p as usize),
                Some(_) => return Err(PdfError::syntax(off, "bad /Prev in trailer")),
            };
            chain.push((off, sec));
        }
        if chain
            .first()
            .is_some_and(|(_, s)| s.trailer.get(b"Encrypt").is_some())
        {
            return Err(PdfError::Encrypted);
        }

        // Oldest first; a section ending before its predecessor (the first-page
        // table of a linearized file) belongs to that same revision.
        let mut revisions: Vec<Revision> = Vec::new();
        for (off, sec) in chain.into_iter().rev() {
            let end = revision_end(buf, off);
            match revisions.last_mut() {
                Some(prev) if end <= prev.end => {
                    prev.xref_offsets.push(off);
                    prev.entries.extend(sec.entries);
                    for (k, v) in sec.trailer.0 {
                        if prev.trailer.get(&k).is_none() {
                            prev.trailer.0.push((k, v));
                        }
                    }
                }
                _ => revisions.push(Revision {
                    xref_offsets: vec![off],
                    end,
                    trailer: sec.trailer,
                    entries: sec.entries.into_iter().collect(),
                }),
            }
        }
        Ok(Self {
            buf,
            limits,
            revisions,
            parsed: Cell::new(0),
            decoded: Cell::new(0),
            objects: RefCell::new(HashMap::new()),
            object_streams: RefCell::new(HashMap::new()),
        })
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    pub fn last_revision(&self) -> usize {
        self.revisions.len().saturating_sub(1)
    }

    /// Where object `num` is defined as of revision `rev` (and by which revision).
    pub fn entry(&self, num: u32, rev: usize) -> Option<(usize, XrefEntry)> {
        (0..=rev.min(self.last_revision()))
            .rev()
            .find_map(|r| self.revisions.get(r)?.entries.get(&num).map(|e| (r, *e)))
    }

    /// Object `num` as of revision `rev`; `None` if free or undefined.
    pub fn get(&self, num: u32, rev: usize) -> Result<Option<Rc<Object>>, PdfError> {
        match self.entry(num, rev) {
            None | Some((_, XrefEntry::Free)) => Ok(None),
            Some((_, XrefEntry::InUse { offset, .. })) => {
                self.object_at(offset, num, rev).map(Some)
            }
            Some((_, XrefEntry::Compressed { stream, index })) => {
                self.compressed(stream, index, num, rev).map(Some)
            }
        }
    }

    /// Follow references (a bounded number of hops) to a direct object.
    pub fn resolve(&self, obj: &Object, rev: usize) -> Result<Option<Rc<Object>>, PdfError> {
        let mut cur = Rc::new(obj.clone());
        for _ in 0..16 {
            match &*cur {
                Object::Ref(n, _) => match self.get(*n, rev)? {
                    Some(o) => cur = o,
                    None => return Ok(None),
                },
                _ => return Ok(Some(cur)),
            }
        }
        Err(PdfError::Limit {
            what: "reference chain length",
        })
    }

    /// `dict[key]`, resolved.
    pub fn get_key(
        &self,
        dict: &Dict,
        key: &[u8],
        rev: usize,
    ) -> Result<Option<Rc<Object>>, PdfError> {
        match dict.get(key) {
            None => Ok(None),
            Some(o) => self.resolve(o, rev),
        }
    }

    /// Decoded data of a stream (bounded, counted against the total budget).
    pub fn stream_data(&self, st: &super::PdfStream) -> Result<Vec<u8>, PdfError> {
        let left = self
            .limits
            .max_total_decoded
            .saturating_sub(self.decoded.get());
        let data = filter::decode(&st.dict, &st.raw, self.limits.max_stream_decoded.min(left))?;
        self.decoded.set(self.decoded.get() + data.len());
        Ok(data)
    }

    fn count_parse(&self) -> Result<(), PdfError> {
        let n = self.parsed.get() + 1;
        if n > self.limits.max_objects_parsed {
            return Err(PdfError::Limit {
                what: "objects parsed",
            });
        }
        self.parsed.set(n);
        Ok(())
    }

    fn object_at(&self, offset: usize, num: u32, rev: usize) -> Result<Rc<Object>, PdfError> {
        if let Some(o) = self.objects.borrow().get(&(offset, num)) {
            return Ok(o.clone());
        }
        self.count_parse()?;
        if offset >= self.buf.len() {
            return Err(PdfError::syntax(offset, "object offset outside the file"));
        }
        let resolve_len = |n: u32| -> Option<i64> {
            match self.entry(n, rev)? {
                (_, XrefEntry::InUse { offset, .. }) => {
                    let mut lx = Lexer::new(self.buf, offset, 2);
                    match lx.parse_indirect(&|_| None).ok()? {
                        (m, _, Object::Int(i)) if m == n => Some(i),
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        let mut lx = Lexer::new(self.buf, offset, self.limits.max_depth);
        let (n, _, obj) = lx.parse_indirect(&resolve_len)?;
        if n != num {
            return Err(PdfError::syntax(
                offset,
                "cross-reference entry points to another object",
            ));
        }
        let obj = Rc::new(obj);
        self.objects.borrow_mut().insert((offset, num), obj.clone());
        Ok(obj)
    }

    fn compressed(
        &self,
        stream: u32,
        index: u32,
        num: u32,
        rev: usize,
    ) -> Result<Rc<Object>, PdfError> {
        let Some((_, XrefEntry::InUse { offset, .. })) = self.entry(stream, rev) else {
            return Err(PdfError::syntax(
                0,
                "object stream is missing or itself compressed",
            ));
        };
        let cached = self.object_streams.borrow().get(&offset).cloned();
        let os = match cached {
            Some(os) => os,
            None => {
                let obj = self.object_at(offset, stream, rev)?;
                let Object::Stream(st) = &*obj else {
                    return Err(PdfError::syntax(offset, "object stream is not a stream"));
                };
                let data = self.stream_data(st)?;
                let n = st
                    .dict
                    .get_int(b"N")
                    .filter(|n| (0..=1_000_000).contains(n))
                    .unwrap_or(-1);
                let first = st.dict.get_int(b"First").filter(|f| *f >= 0).unwrap_or(-1);
                if n < 0 || first < 0 {
                    return Err(PdfError::syntax(
                        offset,
                        "object stream without valid /N and /First",
                    ));
                }
                let mut lx = Lexer::new(&data, 0, 1);
                let mut table = Vec::new();
                for _ in 0..n {
                    let (Ok(obj_num), Ok(rel)) = (lx.read_uint(), lx.read_uint()) else {
                        return Err(PdfError::syntax(offset, "bad object stream header"));
                    };
                    let at = (first as u64).saturating_add(rel);
                    table.push((
                        u32::try_from(obj_num).unwrap_or(u32::MAX),
                        usize::try_from(at).unwrap_or(usize::MAX),
                    ));
                }
                let os = Rc::new((data, table));
                self.object_streams.borrow_mut().insert(offset, os.clone());
                os
            }
        };
        let (data, table) = &*os;
        let Some(&(obj_num, at)) = table.get(index as usize) else {
            return Err(PdfError::syntax(offset, "object stream index out of range"));
        };
        if obj_num != num || at >= data.len() {
            return Err(PdfError::syntax(
                offset,
                "object stream entry does not match",
            ));
        }
        self.count_parse()?;
        let mut lx = Lexer::new(data, at, self.limits.max_depth);
        Ok(Rc::new(lx.parse_object(0)?))
    }
}

/// Just after the first `%%EOF` (and its end-of-line) following `offset`,
/// or the file length when there is none.
fn revision_end(buf: &[u8], offset: usize) -> usize {
    match find(&buf[offset.min(buf.len())..], b"%%EOF") {
        None => buf.len(),
        Some(p) => {
            let mut e = offset + p + 5;
            if buf.get(e) == Some(&b'\r') {
                e += 1;
            }
            if buf.get(e) == Some(&b'\n') {
                e += 1;
            }
            e
        }
    }
}
