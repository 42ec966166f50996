//! The signature parts of GB/T 33190 §18 (and GM/T 0099): the list
//! `Signatures.xml` and each signature's `Signature.xml`:
//!
//! ```text
//! <ofd:Signature>
//!   <ofd:SignedInfo>
//!     <ofd:Provider ProviderName=".." Version=".." Company=".."/>
//!     <ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>
//!     <ofd:SignatureDateTime>20261125093000Z</ofd:SignatureDateTime>
//!     <ofd:References CheckMethod="1.2.156.10197.1.401">
//!       <ofd:Reference FileRef="/Doc_0/Document.xml"><ofd:CheckValue>base64</ofd:CheckValue></ofd:Reference>
//!     </ofd:References>
//!     <ofd:StampAnnot ID="1" PageRef="1" Boundary="x y w h"/>
//!     <ofd:Seal><ofd:BaseLoc>/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc></ofd:Seal>
//!   </ofd:SignedInfo>
//!   <ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue>
//! </ofd:Signature>
//! ```
//!
//! Producers order the children of `SignedInfo` differently; reading
//! looks them up by name.

use base64::Engine;

use super::structure::{dir_of, resolve};
use super::xml::{self, Element, XmlLimits, el};
use super::{NS, OfdError, Package};

/// OID of SM3, the `CheckMethod` we write.
pub const CHECK_METHOD_SM3: &str = "1.2.156.10197.1.401";
/// OID of sm2-with-sm3, the `SignatureMethod` we write.
pub const SIGNATURE_METHOD_SM2: &str = "1.2.156.10197.1.501";

/// One entry of `Signatures.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSignature {
    pub id: String,
    /// `Seal` (电子签章) or `Sign` (a plain signature); `Seal` if absent.
    pub kind: String,
    /// The entry of its `Signature.xml`.
    pub signature_xml: String,
}

/// `Signatures.xml`, as parsed (kept to append to) and its entries.
#[derive(Debug, Clone)]
pub struct SignatureList {
    pub tree: Element,
    pub max_id: u64,
    pub entries: Vec<ListedSignature>,
}

/// Read the signatures list at entry `path`.
pub fn read_list(pkg: &Package, path: &str, limits: &XmlLimits) -> Result<SignatureList, OfdError> {
    let tree = xml::parse(path, pkg.need(path)?, limits)?;
    if tree.local_name() != "Signatures" {
        return Err(OfdError::Structure(format!(
            "{path}'s root is <{}>",
            tree.name
        )));
    }
    let max_id = tree
        .child("MaxSignId")
        .and_then(|m| m.text().parse().ok())
        .unwrap_or(0);
    let mut entries = Vec::new();
    for s in tree.children_named("Signature") {
        let loc = s
            .attr("BaseLoc")
            .ok_or_else(|| OfdError::Structure(format!("{path}: a Signature has no BaseLoc")))?;
        entries.push(ListedSignature {
            id: s.attr("ID").unwrap_or_default().to_string(),
            kind: s.attr("Type").unwrap_or("Seal").to_string(),
            signature_xml: resolve(dir_of(path), loc)?,
        });
    }
    Ok(SignatureList {
        tree,
        max_id,
        entries,
    })
}

/// A new, empty signatures list.
pub fn new_list() -> SignatureList {
    SignatureList {
        tree: el("ofd:Signatures").with_attr("xmlns:ofd", NS),
        max_id: 0,
        entries: Vec::new(),
    }
}

impl SignatureList {
    /// Add a signature (its `Signature.xml` entry) and return its ID.
    pub fn add(&mut self, signature_xml: &str) -> String {
        let id = (self.max_id + 1).max(self.entries.len() as u64 + 1);
        self.max_id = id;
        let max_name = self.tree.sibling_name("MaxSignId");
        let sig_name = self.tree.sibling_name("Signature");
        self.tree.children.retain(|c| c.local_name() != "MaxSignId");
        self.tree
            .children
            .insert(0, el(&max_name).with_text(id.to_string()));
        self.tree.children.push(
            el(&sig_name)
                .with_attr("ID", id.to_string())
                .with_attr("Type", "Seal")
                .with_attr("BaseLoc", format!("/{signature_xml}")),
        );
        self.entries.push(ListedSignature {
            id: id.to_string(),
            kind: "Seal".into(),
            signature_xml: signature_xml.to_string(),
        });
        id.to_string()
    }

    pub fn to_xml(&self) -> Vec<u8> {
        xml::write(&self.tree)
    }
}

/// Where a seal's picture goes: a page (its object ID) and a rectangle in
/// mm (x, y from the top left; width, height).
#[derive(Debug, Clone, PartialEq)]
pub struct StampAnnot {
    pub page_ref: String,
    pub boundary: [f32; 4],
}

/// A file a signature protects, and its digest as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `FileRef` as written.
    pub file_ref: String,
    /// The entry it resolves to (`None` if it leaves the package).
    pub entry: Option<String>,
    /// The decoded `CheckValue` (`None` if it is not base64).
    pub check_value: Option<Vec<u8>>,
}

/// `Signature.xml`, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureXml {
    pub provider: Option<String>,
    pub signature_method: Option<String>,
    pub date_time: Option<String>,
    pub check_method: String,
    pub references: Vec<Reference>,
    pub stamp_annots: Vec<StampAnnot>,
    /// The entry of `Seal.esl`, if given.
    pub seal: Option<String>,
    /// The entry of `SignedValue.dat`.
    pub signed_value: String,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// A number as OFD writes it: at most three decimals, no trailing zeros,
/// as `format!("{v:.3}")` rounds it (ties to even) with the zeros trimmed.
/// Done in integers: a page has thousands of glyph positions, and float
/// formatting was a tenth of writing it.
pub fn fmt_num(v: f32) -> String {
    let mut s = String::with_capacity(12);
    push_num(&mut s, v);
    s
}

/// [`fmt_num`], appended to `out`.
pub fn push_num(out: &mut String, v: f32) {
    use std::fmt::Write;
    // Exact: an f32's 24 bits times 1000 fit an f64's 53.
    let m = (f64::from(v) * 1000.0).round_ties_even();
    if !m.is_finite() || m.abs() >= 1e15 {
        let _ = write!(out, "{v}");
        return;
    }
    let m = m as i64;
    if m == 0 {
        out.push('0');
        return;
    }
    if m < 0 {
        out.push('-');
    }
    let (int, mut frac) = (m.unsigned_abs() / 1000, m.unsigned_abs() % 1000);
    let _ = write!(out, "{int}");
    if frac != 0 {
        out.push('.');
        let mut div = 100;
        while frac != 0 {
            out.push(char::from(b'0' + (frac / div) as u8));
            frac %= div;
            div /= 10;
        }
    }
}

/// A rectangle or box as OFD writes it (`x y w h`, mm).
pub fn fmt_box(b: [f32; 4]) -> String {
    b.iter().map(|v| fmt_num(*v)).collect::<Vec<_>>().join(" ")
}

/// Read the `Signature.xml` at entry `path`.
pub fn read_signature(
    pkg: &Package,
    path: &str,
    limits: &XmlLimits,
) -> Result<SignatureXml, OfdError> {
    let t = xml::parse(path, pkg.need(path)?, limits)?;
    let st = |m: String| OfdError::Structure(format!("{path}: {m}"));
    if t.local_name() != "Signature" {
        return Err(st(format!("root is <{}>", t.name)));
    }
    let info = t
        .child("SignedInfo")
        .ok_or_else(|| st("no SignedInfo".into()))?;
    let dir = dir_of(path);
    let refs = info
        .child("References")
        .ok_or_else(|| st("no References".into()))?;
    let references = refs
        .children_named("Reference")
        .map(|r| {
            let file_ref = r.attr("FileRef").unwrap_or_default().to_string();
            Reference {
                entry: resolve("", &file_ref).ok(),
                check_value: r
                    .child("CheckValue")
                    .and_then(|c| b64().decode(c.text()).ok()),
                file_ref,
            }
        })
        .collect();
    let stamp_annots = info
        .children_named("StampAnnot")
        .map(|a| {
            let mut b = [0f32; 4];
            for (i, v) in a
                .attr("Boundary")
                .unwrap_or_default()
                .split_whitespace()
                .take(4)
                .enumerate()
            {
                b[i] = v.parse().unwrap_or(0.0);
            }
            StampAnnot {
                page_ref: a.attr("PageRef").unwrap_or_default().to_string(),
                boundary: b,
            }
        })
        .collect();
    let seal = match info.at(&["Seal", "BaseLoc"]) {
        Some(b) => Some(resolve(dir, b.text())?),
        None => None,
    };
    let signed_value = t
        .child("SignedValue")
        .ok_or_else(|| st("no SignedValue".into()))?;
    Ok(SignatureXml {
        provider: info
            .child("Provider")
            .and_then(|p| p.attr("ProviderName"))
            .map(str::to_string),
        signature_method: info.child("SignatureMethod").map(|m| m.text().to_string()),
        date_time: info
            .child("SignatureDateTime")
            .map(|m| m.text().to_string()),
        check_method: refs.attr("CheckMethod").unwrap_or("MD5").to_string(),
        references,
        stamp_annots,
        seal,
        signed_value: resolve(dir, signed_value.text())?,
    })
}

/// What a new `Signature.xml` says.
#[derive(Debug, Clone)]
pub struct NewSignature<'a> {
    pub provider: &'a str,
    pub version: &'a str,
    pub company: &'a str,
    /// `yyyyMMddHHmmssZ`, UTC.
    pub date_time: String,
    /// (entry, SM3 digest) of every protected file.
    pub references: Vec<(String, [u8; 32])>,
    pub stamp: StampAnnot,
    pub stamp_id: String,
    /// Entries of `Seal.esl` and `SignedValue.dat`.
    pub seal: String,
    pub signed_value: String,
}

/// Write a `Signature.xml`.
pub fn write_signature(s: &NewSignature<'_>) -> Vec<u8> {
    let refs = el("ofd:References")
        .with_attr("CheckMethod", CHECK_METHOD_SM3)
        .with_children(s.references.iter().map(|(entry, digest)| {
            el("ofd:Reference")
                .with_attr("FileRef", format!("/{entry}"))
                .with_child(el("ofd:CheckValue").with_text(b64().encode(digest)))
        }));
    let info = el("ofd:SignedInfo")
        .with_child(
            el("ofd:Provider")
                .with_attr("ProviderName", s.provider)
                .with_attr("Version", s.version)
                .with_attr("Company", s.company),
        )
        .with_child(el("ofd:SignatureMethod").with_text(SIGNATURE_METHOD_SM2))
        .with_child(el("ofd:SignatureDateTime").with_text(s.date_time.clone()))
        .with_child(refs)
        .with_child(
            el("ofd:StampAnnot")
                .with_attr("ID", s.stamp_id.clone())
                .with_attr("PageRef", s.stamp.page_ref.clone())
                .with_attr("Boundary", fmt_box(s.stamp.boundary)),
        )
        .with_child(el("ofd:Seal").with_child(el("ofd:BaseLoc").with_text(format!("/{}", s.seal))));
    let root = el("ofd:Signature")
        .with_attr("xmlns:ofd", NS)
        .with_child(info)
        .with_child(el("ofd:SignedValue").with_text(format!("/{}", s.signed_value)));
    xml::write(&root)
}

#[cfg(test)]
mod tests {
    /// What `fmt_num` replaced: float formatting, zeros trimmed.
    fn by_format(v: f32) -> String {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    }

    #[test]
    fn numbers_are_written_as_float_formatting_writes_them() {
        let mut v: Vec<f32> = vec![
            0.0, -0.0, 0.0005, 0.0625, -0.0625, 0.0015, 1.0, 210.0, 297.0, 0.1, -0.0004, 1.2345,
            99.9995, 12345.678, -3.5,
        ];
        // And a sweep of positions as a page has them (mm, 1/7 steps).
        v.extend((0..20_000).map(|i| i as f32 / 7.0 - 100.0));
        for x in v {
            assert_eq!(super::fmt_num(x), by_format(x), "{x:?}");
        }
    }
}
