//! Every text a request carries — each string of a JSON body, at any
//! depth, and each value of a form — is checked for the characters no input
//! may hold ([`crate::domain::text`]) before a handler sees it. Line breaks
//! and tabs pass only in the fields that span lines (the templates' text
//! areas); passwords are not checked (never shown, never stored as text).

use serde_json::Value;

use super::ApiError;
use crate::application::Catalog;
use crate::domain::text;

/// The template field named `key` (the last part of a list item's
/// `list.0.name`), if any template has one.
fn field<'a>(catalog: &'a Catalog, key: &str) -> Option<&'a crate::document::FieldSpec> {
    let name = key.rsplit('.').next().unwrap_or(key);
    catalog.templates().by_id.values().find_map(|t| {
        t.fields
            .iter()
            .chain(t.fields.iter().flat_map(|f| f.item_fields.iter()))
            .find(|f| f.name == name)
    })
}

/// Check one value under `key`.
pub(crate) fn check(catalog: &Catalog, key: &str, value: &str) -> Result<(), ApiError> {
    if matches!(key, "password" | "new_password") {
        return Ok(());
    }
    let spec = field(catalog, key);
    let multi_line = spec.is_some_and(|f| f.multi_line());
    match text::refused(value, multi_line) {
        None => Ok(()),
        Some(m) => Err(ApiError::Invalid {
            field: key.to_string(),
            message: match spec {
                Some(f) => format!("{}：{m}", f.label),
                None => m.to_string(),
            },
        }),
    }
}

/// Check every string in `v`, each under the key of the object holding it.
pub(crate) fn check_json(catalog: &Catalog, v: &Value) -> Result<(), ApiError> {
    fn walk(catalog: &Catalog, key: &str, v: &Value) -> Result<(), ApiError> {
        match v {
            Value::String(s) => check(catalog, key, s),
            Value::Array(a) => a.iter().try_for_each(|v| walk(catalog, key, v)),
            Value::Object(m) => m.iter().try_for_each(|(k, v)| {
                check(catalog, "key", k)?;
                walk(catalog, k, v)
            }),
            _ => Ok(()),
        }
    }
    walk(catalog, "", v)
}

/// Check every name and value of a form.
pub(crate) fn check_form(catalog: &Catalog, pairs: &[(String, String)]) -> Result<(), ApiError> {
    pairs.iter().try_for_each(|(k, v)| {
        check(catalog, "key", k)?;
        check(catalog, k, v)
    })
}
