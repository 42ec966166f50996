//! The Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1
//! §5.4.2): certificates and CRLs embedded for long-term validation.

use crate::pdf::{Object, PdfDocument, PdfError};

/// Most DSS entries read per list.
const MAX_ENTRIES: usize = 256;

#[derive(Debug, Clone, Default)]
pub struct Dss {
    pub certs: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
    /// The first revision whose catalog has a /DSS.
    pub first_revision: Option<usize>,
}

/// Read the DSS of the last revision.
pub fn read(doc: &PdfDocument<'_>) -> Result<Dss, PdfError> {
    let mut out = Dss::default();
    for (r, rev) in doc.revisions.iter().enumerate() {
        let has = doc
            .get_key(&rev.trailer, b"Root", r)?
            .is_some_and(|c| c.as_dict().is_some_and(|d| d.get(b"DSS").is_some()));
        if has {
            out.first_revision = Some(r);
            break;
        }
    }
    if out.first_revision.is_none() {
        return Ok(out);
    }
    let last = doc.last_revision();
    let Some(cat) = doc.get_key(&doc.revisions[last].trailer, b"Root", last)? else {
        return Ok(out);
    };
    let Some(dss) = cat
        .as_dict()
        .map(|d| doc.get_key(d, b"DSS", last))
        .transpose()?
        .flatten()
    else {
        return Ok(out);
    };
    let Some(dss) = dss.as_dict() else {
        return Ok(out);
    };
    out.certs = streams(doc, dss.get(b"Certs"), last)?;
    out.crls = streams(doc, dss.get(b"CRLs"), last)?;
    Ok(out)
}

fn streams(
    doc: &PdfDocument<'_>,
    list: Option<&Object>,
    rev: usize,
) -> Result<Vec<Vec<u8>>, PdfError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let Some(list) = doc.resolve(list, rev)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in list.as_array().unwrap_or(&[]).iter().take(MAX_ENTRIES) {
        if let Some(o) = doc.resolve(item, rev)?
            && let Object::Stream(s) = &*o
        {
            out.push(doc.stream_data(s)?);
        }
    }
    Ok(out)
}
