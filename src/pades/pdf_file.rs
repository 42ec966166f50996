//! A PDF being extended by incremental updates (ISO 32000-1 §7.5.6).
//!
//! The original file is parsed once with lopdf; every object this crate
//! rewrites afterwards is kept in an overlay, so later steps (DSS, document
//! timestamp, a second signature) see the newest version without parsing
//! the file again. The original bytes are never changed: updates are only
//! appended, which is what keeps earlier signatures valid.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::PadesError;
use super::pdf_syntax;

/// The file and what is known about its newest revision.
pub struct PdfFile {
    doc: Document,
    overlay: HashMap<ObjectId, Object>,
    /// The complete file so far (original plus appended updates).
    pub bytes: Vec<u8>,
    pub root_id: ObjectId,
    next_id: u32,
    last_xref: usize,
    trailer_info: Option<Object>,
    trailer_id: Option<Object>,
}

impl PdfFile {
    /// Parse `pdf`. Encrypted files are refused: signing them needs the
    /// document's own security handler.
    pub fn parse(pdf: &[u8]) -> Result<Self, PadesError> {
        let doc = Document::load_mem(pdf).map_err(|e| PadesError::BadPdf(e.to_string()))?;
        if doc.trailer.get(b"Encrypt").is_ok() {
            return Err(PadesError::BadPdf(
                "the PDF is encrypted; remove its password first".into(),
            ));
        }
        let root_id = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| PadesError::BadPdf("trailer has no /Root reference".into()))?;
        let last_xref = find_startxref(pdf)?;
        let size = doc
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .unwrap_or(0)
            .max(0) as u32;
        let next_id = size.max(doc.max_id + 1);
        Ok(Self {
            trailer_info: doc.trailer.get(b"Info").ok().cloned(),
            trailer_id: doc.trailer.get(b"ID").ok().cloned(),
            doc,
            overlay: HashMap::new(),
            bytes: pdf.to_vec(),
            root_id,
            next_id,
            last_xref,
        })
    }

    /// The newest version of object `id`.
    pub fn object(&self, id: ObjectId) -> Result<&Object, PadesError> {
        if let Some(o) = self.overlay.get(&id) {
            return Ok(o);
        }
        self.doc
            .get_object(id)
            .map_err(|e| PadesError::BadPdf(format!("object {} {}: {e}", id.0, id.1)))
    }

    /// Follow a reference (once) to the newest version.
    pub fn resolve<'a>(&'a self, obj: &'a Object) -> Result<&'a Object, PadesError> {
        match obj {
            Object::Reference(id) => self.object(*id),
            other => Ok(other),
        }
    }

    /// The newest version of dictionary `id`.
    pub fn dictionary(&self, id: ObjectId) -> Result<Dictionary, PadesError> {
        match self.object(id)? {
            Object::Dictionary(d) => Ok(d.clone()),
            _ => Err(PadesError::BadPdf(format!(
                "object {} {} is not a dictionary",
                id.0, id.1
            ))),
        }
    }

    pub fn catalog(&self) -> Result<Dictionary, PadesError> {
        self.dictionary(self.root_id)
    }

    /// The object id of page `index` (0-based).
    pub fn page_id(&self, index: usize) -> Result<ObjectId, PadesError> {
        let pages = self.doc.get_pages();
        let n = pages.len();
        pages
            .get(&(index as u32 + 1))
            .copied()
            .ok_or(PadesError::NoSuchPage { index, pages: n })
    }

    /// A fresh object number.
    pub fn allocate(&mut self) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id += 1;
        id
    }

    /// Start an incremental update.
    pub fn update(&mut self) -> Update<'_> {
        Update {
            file: self,
            objects: Vec::new(),
        }
    }
}

fn find_startxref(pdf: &[u8]) -> Result<usize, PadesError> {
    let tail_start = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_start..];
    let pos = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| PadesError::BadPdf("no startxref near the end of the file".into()))?;
    let digits: String = tail[pos + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits
        .parse()
        .map_err(|_| PadesError::BadPdf("startxref is not followed by an offset".into()))
}

/// Objects to append as one revision.
pub struct Update<'a> {
    file: &'a mut PdfFile,
    objects: Vec<(ObjectId, Vec<u8>, Option<Object>)>,
}

/// Where the objects of a finished update landed, by insertion order.
pub struct Written {
    pub offsets: Vec<usize>,
}

impl Update<'_> {
    pub fn file(&self) -> &PdfFile {
        self.file
    }

    pub fn allocate(&mut self) -> ObjectId {
        self.file.allocate()
    }

    /// Add (or replace) object `id`, serialised from `obj`; returns its index.
    pub fn put(&mut self, id: ObjectId, obj: Object) -> usize {
        let mut body = Vec::new();
        pdf_syntax::write_object(&mut body, &obj);
        self.objects.push((id, body, Some(obj)));
        self.objects.len() - 1
    }

    /// Add object `id` from already serialised bytes (used for the signature
    /// dictionary, whose placeholders are patched after writing); returns its
    /// index.
    pub fn put_raw(&mut self, id: ObjectId, body: Vec<u8>) -> usize {
        self.objects.push((id, body, None));
        self.objects.len() - 1
    }

    /// Append the objects, a cross-reference section and a trailer with
    /// `/Prev`. Returns the absolute offset of each object's body.
    pub fn finish(self) -> Written {
        let Update { file, objects } = self;
        let out = &mut file.bytes;
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut entries: Vec<(u32, usize)> = Vec::with_capacity(objects.len());
        let mut offsets = Vec::with_capacity(objects.len());
        for (id, body, obj) in objects {
            entries.push((id.0, out.len()));
            out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
            offsets.push(out.len());
            out.extend_from_slice(&body);
            out.extend_from_slice(b"\nendobj\n");
            if let Some(obj) = obj {
                file.overlay.insert(id, obj);
            }
        }
        entries.sort_unstable();
        entries.dedup_by_key(|e| e.0);
        let xref_at = out.len();
        out.extend_from_slice(b"xref\n");
        let mut i = 0;
        while i < entries.len() {
            let mut j = i + 1;
            while j < entries.len() && entries[j].0 == entries[j - 1].0 + 1 {
                j += 1;
            }
            out.extend_from_slice(format!("{} {}\n", entries[i].0, j - i).as_bytes());
            for (_, off) in &entries[i..j] {
                out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
            }
            i = j;
        }
        let mut trailer = Dictionary::new();
        trailer.set("Size", Object::Integer(file.next_id as i64));
        trailer.set("Root", Object::Reference(file.root_id));
        if let Some(info) = &file.trailer_info {
            trailer.set("Info", info.clone());
        }
        if let Some(id) = &file.trailer_id {
            trailer.set("ID", id.clone());
        }
        trailer.set("Prev", Object::Integer(file.last_xref as i64));
        out.extend_from_slice(b"trailer\n");
        pdf_syntax::write_dictionary(out, &trailer);
        out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
        file.last_xref = xref_at;
        Written { offsets }
    }
}
