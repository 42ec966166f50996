//! What later revisions may change (ISO 32000-1 §12.8.2.2 DocMDP, §12.8.2.4
//! FieldMDP): the certification signature's /P level, and the form fields
//! locked by signature fields' /Lock dictionaries, as of the signed revision.
//! Without a certification signature, form filling and further signatures
//! are allowed (P=2), as in pyHanko's default.

use std::collections::HashSet;

use super::signature_field::pdf_text;
use crate::pdf::{Dict, Object, PdfDocument, PdfError};

/// Deepest /Parent chain followed for a field's full name.
const MAX_PARENTS: usize = 32;

#[derive(Debug, Clone)]
pub struct Permissions {
    /// DocMDP level: 1 no changes, 2 form filling and signing, 3 also annotations.
    pub level: u8,
    /// Whether a certification signature set `level`.
    pub certified: bool,
    /// Field names (fully qualified) that no later revision may change.
    pub locked: HashSet<String>,
    /// Every field is locked (a /Lock with /Action /All).
    pub all_locked: bool,
    /// /Lock /Action /Exclude: every field except these is locked.
    pub locked_except: Option<HashSet<String>>,
}

impl Permissions {
    pub fn is_locked(&self, name: &str) -> bool {
        self.all_locked
            || self.locked.contains(name)
            || self
                .locked_except
                .as_ref()
                .is_some_and(|ex| !ex.contains(name))
    }

    /// Read the permissions in force at revision `rev`.
    pub fn at(doc: &PdfDocument<'_>, rev: usize) -> Result<Self, PdfError> {
        let mut p = Permissions {
            level: 2,
            certified: false,
            locked: HashSet::new(),
            all_locked: false,
            locked_except: None,
        };
        let trailer = &doc.revisions[rev].trailer;
        let Some(cat) = doc.get_key(trailer, b"Root", rev)? else {
            return Ok(p);
        };
        let Some(cat) = cat.as_dict() else {
            return Ok(p);
        };
        if let Some(perms) = doc.get_key(cat, b"Perms", rev)?
            && let Some(sig) = perms
                .as_dict()
                .map(|d| doc.get_key(d, b"DocMDP", rev))
                .transpose()?
                .flatten()
            && let Some(level) = sig
                .as_dict()
                .map(|d| docmdp_level(doc, d, rev))
                .transpose()?
        {
            p.level = level.unwrap_or(2);
            p.certified = true;
        }
        // /Lock dictionaries of signed signature fields.
        let Some(form) = doc.get_key(cat, b"AcroForm", rev)? else {
            return Ok(p);
        };
        let Some(fields) = form
            .as_dict()
            .map(|d| doc.get_key(d, b"Fields", rev))
            .transpose()?
            .flatten()
        else {
            return Ok(p);
        };
        let mut stack: Vec<Object> = fields.as_array().unwrap_or(&[]).to_vec();
        let mut budget = 10_000usize;
        let mut seen = HashSet::new();
        while let Some(f) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            if let Some((n, _)) = f.as_ref()
                && !seen.insert(n)
            {
                continue;
            }
            let Some(o) = doc.resolve(&f, rev)? else {
                continue;
            };
            let Some(d) = o.as_dict() else { continue };
            if let Some(kids) = doc.get_key(d, b"Kids", rev)? {
                stack.extend(kids.as_array().unwrap_or(&[]).iter().cloned());
            }
            if d.get(b"V").is_none() {
                continue; // an unsigned field's lock takes effect when it is signed
            }
            let Some(lock) = doc.get_key(d, b"Lock", rev)? else {
                continue;
            };
            let Some(lock) = lock.as_dict() else { continue };
            let names = || -> Result<HashSet<String>, PdfError> {
                let mut out = HashSet::new();
                if let Some(a) = doc.get_key(lock, b"Fields", rev)? {
                    for x in a.as_array().unwrap_or(&[]) {
                        if let Some(Object::Str { bytes, .. }) = doc.resolve(x, rev)?.as_deref() {
                            out.insert(pdf_text(bytes));
                        }
                    }
                }
                Ok(out)
            };
            match lock.get(b"Action").and_then(Object::as_name) {
                Some(b"All") => p.all_locked = true,
                Some(b"Include") => p.locked.extend(names()?),
                Some(b"Exclude") => p.locked_except = Some(names()?),
                _ => {}
            }
            if let Some(perm) = lock.get_int(b"P") {
                p.level = p.level.min(perm.clamp(1, 3) as u8);
            }
        }
        Ok(p)
    }
}

/// /P of the DocMDP transform in a signature's /Reference array.
fn docmdp_level(doc: &PdfDocument<'_>, sig: &Dict, rev: usize) -> Result<Option<u8>, PdfError> {
    let Some(refs) = doc.get_key(sig, b"Reference", rev)? else {
        return Ok(None);
    };
    for r in refs.as_array().unwrap_or(&[]) {
        let Some(r) = doc.resolve(r, rev)? else {
            continue;
        };
        let Some(r) = r.as_dict() else { continue };
        if !r.name_is(b"TransformMethod", b"DocMDP") {
            continue;
        }
        let params = doc.get_key(r, b"TransformParams", rev)?;
        let p = params
            .as_deref()
            .and_then(Object::as_dict)
            .and_then(|d| d.get_int(b"P"))
            .unwrap_or(2);
        return Ok(Some(p.clamp(1, 3) as u8));
    }
    Ok(None)
}

/// The fully qualified name of a field (its /T joined with its parents').
pub fn field_name(doc: &PdfDocument<'_>, field: &Dict, rev: usize) -> Result<String, PdfError> {
    let mut parts = Vec::new();
    let mut cur: Option<Dict> = Some(field.clone());
    for _ in 0..MAX_PARENTS {
        let Some(d) = cur.take() else { break };
        if let Some(Object::Str { bytes, .. }) = d.get(b"T") {
            parts.push(pdf_text(bytes));
        }
        cur = match d.get(b"Parent") {
            Some(p) => doc.resolve(p, rev)?.and_then(|o| o.as_dict().cloned()),
            None => None,
        };
    }
    parts.reverse();
    Ok(parts.join("."))
}
