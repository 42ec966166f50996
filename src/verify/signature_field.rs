//! Finding the signatures of a document: signature fields of the AcroForm
//! (ISO 32000-1 §12.7, §12.8) whose /V is a signature dictionary, in the
//! last revision and in every earlier one (a signature a later update took
//! out of the form is still found, and reported with that finding).

use std::collections::HashSet;
use std::rc::Rc;

use super::report::Code;
use crate::pdf::{Dict, Object, PdfDocument, PdfError, XrefEntry};

/// Most form-field nodes visited in the last revision's form.
const MAX_FIELD_NODES: usize = 10_000;
/// Most visited in all earlier revisions' forms together: most revisions
/// share their form with the next one, and 256 revisions of a big form
/// must not cost 256 walks of it.
const MAX_EARLIER_FIELD_NODES: usize = 4 * MAX_FIELD_NODES;
/// Deepest field hierarchy followed.
const MAX_FIELD_DEPTH: usize = 32;

/// A signature dictionary and where it sits.
#[derive(Debug, Clone)]
pub struct FoundSignature {
    pub field_name: Option<String>,
    /// The signature dictionary's object number (None when /V is direct).
    pub object: Option<u32>,
    /// The signature dictionary is a top-level object of the file (not inside
    /// an object stream or a field), so string spans are file offsets.
    pub spans_are_file_offsets: bool,
    /// Empty when the field holds no usable signature dictionary.
    pub dict: Dict,
    /// A finding on the field itself: its /V does not resolve to a signature
    /// (SIGNATURE_FIELD_BROKEN), or the signature is only in an earlier
    /// revision's form (SIGNATURE_FIELD_REMOVED). The field is reported
    /// either way; its signature, when one is known, is still checked.
    pub finding: Option<(Code, String)>,
}

impl FoundSignature {
    pub fn sub_filter(&self) -> Option<String> {
        self.dict
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
    }
    pub fn is_document_timestamp(&self) -> bool {
        self.dict.name_is(b"Type", b"DocTimeStamp")
            || self.dict.name_is(b"SubFilter", b"ETSI.RFC3161")
    }
    /// /ByteRange as four non-negative integers.
    pub fn byte_range(&self) -> Option<[u64; 4]> {
        let a = self.dict.get(b"ByteRange")?.as_array()?;
        if a.len() != 4 {
            return None;
        }
        let mut out = [0u64; 4];
        for (o, v) in out.iter_mut().zip(a) {
            *o = u64::try_from(v.as_int()?).ok()?;
        }
        Some(out)
    }
    /// /Contents bytes and token span.
    pub fn contents(&self) -> Option<(&[u8], usize, usize)> {
        match self.dict.get(b"Contents")? {
            Object::Str { bytes, start, end } => Some((bytes, *start, *end)),
            _ => None,
        }
    }
    /// /M as written (a PDF date string), unverified.
    pub fn claimed_time(&self) -> Option<String> {
        match self.dict.get(b"M")? {
            Object::Str { bytes, .. } => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        }
    }
}

/// The signatures of the document, at most `max + 1` (the caller reports
/// "too many" when it gets more than `max`). The last revision's form is
/// authoritative; a signature that only an earlier revision's form holds
/// (its field removed, its /V broken or pointed elsewhere later) is still
/// returned, with a finding, so that no update can make a signature vanish
/// from the report.
pub fn find(doc: &PdfDocument<'_>, max: usize) -> Result<Vec<FoundSignature>, PdfError> {
    let last = doc.last_revision();
    let mut out = fields_of(doc, last, max, &mut { MAX_FIELD_NODES })?;
    let mut seen: HashSet<u32> = out.iter().filter_map(|s| s.object).collect();
    let mut budget = MAX_EARLIER_FIELD_NODES;
    for rev in (0..last).rev() {
        if out.len() > max {
            break;
        }
        // An earlier revision that cannot be read hides nothing from the
        // last one (the modification analysis reports what changed), but
        // running out of budget would: that is an error.
        let earlier = match fields_of(doc, rev, max, &mut budget) {
            Ok(e) => e,
            Err(e @ PdfError::Limit { .. }) => return Err(e),
            Err(_) => continue,
        };
        for sig in earlier {
            if sig.finding.is_some() || sig.object.is_some_and(|n| seen.contains(&n)) {
                continue;
            }
            let name = sig.field_name.clone().unwrap_or_default();
            if sig.object.is_none()
                && out
                    .iter()
                    .any(|s| s.field_name == sig.field_name && !s.dict.0.is_empty())
            {
                continue;
            }
            if let Some(n) = sig.object {
                seen.insert(n);
            }
            // The same field, broken later: that field's signature is this one.
            if let Some(b) = out
                .iter_mut()
                .find(|s| s.field_name == sig.field_name && s.dict.0.is_empty())
            {
                if let Some((_, why)) = &mut b.finding {
                    why.push_str(&format!(
                        "; the signature it held in revision {rev} is checked"
                    ));
                }
                b.object = sig.object;
                b.spans_are_file_offsets = sig.spans_are_file_offsets;
                b.dict = sig.dict;
                continue;
            }
            out.push(FoundSignature {
                finding: Some((
                    Code::SIGNATURE_FIELD_REMOVED,
                    format!(
                        "field {name} held it in revision {rev}; the last revision's form does not"
                    ),
                )),
                ..sig
            });
        }
    }
    // Signing order: by where the signed range ends.
    out.sort_by_key(|s| {
        s.byte_range()
            .map(|b| b[2].saturating_add(b[3]))
            .unwrap_or(u64::MAX)
    });
    Ok(out)
}

/// Is `d` (a field's /V) a signature dictionary (§12.8.1 Table 252)?
fn is_signature_dict(d: &Dict) -> bool {
    match d.get(b"Type").and_then(Object::as_name) {
        Some(t) => t == b"Sig" || t == b"DocTimeStamp",
        None => d.get(b"Filter").is_some() || d.get(b"Contents").is_some(),
    }
}

/// The signature fields of revision `rev`'s form, in field order.
fn fields_of(
    doc: &PdfDocument<'_>,
    rev: usize,
    max: usize,
    budget: &mut usize,
) -> Result<Vec<FoundSignature>, PdfError> {
    let Some(trailer) = doc.revisions.get(rev).map(|r| r.trailer.clone()) else {
        return Ok(Vec::new());
    };
    let Some(root) = doc.get_key(&trailer, b"Root", rev)? else {
        return Err(PdfError::syntax(0, "trailer has no /Root catalog"));
    };
    let Some(catalog) = root.as_dict() else {
        return Err(PdfError::syntax(0, "catalog is not a dictionary"));
    };
    let Some(acroform) = doc.get_key(catalog, b"AcroForm", rev)? else {
        return Ok(Vec::new());
    };
    let Some(fields) = acroform.as_dict().and_then(|d| d.get(b"Fields")).cloned() else {
        return Ok(Vec::new());
    };
    let Some(fields) = doc.resolve(&fields, rev)? else {
        return Ok(Vec::new());
    };

    let mut out = Vec::new();
    let mut seen_fields = HashSet::new();
    let mut seen_sigs = HashSet::new();
    // (node, inherited /FT, name prefix, depth)
    type Pending = (Object, Option<Vec<u8>>, Option<String>, usize);
    let mut stack: Vec<Pending> = Vec::new();
    for f in fields.as_array().unwrap_or(&[]).iter().rev() {
        stack.push((f.clone(), None, None, 0));
    }
    while let Some((node, ft, prefix, depth)) = stack.pop() {
        if *budget == 0 || depth > MAX_FIELD_DEPTH {
            return Err(PdfError::Limit {
                what: "form field tree size",
            });
        }
        *budget -= 1;
        if let Object::Ref(n, _) = node
            && !seen_fields.insert(n)
        {
            continue; // a loop or a shared node
        }
        let Some(obj) = doc.resolve(&node, rev)? else {
            continue;
        };
        let Some(d) = obj.as_dict() else { continue };
        let ft = d
            .get(b"FT")
            .and_then(Object::as_name)
            .map(<[u8]>::to_vec)
            .or(ft);
        let partial = match d.get(b"T") {
            Some(Object::Str { bytes, .. }) => Some(pdf_text(bytes)),
            _ => None,
        };
        let name = match (&prefix, partial) {
            (Some(p), Some(t)) => Some(format!("{p}.{t}")),
            (None, Some(t)) => Some(t),
            (p, None) => p.clone(),
        };
        if let Some(kids) = d.get(b"Kids")
            && let Some(kids) = doc.resolve(kids, rev)?
        {
            for k in kids.as_array().unwrap_or(&[]).iter().rev() {
                stack.push((k.clone(), ft.clone(), name.clone(), depth + 1));
            }
        }
        if ft.as_deref() != Some(b"Sig") {
            continue;
        }
        // A field that is only a widget's parent keeps its /V on itself; a
        // signature field without /V is unsigned (not a finding).
        let Some(v) = d.get(b"V") else { continue };
        let object = v.as_ref().map(|(n, _)| n);
        if let Some(n) = object
            && !seen_sigs.insert(n)
        {
            continue;
        }
        let broken = |why: String| FoundSignature {
            field_name: name.clone(),
            object: None,
            spans_are_file_offsets: false,
            dict: Dict::default(),
            finding: Some((Code::SIGNATURE_FIELD_BROKEN, why)),
        };
        let sig = match doc.resolve(v, rev) {
            Ok(Some(sig)) => sig,
            Ok(None) => {
                out.push(broken(format!(
                    "its /V refers to an object that does not exist{}",
                    object.map(|n| format!(" ({n})")).unwrap_or_default()
                )));
                continue;
            }
            Err(e) => {
                out.push(broken(format!("its /V cannot be read: {e}")));
                continue;
            }
        };
        let sig_dict = match sig.as_dict() {
            Some(d) if is_signature_dict(d) => d,
            Some(d) => {
                let kind = d
                    .get(b"Type")
                    .and_then(Object::as_name)
                    .map(|t| format!(" (a /{})", String::from_utf8_lossy(t)))
                    .unwrap_or_default();
                out.push(broken(format!(
                    "its /V is not a signature dictionary{kind}"
                )));
                continue;
            }
            None => {
                out.push(broken("its /V is not a signature dictionary".into()));
                continue;
            }
        };
        let spans_are_file_offsets =
            object.is_some_and(|n| matches!(doc.entry(n, rev), Some((_, XrefEntry::InUse { .. }))));
        out.push(FoundSignature {
            field_name: name,
            object,
            spans_are_file_offsets,
            dict: sig_dict.clone(),
            finding: None,
        });
        if out.len() > max {
            break;
        }
    }
    Ok(out)
}

/// A PDF text string: UTF-16BE with BOM, or (approximately) PDFDocEncoding.
pub fn pdf_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

/// Is `obj` (resolved) a signature widget: /Subtype /Widget of a /FT /Sig field?
pub fn is_signature_widget(
    doc: &PdfDocument<'_>,
    obj: &Object,
    rev: usize,
) -> Result<bool, PdfError> {
    let Some(o) = doc.resolve(obj, rev)? else {
        return Ok(false);
    };
    let Some(d) = o.as_dict() else {
        return Ok(false);
    };
    if !d.name_is(b"Subtype", b"Widget") {
        return Ok(false);
    }
    if d.name_is(b"FT", b"Sig") {
        return Ok(true);
    }
    let parent: Option<Rc<Object>> = match d.get(b"Parent") {
        Some(p) => doc.resolve(p, rev)?,
        None => None,
    };
    Ok(parent
        .as_ref()
        .and_then(|p| p.as_dict())
        .is_some_and(|p| p.name_is(b"FT", b"Sig")))
}
