//! Finding one's way through a package: `OFD.xml` names the document root
//! (`DocBody/DocRoot`) and its signatures list (`DocBody/Signatures`);
//! `Document.xml` lists the pages. Locations inside parts are absolute
//! (`/Doc_0/...`, from the package root) or relative to the part's folder;
//! both resolve here to entry names, never above the package root.

use super::xml::{self, Element, XmlLimits};
use super::{OfdError, Package};

/// The entry of the package's main part.
pub const OFD_XML: &str = "OFD.xml";

/// The folder of an entry name (`Doc_0/Signs` for `Doc_0/Signs/Signatures.xml`).
pub fn dir_of(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Resolve `loc`, written in a part inside folder `dir`, to an entry name.
pub fn resolve(dir: &str, loc: &str) -> Result<String, OfdError> {
    let loc = loc.trim();
    let bad = || OfdError::Structure(format!("location {loc:?} leaves the package"));
    if loc.is_empty() || loc.contains('\\') || loc.contains(':') {
        return Err(bad());
    }
    let (mut parts, rest): (Vec<&str>, &str) = match loc.strip_prefix('/') {
        Some(r) => (Vec::new(), r),
        None => (dir.split('/').filter(|s| !s.is_empty()).collect(), loc),
    };
    for c in rest.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or_else(bad)?;
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(bad());
    }
    Ok(parts.join("/"))
}

/// What `OFD.xml` says about the (first) document.
#[derive(Debug, Clone)]
pub struct DocRef {
    /// `OFD.xml` as parsed.
    pub ofd: Element,
    /// The entry of `Document.xml`, e.g. `Doc_0/Document.xml`.
    pub doc_root: String,
    /// The entry of the signatures list, if the document has one.
    pub signatures: Option<String>,
}

impl DocRef {
    /// The folder of the document (`Doc_0`).
    pub fn doc_dir(&self) -> &str {
        dir_of(&self.doc_root)
    }
}

/// Read `OFD.xml` and its first `DocBody`.
pub fn open(pkg: &Package, limits: &XmlLimits) -> Result<DocRef, OfdError> {
    let bytes = pkg.get(OFD_XML).ok_or(OfdError::NotOfd)?;
    let ofd = xml::parse(OFD_XML, bytes, limits)?;
    if ofd.local_name() != "OFD" {
        return Err(OfdError::Structure(format!(
            "OFD.xml's root is <{}>, not <ofd:OFD>",
            ofd.name
        )));
    }
    let body = ofd
        .child("DocBody")
        .ok_or_else(|| OfdError::Structure("OFD.xml has no DocBody".into()))?;
    let root = body
        .child("DocRoot")
        .ok_or_else(|| OfdError::Structure("OFD.xml has no DocBody/DocRoot".into()))?;
    let doc_root = resolve("", root.text())?;
    let signatures = match body.child("Signatures") {
        Some(s) => Some(resolve("", s.text())?),
        None => None,
    };
    Ok(DocRef {
        ofd,
        doc_root,
        signatures,
    })
}

/// A page: its object ID, its content part, and its size in mm.
#[derive(Debug, Clone)]
pub struct PageRef {
    pub id: String,
    pub content: String,
    /// `PhysicalBox` of the page (or of the document's default page area).
    pub size_mm: (f32, f32),
}

fn parse_box(s: &str) -> Option<[f32; 4]> {
    let v: Vec<f32> = s
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    <[f32; 4]>::try_from(v).ok()
}

/// The pages of the document, in order.
pub fn pages(pkg: &Package, doc: &DocRef, limits: &XmlLimits) -> Result<Vec<PageRef>, OfdError> {
    let d = xml::parse(&doc.doc_root, pkg.need(&doc.doc_root)?, limits)?;
    let default_box = d
        .at(&["CommonData", "PageArea", "PhysicalBox"])
        .and_then(|b| parse_box(b.text()))
        .unwrap_or([0.0, 0.0, 210.0, 297.0]);
    let list = d
        .child("Pages")
        .ok_or_else(|| OfdError::Structure(format!("{} has no Pages", doc.doc_root)))?;
    let mut out = Vec::new();
    for p in list.children_named("Page") {
        let id = p
            .attr("ID")
            .ok_or_else(|| OfdError::Structure("a Page has no ID".into()))?;
        let loc = p
            .attr("BaseLoc")
            .ok_or_else(|| OfdError::Structure(format!("page {id} has no BaseLoc")))?;
        let content = resolve(doc.doc_dir(), loc)?;
        let b = match pkg.get(&content) {
            Some(bytes) => xml::parse(&content, bytes, limits)?
                .at(&["Area", "PhysicalBox"])
                .and_then(|b| parse_box(b.text()))
                .unwrap_or(default_box),
            None => default_box,
        };
        out.push(PageRef {
            id: id.to_string(),
            content,
            size_mm: (b[2], b[3]),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_inside_the_package() {
        assert_eq!(
            resolve("Doc_0", "Pages/Page_0/Content.xml").unwrap(),
            "Doc_0/Pages/Page_0/Content.xml"
        );
        assert_eq!(
            resolve("Doc_0/Signs", "/Doc_0/Signs/Sign_0/Signature.xml").unwrap(),
            "Doc_0/Signs/Sign_0/Signature.xml"
        );
        assert_eq!(
            resolve("Doc_0/Signs/Sign_0", "./SignedValue.dat").unwrap(),
            "Doc_0/Signs/Sign_0/SignedValue.dat"
        );
        assert_eq!(
            resolve("Doc_0/Signs", "../Res/a.png").unwrap(),
            "Doc_0/Res/a.png"
        );
        assert!(resolve("Doc_0", "../../x").is_err());
        assert!(resolve("", "C:/x").is_err());
        assert!(resolve("", "/").is_err());
    }
}
