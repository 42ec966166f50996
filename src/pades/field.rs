//! The signature field: a merged field/widget annotation on a page, listed in
//! the page's `/Annots` and the AcroForm's `/Fields` (ISO 32000-1 §12.7.4.5,
//! §12.8), with the visible seal as its normal appearance.

use std::collections::HashSet;

use super::{PadesError, VisibleSeal};
use crate::pdf::write::{numbers, text_string};
use crate::pdf::{Dict, Object, ObjectId, PdfStream, Update};

/// Annotation flags Print (4) and Locked (128).
const WIDGET_FLAGS: i64 = 132;
/// AcroForm /SigFlags: SignaturesExist (1) | AppendOnly (2).
const SIG_FLAGS: i64 = 3;

/// Add a signature field whose value is the signature dictionary `sig_id`,
/// shown by `visible` (or invisible, zero-sized, on page 1).
pub fn add_signature_field(
    update: &mut Update<'_, '_>,
    sig_id: ObjectId,
    visible: Option<&VisibleSeal>,
) -> Result<(), PadesError> {
    let page_index = visible.map_or(0, |v| v.page_index);
    let page_id = update
        .file()
        .page_id(page_index)?
        .map_err(|pages| PadesError::NoSuchPage {
            index: page_index,
            pages,
        })?;
    let catalog = update.file().catalog()?;

    // AcroForm: where it lives and which field names are taken.
    let (acroform_id, mut acroform) = match catalog.get(b"AcroForm") {
        Some(Object::Ref(n, g)) => (Some((*n, *g)), update.file().dictionary((*n, *g))?),
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (Some(update.allocate()), Dict::new()),
    };
    let mut fields = match acroform.get(b"Fields") {
        Some(obj) => match &*update.file().resolve(obj)? {
            Object::Array(a) => a.clone(),
            _ => {
                return Err(PadesError::BadPdf(
                    "/AcroForm /Fields is not an array".into(),
                ));
            }
        },
        None => Vec::new(),
    };
    let mut taken = HashSet::new();
    for f in &fields {
        if let Ok(field) = update.file().resolve(f)
            && let Some(t) = field.as_dict().and_then(|d| d.get(b"T"))
            && let Some(t) = t.as_str_bytes()
        {
            taken.insert(t.to_vec());
        }
    }
    let field_name = (1..)
        .map(|n| format!("Signature{n}"))
        .find(|n| !taken.contains(n.as_bytes()) && !taken.contains(&utf16(n)))
        .unwrap_or_else(|| "Signature".into()); // the range is unbounded; find always succeeds

    let widget_id = update.allocate();
    let mut widget = Dict::new();
    widget.set("Type", Object::name("Annot"));
    widget.set("Subtype", Object::name("Widget"));
    widget.set("FT", Object::name("Sig"));
    widget.set("T", text_string(&field_name));
    widget.set("F", Object::Int(WIDGET_FLAGS));
    widget.set("P", Object::reference(page_id));
    widget.set("V", Object::reference(sig_id));
    match visible {
        Some(v) => {
            let [x0, y0, x1, y1] = v.rect;
            let (w, h) = ((x1 - x0).abs(), (y1 - y0).abs());
            let mut form = Dict::new();
            form.set("Type", Object::name("XObject"));
            form.set("Subtype", Object::name("Form"));
            form.set("BBox", numbers(&[0.0, 0.0, w, h]));
            form.set("Resources", Object::Dict(Dict::new()));
            let ap_id = update.allocate();
            update.put(
                ap_id,
                Object::Stream(PdfStream {
                    dict: form,
                    raw: v.appearance.clone(),
                }),
            );
            let mut ap = Dict::new();
            ap.set("N", Object::reference(ap_id));
            widget.set(
                "Rect",
                numbers(&[x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]),
            );
            widget.set("AP", Object::Dict(ap));
        }
        None => widget.set("Rect", numbers(&[0.0; 4])),
    }
    update.put(widget_id, Object::Dict(widget));

    // The page's /Annots gains the widget.
    let mut page = update.file().dictionary(page_id)?;
    match page.get(b"Annots") {
        Some(Object::Ref(n, g)) => {
            let aid = (*n, *g);
            let mut annots = match &*update.file().object(aid)? {
                Object::Array(a) => a.clone(),
                _ => return Err(PadesError::BadPdf("page /Annots is not an array".into())),
            };
            annots.push(Object::reference(widget_id));
            update.put(aid, Object::Array(annots));
        }
        Some(Object::Array(a)) => {
            let mut annots = a.clone();
            annots.push(Object::reference(widget_id));
            page.set("Annots", Object::Array(annots));
            update.put(page_id, Object::Dict(page));
        }
        _ => {
            page.set("Annots", Object::Array(vec![Object::reference(widget_id)]));
            update.put(page_id, Object::Dict(page));
        }
    }

    fields.push(Object::reference(widget_id));
    acroform.set("Fields", Object::Array(fields));
    acroform.set("SigFlags", Object::Int(SIG_FLAGS));
    let root = update.file().root_id;
    match acroform_id {
        Some(id) => {
            let was_referenced = matches!(catalog.get(b"AcroForm"), Some(Object::Ref(..)));
            update.put(id, Object::Dict(acroform));
            if !was_referenced {
                let mut catalog = catalog;
                catalog.set("AcroForm", Object::reference(id));
                update.put(root, Object::Dict(catalog));
            }
        }
        None => {
            let mut catalog = catalog;
            catalog.set("AcroForm", Object::Dict(acroform));
            update.put(root, Object::Dict(catalog));
        }
    }
    Ok(())
}

fn utf16(s: &str) -> Vec<u8> {
    match text_string(s) {
        Object::Str { bytes, .. } => bytes,
        _ => Vec::new(),
    }
}
