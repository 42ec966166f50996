//! A PDF being extended by incremental updates (ISO 32000-1 §7.5.6).
//!
//! The original file is read once, lazily, by [`PdfDocument`]; every object
//! written afterwards is kept in an overlay, so later steps (a DSS, a
//! document timestamp, another signature) see the newest version without
//! reading the file again. The original bytes are never changed: updates are
//! only appended, which is what keeps earlier signatures valid.

use std::collections::HashMap;
use std::rc::Rc;

use super::document::PdfDocument;
use super::error::PdfError;
use super::limits::ReadLimits;
use super::object::{Dict, Object};
use super::pages::page_ref;
use super::write;

/// An object number and generation.
pub type ObjectId = (u32, u16);

/// The file and what is known about its newest revision.
pub struct IncrementalFile<'a> {
    doc: PdfDocument<'a>,
    overlay: HashMap<u32, Rc<Object>>,
    /// The complete file so far (original plus appended updates).
    pub bytes: Vec<u8>,
    pub root_id: ObjectId,
    next_num: u32,
    last_xref: usize,
    trailer_info: Option<Object>,
    trailer_id: Option<Object>,
}

impl<'a> IncrementalFile<'a> {
    /// Read `pdf` for extending. Encrypted files are refused
    /// ([`PdfError::Encrypted`]): updating them needs the document's own
    /// security handler.
    pub fn open(pdf: &'a [u8], limits: ReadLimits) -> Result<Self, PdfError> {
        let doc = PdfDocument::parse(pdf, limits)?;
        let last = doc.revisions.last().ok_or(PdfError::NoStartXref)?.clone();
        let root_id = last
            .trailer
            .get(b"Root")
            .and_then(Object::as_ref)
            .ok_or(PdfError::syntax(0, "trailer has no /Root reference"))?;
        let size = last.trailer.get_int(b"Size").unwrap_or(0).max(0);
        let max_num = doc
            .revisions
            .iter()
            .flat_map(|r| r.entries.keys())
            .max()
            .copied()
            .unwrap_or(0);
        let next_num = u32::try_from(size)
            .unwrap_or(u32::MAX)
            .max(max_num.saturating_add(1));
        let last_xref = *last.xref_offsets.first().unwrap_or(&0);
        Ok(Self {
            trailer_info: last.trailer.get(b"Info").cloned(),
            trailer_id: last.trailer.get(b"ID").cloned(),
            overlay: HashMap::new(),
            bytes: pdf.to_vec(),
            root_id,
            next_num,
            last_xref,
            doc,
        })
    }

    /// The newest version of object `id`.
    pub fn object(&self, id: ObjectId) -> Result<Rc<Object>, PdfError> {
        if let Some(o) = self.overlay.get(&id.0) {
            return Ok(o.clone());
        }
        self.doc
            .get(id.0, self.doc.last_revision())?
            .ok_or(PdfError::Missing { num: id.0 })
    }

    /// Follow a reference (once) to the newest version.
    pub fn resolve(&self, obj: &Object) -> Result<Rc<Object>, PdfError> {
        match obj {
            Object::Ref(n, g) => self.object((*n, *g)),
            other => Ok(Rc::new(other.clone())),
        }
    }

    /// A copy of the newest version of dictionary `id`, to change and put back.
    pub fn dictionary(&self, id: ObjectId) -> Result<Dict, PdfError> {
        match &*self.object(id)? {
            Object::Dict(d) => Ok(d.clone()),
            _ => Err(PdfError::WrongType {
                num: id.0,
                expected: "dictionary",
            }),
        }
    }

    pub fn catalog(&self) -> Result<Dict, PdfError> {
        self.dictionary(self.root_id)
    }

    /// The object id of page `index` (0-based), or how many pages there are.
    pub fn page_id(&self, index: usize) -> Result<Result<ObjectId, usize>, PdfError> {
        page_ref(&self.doc, self.doc.last_revision(), index)
    }

    /// A fresh object number.
    pub fn allocate(&mut self) -> ObjectId {
        let id = (self.next_num, 0);
        self.next_num += 1;
        id
    }

    /// Start an incremental update.
    pub fn update(&mut self) -> Update<'_, 'a> {
        Update {
            file: self,
            objects: Vec::new(),
        }
    }
}

/// Objects to append as one revision.
pub struct Update<'f, 'a> {
    file: &'f mut IncrementalFile<'a>,
    objects: Vec<(ObjectId, Vec<u8>, Option<Object>)>,
}

/// Where the objects of a finished update landed, by insertion order.
pub struct Written {
    pub offsets: Vec<usize>,
}

impl<'a> Update<'_, 'a> {
    pub fn file(&self) -> &IncrementalFile<'a> {
        self.file
    }

    pub fn allocate(&mut self) -> ObjectId {
        self.file.allocate()
    }

    /// Add (or replace) object `id`, serialised from `obj`; returns its index.
    pub fn put(&mut self, id: ObjectId, obj: Object) -> usize {
        let mut body = Vec::new();
        write::write_object(&mut body, &obj);
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
                file.overlay.insert(id.0, Rc::new(obj));
            }
        }
        // A number written twice in one update: the later definition wins.
        entries.sort_by_key(|e| e.0);
        entries.reverse();
        entries.dedup_by_key(|e| e.0);
        entries.reverse();
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
        let mut trailer = Dict::new();
        trailer.set("Size", Object::Int(i64::from(file.next_num)));
        trailer.set("Root", Object::reference(file.root_id));
        if let Some(info) = &file.trailer_info {
            trailer.set("Info", info.clone());
        }
        if let Some(id) = &file.trailer_id {
            trailer.set("ID", id.clone());
        }
        trailer.set("Prev", Object::Int(file.last_xref as i64));
        out.extend_from_slice(b"trailer\n");
        write::write_dictionary(out, &trailer);
        out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
        file.last_xref = xref_at;
        Written { offsets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF with a classic xref table.
    fn minimal() -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let objs = [
            "<</Type /Catalog /Pages 2 0 R>>",
            "<</Type /Pages /Kids [3 0 R] /Count 1>>",
            "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>",
        ];
        let mut offs = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offs.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
        for o in offs {
            out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<</Size 4 /Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    #[test]
    fn an_update_appends_and_reads_back() {
        let pdf = minimal();
        let mut f = IncrementalFile::open(&pdf, ReadLimits::default()).unwrap();
        assert_eq!(f.page_id(0).unwrap(), Ok((3, 0)));
        assert_eq!(f.page_id(1).unwrap(), Err(1));
        let mut page = f.dictionary((3, 0)).unwrap();
        page.set("Rotate", Object::Int(90));
        let mut u = f.update();
        let new = u.allocate();
        assert_eq!(new, (4, 0));
        u.put((3, 0), Object::Dict(page));
        u.put(new, Object::string(b"hello".to_vec()));
        u.finish();
        assert!(f.bytes.starts_with(&pdf), "the original bytes are kept");
        assert_eq!(f.dictionary((3, 0)).unwrap().get_int(b"Rotate"), Some(90));

        // Read independently: two revisions, the newest defines 3 and 4.
        let doc = PdfDocument::parse(&f.bytes, ReadLimits::default()).unwrap();
        assert_eq!(doc.revisions.len(), 2);
        let page = doc.get(3, 1).unwrap().unwrap();
        assert_eq!(page.as_dict().unwrap().get_int(b"Rotate"), Some(90));
        let old = doc.get(3, 0).unwrap().unwrap();
        assert_eq!(old.as_dict().unwrap().get_int(b"Rotate"), None);
        assert_eq!(
            doc.get(4, 1).unwrap().unwrap().as_str_bytes(),
            Some(&b"hello"[..])
        );
        assert_eq!(doc.revisions[1].trailer.get_int(b"Size"), Some(5));
    }

    #[test]
    fn encrypted_files_are_refused() {
        let pdf = String::from_utf8(minimal())
            .unwrap()
            .replace("/Root 1 0 R>>", "/Root 1 0 R /Encrypt 9 0 R>>");
        assert!(matches!(
            IncrementalFile::open(pdf.as_bytes(), ReadLimits::default()),
            Err(PdfError::Encrypted)
        ));
    }
}
