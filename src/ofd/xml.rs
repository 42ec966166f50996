//! XML parts, read bounded into a small tree and written back.
//!
//! Reading refuses what no OFD part needs and what attacks use: any
//! document type declaration (so no entity can be defined, let alone
//! expanded), references to entities other than the five predefined ones,
//! text that is not UTF-8, and parts larger, deeper or with more elements
//! than [`XmlLimits`] allows. Names keep their prefix (`ofd:Page`), so a
//! tree written back declares the same namespaces; lookups compare the
//! local name.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::OfdError;

/// Bounds on one XML part.
#[derive(Debug, Clone)]
pub struct XmlLimits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
    pub max_attributes: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self {
            max_bytes: 8 << 20,
            max_depth: 64,
            max_elements: 200_000,
            max_attributes: 64,
        }
    }
}

/// An element: its qualified name, attributes in order, children and the
/// text directly inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

impl Element {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }

    /// The name without its prefix.
    pub fn local_name(&self) -> &str {
        local(&self.name)
    }

    /// The attribute with local name `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| !k.starts_with("xmlns") && local(k) == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with local name `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.local_name() == name)
    }

    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.children.iter_mut().find(|c| c.local_name() == name)
    }

    /// The children with local name `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.local_name() == name)
    }

    /// The element reached by following `path` (local names) from here.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, n| e.child(n))
    }

    /// The text inside, trimmed.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The namespace prefix of this element's name (`ofd`), if any.
    pub fn prefix(&self) -> Option<&str> {
        self.name.split_once(':').map(|(p, _)| p)
    }

    /// A child element named with this element's prefix.
    pub fn sibling_name(&self, local: &str) -> String {
        match self.prefix() {
            Some(p) => format!("{p}:{local}"),
            None => local.to_string(),
        }
    }
}

fn resolve_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// Parse `bytes` (the part named `part`) within `limits`.
pub fn parse(part: &str, bytes: &[u8], limits: &XmlLimits) -> Result<Element, OfdError> {
    let limit = |what: String| OfdError::XmlLimit {
        part: part.to_string(),
        what,
    };
    if bytes.len() > limits.max_bytes {
        return Err(limit(format!(
            "{} bytes, at most {}",
            bytes.len(),
            limits.max_bytes
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|e| OfdError::xml(part, format!("not UTF-8: {e}")))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let open = |e: &BytesStart<'_>, count: &mut usize, depth: usize| -> Result<Element, OfdError> {
        *count += 1;
        if *count > limits.max_elements {
            return Err(limit(format!("more than {} elements", limits.max_elements)));
        }
        if depth >= limits.max_depth {
            return Err(limit(format!("nested deeper than {}", limits.max_depth)));
        }
        let mut el = Element::new(e.name().as_ref());
        for a in e.attributes() {
            let a = a.map_err(|e| OfdError::xml(part, e))?;
            if el.attrs.len() >= limits.max_attributes {
                return Err(limit(format!(
                    "more than {} attributes",
                    limits.max_attributes
                )));
            }
            let key: &str = a.key.as_ref();
            // The five predefined entities and character references only.
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| OfdError::xml(part, format!("attribute {key}: {e}")))?;
            el.attrs.push((key.to_string(), value.into_owned()));
        }
        Ok(el)
    };
    loop {
        let ev = reader.read_event().map_err(|e| OfdError::xml(part, e))?;
        match ev {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(OfdError::xml(part, "content after the root element"));
                }
                let el = open(&e, &mut count, stack.len())?;
                stack.push(el);
            }
            Event::Empty(e) => {
                if root.is_some() {
                    return Err(OfdError::xml(part, "content after the root element"));
                }
                let el = open(&e, &mut count, stack.len())?;
                match stack.last_mut() {
                    Some(p) => p.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                // quick-xml checks that end tags match their start tags.
                let Some(el) = stack.pop() else {
                    return Err(OfdError::xml(part, "unmatched end tag"));
                };
                match stack.last_mut() {
                    Some(p) => p.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                match stack.last_mut() {
                    Some(p) => p.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(OfdError::xml(part, "text outside the root element")),
                }
            }
            Event::CData(t) => {
                if let Some(p) = stack.last_mut() {
                    p.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => {
                        let name = r.xml10_content();
                        resolve_entity(&name).ok_or_else(|| {
                            OfdError::xml(part, format!("undefined entity &{name};"))
                        })?
                    }
                    Err(e) => return Err(OfdError::xml(part, e)),
                };
                if let Some(p) = stack.last_mut() {
                    p.text.push(c);
                }
            }
            Event::DocType(_) => {
                return Err(OfdError::Doctype {
                    part: part.to_string(),
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(OfdError::xml(part, "unclosed element at the end"));
    }
    root.ok_or_else(|| OfdError::xml(part, "no root element"))
}

/// Write `root` as a UTF-8 XML document.
pub fn write(root: &Element) -> Vec<u8> {
    let mut w = Writer::new(Vec::with_capacity(4096));
    // Writing to a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    write_element(&mut w, root);
    w.into_inner()
}

fn write_element(w: &mut Writer<Vec<u8>>, e: &Element) {
    let mut start = BytesStart::new(e.name.as_str());
    for (k, v) in &e.attrs {
        start.push_attribute((k.as_str(), v.as_str()));
    }
    if e.children.is_empty() && e.text.is_empty() {
        let _ = w.write_event(Event::Empty(start));
        return;
    }
    let _ = w.write_event(Event::Start(start));
    if !e.text.is_empty() {
        let _ = w.write_event(Event::Text(BytesText::new(&e.text)));
    }
    for c in &e.children {
        write_element(w, c);
    }
    let _ = w.write_event(Event::End(BytesEnd::new(e.name.as_str())));
}

/// Building trees to write: `el("ofd:Page").attr("ID", "1").child(...)`.
impl Element {
    pub fn with_attr(mut self, k: &str, v: impl Into<String>) -> Self {
        self.attrs.push((k.to_string(), v.into()));
        self
    }
    pub fn with_child(mut self, c: Element) -> Self {
        self.children.push(c);
        self
    }
    pub fn with_children(mut self, c: impl IntoIterator<Item = Element>) -> Self {
        self.children.extend(c);
        self
    }
    pub fn with_text(mut self, t: impl Into<String>) -> Self {
        self.text = t.into();
        self
    }
}

/// A new element named `name`.
pub fn el(name: &str) -> Element {
    Element::new(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Element, OfdError> {
        parse("t.xml", s.as_bytes(), &XmlLimits::default())
    }

    #[test]
    fn reads_what_it_writes() {
        let tree = el("ofd:OFD")
            .with_attr("xmlns:ofd", super::super::NS)
            .with_child(
                el("ofd:DocBody").with_child(el("ofd:DocRoot").with_text("Doc_0/Document.xml")),
            )
            .with_child(el("ofd:T").with_attr("A", "a<&\"b").with_text("x & y <z>"));
        let bytes = write(&tree);
        let back = p(std::str::from_utf8(&bytes).unwrap()).unwrap();
        assert_eq!(back, tree);
        assert_eq!(
            back.at(&["DocBody", "DocRoot"]).unwrap().text(),
            "Doc_0/Document.xml"
        );
        assert_eq!(back.child("T").unwrap().attr("A"), Some("a<&\"b"));
    }

    #[test]
    fn entities_dtds_depth_and_size_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><r>&b;</r>"#;
        assert!(matches!(p(bomb), Err(OfdError::Doctype { .. })));
        assert!(matches!(p("<r>&ext;</r>"), Err(OfdError::Xml { .. })));
        assert_eq!(p("<r>&#x4E2D;&amp;</r>").unwrap().text, "中&");
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(matches!(p(&deep), Err(OfdError::XmlLimit { .. })));
        let small = XmlLimits {
            max_bytes: 10,
            ..XmlLimits::default()
        };
        assert!(matches!(
            parse("t", b"<a>0123456789</a>", &small),
            Err(OfdError::XmlLimit { .. })
        ));
        assert!(p("<a><b></a>").is_err());
        assert!(p("<a/><b/>").is_err());
        assert!(parse("t", b"<a>\xff</a>", &XmlLimits::default()).is_err());
    }
}
