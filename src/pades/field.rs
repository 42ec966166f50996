//! The signature field: a merged field/widget annotation on a page, listed in
//! the page's `/Annots` and the AcroForm's `/Fields` (ISO 32000-1 §12.7.4.5,
//! §12.8), with the visible seal as its normal appearance.

use std::collections::HashSet;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::pdf_file::Update;
use super::pdf_syntax::text_string;
use super::{PadesError, VisibleSeal};

/// Annotation flags Print (4) and Locked (128).
const WIDGET_FLAGS: i64 = 132;
/// AcroForm /SigFlags: SignaturesExist (1) | AppendOnly (2).
const SIG_FLAGS: i64 = 3;

fn name(s: &str) -> Object {
    Object::Name(s.as_bytes().to_vec())
}

fn rect_object(r: [f32; 4]) -> Object {
    Object::Array(r.iter().map(|v| Object::Real(*v)).collect())
}

/// Add a signature field whose value is the signature dictionary `sig_id`,
/// shown by `visible` (or invisible, zero-sized, on page 1).
pub fn add_signature_field(
    update: &mut Update<'_>,
    sig_id: ObjectId,
    visible: Option<&VisibleSeal>,
) -> Result<(), PadesError> {
    let page_index = visible.map_or(0, |v| v.page_index);
    let page_id = update.file().page_id(page_index)?;
    let catalog = update.file().catalog()?;

    // AcroForm: where it lives and which field names are taken.
    let (acroform_id, mut acroform) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => (Some(*id), update.file().dictionary(*id)?),
        Ok(Object::Dictionary(d)) => (None, d.clone()),
        _ => (Some(update.allocate()), Dictionary::new()),
    };
    let mut fields = match acroform.get(b"Fields") {
        Ok(obj) => match update.file().resolve(obj)? {
            Object::Array(a) => a.clone(),
            _ => {
                return Err(PadesError::BadPdf(
                    "/AcroForm /Fields is not an array".into(),
                ));
            }
        },
        Err(_) => Vec::new(),
    };
    let mut taken = HashSet::new();
    for f in &fields {
        if let Ok(Object::Dictionary(d)) = update.file().resolve(f) {
            if let Ok(Object::String(t, _)) = d.get(b"T") {
                taken.insert(t.clone());
            }
        }
    }
    let field_name = (1..)
        .map(|n| format!("Signature{n}"))
        .find(|n| !taken.contains(n.as_bytes()) && !taken.contains(&utf16(n)))
        .unwrap_or_else(|| "Signature".into()); // the range is unbounded; find always succeeds

    let widget_id = update.allocate();
    let mut widget = Dictionary::new();
    widget.set("Type", name("Annot"));
    widget.set("Subtype", name("Widget"));
    widget.set("FT", name("Sig"));
    widget.set("T", text_string(&field_name));
    widget.set("F", Object::Integer(WIDGET_FLAGS));
    widget.set("P", Object::Reference(page_id));
    widget.set("V", Object::Reference(sig_id));
    match visible {
        Some(v) => {
            let [x0, y0, x1, y1] = v.rect;
            let (w, h) = ((x1 - x0).abs(), (y1 - y0).abs());
            let mut form = Dictionary::new();
            form.set("Type", name("XObject"));
            form.set("Subtype", name("Form"));
            form.set("BBox", rect_object([0.0, 0.0, w, h]));
            form.set("Resources", Object::Dictionary(Dictionary::new()));
            let ap_id = update.allocate();
            update.put(
                ap_id,
                Object::Stream(Stream::new(form, v.appearance.clone())),
            );
            let mut ap = Dictionary::new();
            ap.set("N", Object::Reference(ap_id));
            widget.set(
                "Rect",
                rect_object([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]),
            );
            widget.set("AP", Object::Dictionary(ap));
        }
        None => widget.set("Rect", rect_object([0.0; 4])),
    }
    update.put(widget_id, Object::Dictionary(widget));

    // The page's /Annots gains the widget.
    let mut page = update.file().dictionary(page_id)?;
    match page.get(b"Annots") {
        Ok(Object::Reference(aid)) => {
            let aid = *aid;
            let mut annots = match update.file().object(aid)? {
                Object::Array(a) => a.clone(),
                _ => return Err(PadesError::BadPdf("page /Annots is not an array".into())),
            };
            annots.push(Object::Reference(widget_id));
            update.put(aid, Object::Array(annots));
        }
        Ok(Object::Array(a)) => {
            let mut annots = a.clone();
            annots.push(Object::Reference(widget_id));
            page.set("Annots", Object::Array(annots));
            update.put(page_id, Object::Dictionary(page));
        }
        _ => {
            page.set("Annots", Object::Array(vec![Object::Reference(widget_id)]));
            update.put(page_id, Object::Dictionary(page));
        }
    }

    fields.push(Object::Reference(widget_id));
    acroform.set("Fields", Object::Array(fields));
    acroform.set("SigFlags", Object::Integer(SIG_FLAGS));
    match acroform_id {
        Some(id) => {
            let was_referenced = matches!(catalog.get(b"AcroForm"), Ok(Object::Reference(_)));
            update.put(id, Object::Dictionary(acroform));
            if !was_referenced {
                let mut catalog = catalog;
                catalog.set("AcroForm", Object::Reference(id));
                let root = update.file().root_id;
                update.put(root, Object::Dictionary(catalog));
            }
        }
        None => {
            let mut catalog = catalog;
            catalog.set("AcroForm", Object::Dictionary(acroform));
            let root = update.file().root_id;
            update.put(root, Object::Dictionary(catalog));
        }
    }
    Ok(())
}

fn utf16(s: &str) -> Vec<u8> {
    match text_string(s) {
        Object::String(b, _) => b,
        _ => Vec::new(),
    }
}
