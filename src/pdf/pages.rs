//! The page tree (ISO 32000-1 §7.7.3.2): finding page N.

use std::collections::HashSet;

use super::document::PdfDocument;
use super::error::PdfError;
use super::object::Object;

/// Deepest page tree followed; real files are a few levels deep.
const MAX_TREE_DEPTH: usize = 32;

/// The reference of page `index` (0-based) as of revision `rev`, and the
/// number of pages seen when there is no such page. Subtrees are skipped by
/// their `/Count`; a node visited twice (a cycle) is an error.
pub fn page_ref(
    doc: &PdfDocument<'_>,
    rev: usize,
    index: usize,
) -> Result<Result<(u32, u16), usize>, PdfError> {
    let trailer = &doc
        .revisions
        .get(rev)
        .ok_or(PdfError::syntax(0, "no such revision"))?
        .trailer;
    let root = trailer
        .get(b"Root")
        .ok_or(PdfError::syntax(0, "trailer has no /Root"))?;
    let catalog = doc
        .resolve(root, rev)?
        .ok_or(PdfError::syntax(0, "/Root does not resolve"))?;
    let catalog = catalog
        .as_dict()
        .ok_or(PdfError::syntax(0, "/Root is not a dictionary"))?;
    let Some(Object::Ref(n, g)) = catalog.get(b"Pages") else {
        return Err(PdfError::syntax(0, "catalog has no /Pages reference"));
    };
    let mut visited = HashSet::new();
    let mut skipped = 0usize;
    let mut node = (*n, *g);
    for _ in 0..MAX_TREE_DEPTH {
        if !visited.insert(node) {
            return Err(PdfError::syntax(0, "the page tree loops"));
        }
        let obj = doc
            .get(node.0, rev)?
            .ok_or(PdfError::syntax(0, "a page tree node is missing"))?;
        let dict = obj
            .as_dict()
            .ok_or(PdfError::syntax(0, "a page tree node is not a dictionary"))?;
        if !dict.name_is(b"Type", b"Pages") {
            return Ok(if skipped == index {
                Ok(node)
            } else {
                Err(skipped + 1)
            });
        }
        let kids = match dict.get(b"Kids") {
            Some(k) => doc.resolve(k, rev)?,
            None => None,
        };
        let kids = kids
            .as_deref()
            .and_then(Object::as_array)
            .ok_or(PdfError::syntax(0, "a page tree node has no /Kids array"))?
            .to_vec();
        let mut next = None;
        for kid in &kids {
            let Object::Ref(kn, kg) = kid else {
                return Err(PdfError::syntax(0, "a /Kids entry is not a reference"));
            };
            let kid_obj = doc
                .get(*kn, rev)?
                .ok_or(PdfError::syntax(0, "a page tree node is missing"))?;
            let kid_dict = kid_obj
                .as_dict()
                .ok_or(PdfError::syntax(0, "a page tree node is not a dictionary"))?;
            let count = if kid_dict.name_is(b"Type", b"Pages") {
                usize::try_from(kid_dict.get_int(b"Count").unwrap_or(0)).unwrap_or(0)
            } else {
                1
            };
            if index < skipped + count {
                next = Some((*kn, *kg));
                break;
            }
            skipped += count;
        }
        match next {
            Some(n) => node = n,
            None => return Ok(Err(skipped)),
        }
    }
    Err(PdfError::Limit {
        what: "page tree depth",
    })
}
