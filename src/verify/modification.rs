//! What incremental updates after a signature changed (ISO 32000-1 §7.5.6,
//! §12.8.2.2; ETSI EN 319 142-1 §5.4 on DSS and document timestamps).
//!
//! Every object a later revision (re)defines is compared with its previous
//! definition. Only a short list of changes is harmless: adding the DSS and
//! its data, a document timestamp, another signature (its field, its widget
//! in the page's /Annots, its entry in /AcroForm /Fields), and metadata.
//! Anything else — a page, its content or resources, an annotation, a form
//! field, a deleted object, an object number that was undefined at signing
//! time, a replaced catalog — is a modification. This catches the "shadow"
//! attacks that hide content in the signed revision and reveal it through a
//! later update, because revealing it requires redefining an existing object.

use std::collections::HashSet;

use super::permissions::Permissions;
use super::report::Code;
use super::signature_field::is_signature_widget;
use crate::pdf::{Dict, Object, PdfDocument, PdfError, XrefEntry};

/// Page tree nodes and the objects a page draws from, bounded.
const MAX_PAGE_NODES: usize = 20_000;

/// One change by one later revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub revision: usize,
    pub code: Code,
    pub object: Option<u32>,
    pub detail: Option<String>,
}

impl Change {
    pub fn harmless(&self) -> bool {
        self.code.severity() < super::report::Severity::Warning
    }
}

/// Changes made by revisions after `signed_rev`.
pub fn analyse(doc: &PdfDocument<'_>, signed_rev: usize) -> Result<Vec<Change>, PdfError> {
    let mut out: Vec<Change> = Vec::new();
    if signed_rev >= doc.last_revision() {
        return Ok(out);
    }
    let signed = PageObjects::collect(doc, signed_rev)?;
    let perms = Permissions::at(doc, signed_rev)?;
    for k in signed_rev + 1..=doc.last_revision() {
        let mut push = |code: Code, object: Option<u32>, detail: Option<String>| {
            let c = Change {
                revision: k,
                code,
                object,
                detail,
            };
            if !out.contains(&c) {
                out.push(c);
            }
        };
        let prev_trailer = &doc.revisions[k - 1].trailer;
        let trailer = &doc.revisions[k].trailer;
        let root_ref = |t: &Dict| t.get(b"Root").and_then(Object::as_ref).map(|r| r.0);
        let root = root_ref(trailer);
        let prev_root = root_ref(prev_trailer);
        if root != prev_root {
            // Trailer redirection: the catalog is another object now. Named,
            // and compared with the catalog it replaced, key by key.
            push(
                Code::ROOT_CHANGED,
                root,
                Some(match prev_root {
                    Some(p) => format!("the trailer's /Root was object {p}"),
                    None => "the trailer had no /Root".into(),
                }),
            );
            let old = prev_root.map(|r| doc.get(r, k - 1)).transpose()?.flatten();
            let new = root.map(|r| doc.get(r, k)).transpose()?.flatten();
            if let (Some(old), Some(new)) = (old, new) {
                for (code, detail) in catalog_change(doc, &old, &new, k)? {
                    push(code, root, detail);
                }
            }
        }
        let info = trailer.get(b"Info").and_then(Object::as_ref).map(|r| r.0);
        let prev_size = prev_trailer.get_int(b"Size").unwrap_or(0);
        let dss_objects = dss_objects(doc, root, k)?;
        let acroform = match root.map(|r| doc.get(r, k)).transpose()?.flatten() {
            Some(cat) => cat
                .as_dict()
                .and_then(|d| d.get(b"AcroForm"))
                .and_then(Object::as_ref)
                .map(|r| r.0),
            None => None,
        };

        let mut nums: Vec<(u32, XrefEntry)> = doc.revisions[k]
            .entries
            .iter()
            .map(|(n, e)| (*n, *e))
            .collect();
        nums.sort_by_key(|(n, _)| *n);
        for (num, entry) in nums {
            if num == 0 {
                continue;
            }
            let before = doc.entry(num, k - 1).map(|(_, e)| e);
            let defined_before = matches!(
                before,
                Some(XrefEntry::InUse { .. } | XrefEntry::Compressed { .. })
            );
            if entry == XrefEntry::Free {
                if defined_before {
                    push(Code::OBJECT_DELETED, Some(num), None);
                }
                continue;
            }
            let Some(new) = doc.get(num, k)? else {
                continue;
            };
            if !defined_before {
                if before.is_none() && i64::from(num) < prev_size && !is_structural(&new) {
                    push(Code::UNDEFINED_OBJECT_DEFINED, Some(num), None);
                } else if let Some(d) = new.as_dict() {
                    if d.name_is(b"Type", b"DocTimeStamp")
                        || d.name_is(b"SubFilter", b"ETSI.RFC3161")
                    {
                        push(Code::LATER_DOCUMENT_TIMESTAMP, Some(num), None);
                    } else if d.name_is(b"Type", b"Sig") {
                        push(Code::LATER_SIGNATURE, Some(num), None);
                    } else if d.name_is(b"Type", b"DSS") {
                        push(Code::LATER_DSS, Some(num), None);
                    }
                }
                continue;
            }
            let Some(old) = doc.get(num, k - 1)? else {
                continue;
            };
            if old.same_as(&new) || is_structural(&new) {
                continue;
            }
            if Some(num) == root {
                for (code, detail) in catalog_change(doc, &old, &new, k)? {
                    push(code, Some(num), detail);
                }
            } else if Some(num) == info
                || old
                    .as_dict()
                    .is_some_and(|d| d.name_is(b"Type", b"Metadata"))
            {
                push(Code::METADATA_UPDATED, Some(num), None);
            } else if dss_objects.contains(&num) {
                push(Code::LATER_DSS, Some(num), None);
            } else if Some(num) == acroform {
                for (code, detail) in acroform_change(doc, &old, &new, k)? {
                    push(code, Some(num), detail);
                }
            } else if old.as_dict().is_some_and(|d| d.name_is(b"Type", b"Pages")) {
                push(Code::PAGE_TREE_CHANGED, Some(num), changed_keys(&old, &new));
            } else if old.as_dict().is_some_and(|d| d.name_is(b"Type", b"Page")) {
                for (code, detail) in page_change(doc, &old, &new, k)? {
                    push(code, Some(num), detail);
                }
            } else if signed.annots.contains(&num) {
                let (o, n) = (old.as_array().unwrap_or(&[]), new.as_array().unwrap_or(&[]));
                for (code, detail) in list_growth(doc, o, n, k, Code::ANNOTATION_ADDED)? {
                    push(code, Some(num), detail);
                }
            } else if let Some((code, detail)) = field_change(doc, &perms, &old, &new, k)? {
                push(code, Some(num), detail);
            } else if signed.content.contains(&num) {
                push(Code::PAGE_CONTENT_CHANGED, Some(num), None);
            } else {
                push(Code::OBJECT_REDEFINED, Some(num), Some(describe(&old)));
            }
        }
    }
    // What the certification signature's DocMDP level allows.
    for c in &mut out {
        if c.code == Code::ANNOTATION_ADDED && perms.level == 3 {
            c.code = Code::LATER_ANNOTATION;
        } else if c.code == Code::LATER_SIGNATURE && perms.level == 1 {
            c.code = Code::FORM_CHANGED;
            c.detail = Some("a signature added although DocMDP P=1 allows no changes".into());
        }
    }
    Ok(out)
}

/// Cross-reference and object streams: containers, not content.
fn is_structural(o: &Object) -> bool {
    o.as_dict()
        .is_some_and(|d| d.name_is(b"Type", b"XRef") || d.name_is(b"Type", b"ObjStm"))
}

fn describe(o: &Object) -> String {
    match o {
        Object::Stream(s) => match s
            .dict
            .get(b"Type")
            .or(s.dict.get(b"Subtype"))
            .and_then(Object::as_name)
        {
            Some(t) => format!("stream /{}", String::from_utf8_lossy(t)),
            None => "stream".into(),
        },
        Object::Dict(d) => match d
            .get(b"Type")
            .or(d.get(b"Subtype"))
            .and_then(Object::as_name)
        {
            Some(t) => format!("/{}", String::from_utf8_lossy(t)),
            None => "dictionary".into(),
        },
        Object::Array(_) => "array".into(),
        _ => "value".into(),
    }
}

type Found = Vec<(Code, Option<String>)>;

/// The keys two dictionaries differ in, as "/A /B" (None if not both dictionaries).
fn changed_keys(old: &Object, new: &Object) -> Option<String> {
    let (o, n) = (old.as_dict()?, new.as_dict()?);
    let keys: Vec<String> = o
        .changed_keys(n)
        .iter()
        .map(|k| format!("/{}", String::from_utf8_lossy(k)))
        .collect();
    Some(keys.join(" "))
}

fn key_name(k: &[u8]) -> Option<String> {
    Some(format!("/{}", String::from_utf8_lossy(k)))
}

fn catalog_change(
    doc: &PdfDocument<'_>,
    old: &Object,
    new: &Object,
    k: usize,
) -> Result<Found, PdfError> {
    let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
        return Ok(vec![(Code::CATALOG_CHANGED, None)]);
    };
    let mut out = Vec::new();
    for key in o.changed_keys(n) {
        match key.as_slice() {
            b"DSS" => out.push((Code::LATER_DSS, None)),
            b"Extensions" | b"Version" => {}
            b"Metadata" => out.push((Code::METADATA_UPDATED, None)),
            b"Pages" => out.push((Code::PAGE_TREE_CHANGED, key_name(&key))),
            b"AcroForm" => {
                let (oa, na) = (
                    doc.get_key(o, b"AcroForm", k - 1)?,
                    doc.get_key(n, b"AcroForm", k)?,
                );
                match (oa, na) {
                    (Some(oa), Some(na)) => out.extend(acroform_change(doc, &oa, &na, k)?),
                    _ => out.push((Code::FORM_CHANGED, key_name(&key))),
                }
            }
            _ => out.push((Code::CATALOG_CHANGED, key_name(&key))),
        }
    }
    Ok(out)
}

fn acroform_change(
    doc: &PdfDocument<'_>,
    old: &Object,
    new: &Object,
    k: usize,
) -> Result<Found, PdfError> {
    let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
        return Ok(vec![(Code::FORM_CHANGED, None)]);
    };
    let mut out = Vec::new();
    for key in o.changed_keys(n) {
        match key.as_slice() {
            b"Fields" => {
                let of = doc.get_key(o, b"Fields", k - 1)?;
                let nf = doc.get_key(n, b"Fields", k)?;
                let of = of
                    .as_deref()
                    .and_then(Object::as_array)
                    .unwrap_or(&[])
                    .to_vec();
                let nf = nf
                    .as_deref()
                    .and_then(Object::as_array)
                    .unwrap_or(&[])
                    .to_vec();
                out.extend(list_growth(doc, &of, &nf, k, Code::FORM_CHANGED)?);
            }
            b"SigFlags" | b"DR" | b"DA" => {}
            _ => out.push((Code::FORM_CHANGED, key_name(&key))),
        }
    }
    Ok(out)
}

fn page_change(
    doc: &PdfDocument<'_>,
    old: &Object,
    new: &Object,
    k: usize,
) -> Result<Found, PdfError> {
    let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
        return Ok(vec![(Code::PAGE_CONTENT_CHANGED, None)]);
    };
    let mut out = Vec::new();
    for key in o.changed_keys(n) {
        match key.as_slice() {
            b"Annots" => {
                let oa = doc.get_key(o, b"Annots", k - 1)?;
                let na = doc.get_key(n, b"Annots", k)?;
                let oa = oa
                    .as_deref()
                    .and_then(Object::as_array)
                    .unwrap_or(&[])
                    .to_vec();
                let na = na
                    .as_deref()
                    .and_then(Object::as_array)
                    .unwrap_or(&[])
                    .to_vec();
                out.extend(list_growth(doc, &oa, &na, k, Code::ANNOTATION_ADDED)?);
            }
            _ => out.push((Code::PAGE_CONTENT_CHANGED, key_name(&key))),
        }
    }
    Ok(out)
}

/// An /Annots or /Fields list after an update: it may only grow, and only by
/// signature fields/widgets.
fn list_growth(
    doc: &PdfDocument<'_>,
    old: &[Object],
    new: &[Object],
    k: usize,
    bad: Code,
) -> Result<Found, PdfError> {
    let mut out = Vec::new();
    if old.iter().any(|o| !new.iter().any(|n| n.same_as(o))) {
        out.push((Code::OBJECT_DELETED, Some("an entry was removed".into())));
    }
    for n in new.iter().filter(|n| !old.iter().any(|o| o.same_as(n))) {
        let is_sig_field = doc
            .resolve(n, k)?
            .as_deref()
            .and_then(Object::as_dict)
            .is_some_and(|d| d.name_is(b"FT", b"Sig"));
        if is_sig_field || is_signature_widget(doc, n, k)? {
            out.push((Code::LATER_SIGNATURE, None));
        } else {
            out.push((bad, n.as_ref().map(|(r, _)| format!("object {r}"))));
        }
    }
    Ok(out)
}

/// A redefined form field or widget: filling an empty signature field is
/// a later signature; changing a field's value (/V and its appearance) is
/// form filling, allowed unless DocMDP P=1 or a FieldMDP lock forbids it;
/// anything else is a form change.
fn field_change(
    doc: &PdfDocument<'_>,
    perms: &Permissions,
    old: &Object,
    new: &Object,
    k: usize,
) -> Result<Option<(Code, Option<String>)>, PdfError> {
    let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
        return Ok(None);
    };
    if o.name_is(b"Type", b"Sig") || o.name_is(b"Type", b"DocTimeStamp") {
        return Ok(Some((
            Code::OBJECT_REDEFINED,
            Some("a signature dictionary".into()),
        )));
    }
    let is_widget = o.name_is(b"Subtype", b"Widget");
    if o.get(b"FT").is_none() && !is_widget {
        if o.get(b"Subtype").is_some() && o.get(b"Rect").is_some() {
            // An annotation changed: only P=3 allows it.
            return Ok(Some(if perms.level == 3 {
                (Code::LATER_ANNOTATION, None)
            } else {
                (
                    Code::ANNOTATION_ADDED,
                    Some("an existing annotation was changed".into()),
                )
            }));
        }
        return Ok(None);
    }
    // The field this object is (or the parent of the widget it is).
    let field: Dict = if o.get(b"FT").is_some() {
        o.clone()
    } else {
        match o.get(b"Parent") {
            Some(p) => match doc.resolve(p, k - 1)?.and_then(|x| x.as_dict().cloned()) {
                Some(d) => d,
                None => return Ok(Some((Code::FORM_CHANGED, None))),
            },
            None => {
                return Ok(Some((
                    Code::FORM_CHANGED,
                    Some("a widget without a field".into()),
                )));
            }
        }
    };
    let changed = o.changed_keys(n);
    if field.name_is(b"FT", b"Sig") {
        let filling_sig = field.get(b"V").is_none()
            && changed
                .iter()
                .all(|k| matches!(k.as_slice(), b"V" | b"AP" | b"F" | b"P" | b"Lock" | b"SV"));
        return Ok(Some(if filling_sig {
            (Code::LATER_SIGNATURE, None)
        } else {
            (
                Code::FORM_CHANGED,
                Some("a signature field was changed".into()),
            )
        }));
    }
    let value_keys: &[&[u8]] = if o.get(b"FT").is_some() {
        &[b"V", b"AP", b"AS"]
    } else {
        &[b"AP", b"AS"]
    };
    let name = super::permissions::field_name(doc, &field, k - 1)?;
    if !changed.iter().all(|c| value_keys.contains(&c.as_slice())) {
        let keys: Vec<String> = changed
            .iter()
            .map(|c| format!("/{}", String::from_utf8_lossy(c)))
            .collect();
        return Ok(Some((
            Code::FORM_CHANGED,
            Some(format!("field {name}: {}", keys.join(" "))),
        )));
    }
    if perms.level == 1 {
        return Ok(Some((
            Code::FORM_CHANGED,
            Some(format!(
                "field {name} filled although DocMDP P=1 allows no changes"
            )),
        )));
    }
    if perms.is_locked(&name) {
        return Ok(Some((
            Code::FORM_CHANGED,
            Some(format!("field {name} is locked by a signature (FieldMDP)")),
        )));
    }
    Ok(Some((Code::LATER_FORM_FILL, Some(format!("field {name}")))))
}

/// Object numbers of the DSS and its indirect parts, as of revision `k`.
fn dss_objects(
    doc: &PdfDocument<'_>,
    root: Option<u32>,
    k: usize,
) -> Result<HashSet<u32>, PdfError> {
    let mut out = HashSet::new();
    let Some(cat) = root.map(|r| doc.get(r, k)).transpose()?.flatten() else {
        return Ok(out);
    };
    let Some(dss_ref) = cat.as_dict().and_then(|d| d.get(b"DSS")) else {
        return Ok(out);
    };
    if let Some((n, _)) = dss_ref.as_ref() {
        out.insert(n);
    }
    let Some(dss) = doc.resolve(dss_ref, k)? else {
        return Ok(out);
    };
    let Some(d) = dss.as_dict() else {
        return Ok(out);
    };
    for key in [&b"Certs"[..], b"CRLs", b"OCSPs", b"VRI"] {
        if let Some(v) = d.get(key) {
            if let Some((n, _)) = v.as_ref() {
                out.insert(n);
            }
            if let Some(arr) = doc.resolve(v, k)? {
                if let Some(a) = arr.as_array() {
                    out.extend(a.iter().filter_map(Object::as_ref).map(|r| r.0));
                }
                if let Some(vri) = arr.as_dict().filter(|_| key == b"VRI") {
                    out.extend(vri.0.iter().filter_map(|(_, v)| v.as_ref()).map(|r| r.0));
                }
            }
        }
    }
    Ok(out)
}

/// What the signed revision's pages are made of.
struct PageObjects {
    /// Page content streams, resource dictionaries and what they reference.
    content: HashSet<u32>,
    /// Indirect /Annots arrays of pages.
    annots: HashSet<u32>,
}

impl PageObjects {
    fn collect(doc: &PdfDocument<'_>, rev: usize) -> Result<Self, PdfError> {
        let mut po = PageObjects {
            content: HashSet::new(),
            annots: HashSet::new(),
        };
        let trailer = &doc.revisions[rev].trailer;
        let Some(cat) = doc.get_key(trailer, b"Root", rev)? else {
            return Ok(po);
        };
        let Some(pages) = cat.as_dict().and_then(|d| d.get(b"Pages")).cloned() else {
            return Ok(po);
        };
        let mut seen = HashSet::new();
        let mut stack = vec![pages];
        let mut budget = MAX_PAGE_NODES;
        while let Some(node) = stack.pop() {
            if budget == 0 {
                return Err(PdfError::Limit {
                    what: "page tree size",
                });
            }
            budget -= 1;
            if let Some((n, _)) = node.as_ref()
                && !seen.insert(n)
            {
                continue;
            }
            let Some(obj) = doc.resolve(&node, rev)? else {
                continue;
            };
            let Some(d) = obj.as_dict() else { continue };
            if let Some(kids) = d.get(b"Kids") {
                if let Some(k) = doc.resolve(kids, rev)? {
                    stack.extend(k.as_array().unwrap_or(&[]).iter().cloned());
                }
                continue;
            }
            if let Some((n, _)) = d.get(b"Annots").and_then(Object::as_ref) {
                po.annots.insert(n);
            }
            for key in [&b"Contents"[..], b"Resources"] {
                if let Some(v) = d.get(key) {
                    po.refs_in(doc, v, rev, 0, &mut budget)?;
                }
            }
        }
        Ok(po)
    }

    /// Record every reference reachable from `v` (content and resources), bounded.
    fn refs_in(
        &mut self,
        doc: &PdfDocument<'_>,
        v: &Object,
        rev: usize,
        depth: usize,
        budget: &mut usize,
    ) -> Result<(), PdfError> {
        if depth > 6 || *budget == 0 {
            return Ok(());
        }
        *budget -= 1;
        match v {
            Object::Ref(n, _) => {
                if self.content.insert(*n)
                    && let Some(o) = doc.get(*n, rev)?
                {
                    let o = (*o).clone();
                    self.refs_in(doc, &o, rev, depth + 1, budget)?;
                }
            }
            Object::Array(a) => {
                for x in a {
                    self.refs_in(doc, x, rev, depth + 1, budget)?;
                }
            }
            Object::Dict(d) | Object::Stream(crate::pdf::PdfStream { dict: d, .. }) => {
                for (k, x) in &d.0 {
                    // A resource or form's /Parent-like back links do not draw content.
                    if k != b"Parent" && k != b"P" {
                        self.refs_in(doc, x, rev, depth + 1, budget)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
