//! Step 6 (B-LT): the Document Security Store (ETSI EN 319 142-1 §5.4.2), an
//! incremental update that puts every certificate of the chains (signer and
//! TSA) and the current CRLs into the file, so validation needs nothing
//! online. An existing DSS (from an earlier signature) is extended, not
//! replaced. `/VRI` is optional and omitted.

use std::collections::HashSet;

use super::PadesError;
use crate::pdf::{Dict, IncrementalFile, Object, PdfStream};

/// Append a revision whose catalog holds a `/DSS` with `certs` and `crls`
/// (DER) added to what is already there. Duplicates are stored once.
pub fn add_dss(
    file: &mut IncrementalFile<'_>,
    certs: &[Vec<u8>],
    crls: &[Vec<u8>],
) -> Result<(), PadesError> {
    let mut catalog = file.catalog()?;
    let (dss_id, mut dss) = match catalog.get(b"DSS") {
        Some(Object::Ref(n, g)) => (Some((*n, *g)), file.dictionary((*n, *g))?),
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (None, Dict::new()),
    };
    let existing = |file: &IncrementalFile<'_>, key: &[u8]| -> Result<Vec<Object>, PadesError> {
        match dss.get(key) {
            Some(obj) => match &*file.resolve(obj)? {
                Object::Array(a) => Ok(a.clone()),
                _ => Err(PadesError::BadPdf(format!(
                    "/DSS /{} is not an array",
                    String::from_utf8_lossy(key)
                ))),
            },
            None => Ok(Vec::new()),
        }
    };
    let mut cert_refs = existing(file, b"Certs")?;
    let mut crl_refs = existing(file, b"CRLs")?;

    let mut update = file.update();
    let mut seen = HashSet::new();
    for (items, refs) in [(certs, &mut cert_refs), (crls, &mut crl_refs)] {
        for der in items {
            if !seen.insert(der.as_slice()) {
                continue;
            }
            let id = update.allocate();
            update.put(
                id,
                Object::Stream(PdfStream {
                    dict: Dict::new(),
                    raw: der.clone(),
                }),
            );
            refs.push(Object::reference(id));
        }
    }
    dss.set("Type", Object::name("DSS"));
    dss.set("Certs", Object::Array(cert_refs));
    if !crl_refs.is_empty() {
        dss.set("CRLs", Object::Array(crl_refs));
    }
    let dss_id = dss_id.unwrap_or_else(|| update.allocate());
    update.put(dss_id, Object::Dict(dss));
    catalog.set("DSS", Object::reference(dss_id));
    let root = update.file().root_id;
    update.put(root, Object::Dict(catalog));
    update.finish();
    Ok(())
}
