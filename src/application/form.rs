//! Document kinds as the online service offers them. The templates in
//! `templates/` are the only source: each yields one [`KindSpec`] (what the
//! pages and the API show), and a submission is validated by the template's
//! own field checks (`document::validate`), so the web form, the API and the
//! CLI refuse exactly the same values with the same Chinese messages.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::document::{self, FieldError, FieldKind, Filled, Template, Templates};
use crate::domain::SealLevel;

/// The field every kind has: the applicant's name (kept in its own column
/// for the review queue).
pub const APPLICANT_NAME: &str = "applicant_name";

/// How many item rows a list field offers on the HTML form.
pub const LIST_ROWS: usize = 4;

/// One form field as the pages and the API describe it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FieldView {
    pub name: String,
    /// The label shown to residents (Chinese).
    pub label: String,
    /// `name`, `id_number`, `phone`, `date`, `date_range`, `area`,
    /// `address`, `text`, `choice` or `list`.
    #[schema(value_type = String)]
    pub kind: FieldKind,
    pub required: bool,
    pub choices: Vec<String>,
    pub max_len: Option<usize>,
    /// A text area: the only fields that may hold line breaks.
    pub multi_line: bool,
    /// An example value (also the form's placeholder).
    pub example: String,
    /// For lists: the fields of one item.
    #[schema(no_recursion)]
    pub item_fields: Vec<FieldView>,
}

impl FieldView {
    fn of(f: &document::FieldSpec) -> Self {
        Self {
            name: f.name.clone(),
            label: f.label.clone(),
            kind: f.kind,
            required: f.required,
            choices: f.choices.clone(),
            max_len: f.max_len,
            multi_line: f.multi_line(),
            example: f.example.clone(),
            item_fields: f.item_fields.iter().map(Self::of).collect(),
        }
    }
}

/// A kind of document the service issues.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct KindSpec {
    /// Stable name: `business_premises`, `exit_entry`.
    pub kind: String,
    /// Title shown to residents: 经营场所证明.
    pub title: String,
    /// One sentence for the kind picker.
    pub summary: String,
    /// Seal levels that may issue it (`district`, `town`, `village`).
    #[schema(value_type = Vec<String>)]
    pub levels: Vec<SealLevel>,
    pub fields: Vec<FieldView>,
}

impl KindSpec {
    fn of(t: &Template) -> Self {
        Self {
            kind: t.id.clone(),
            title: t.title.clone(),
            summary: t.summary.clone(),
            levels: t.levels.clone(),
            fields: t.fields.iter().map(FieldView::of).collect(),
        }
    }
}

/// The kinds on offer, from the installation's templates.
#[derive(Debug, Clone)]
pub struct Catalog {
    templates: Arc<Templates>,
    kinds: Arc<Vec<KindSpec>>,
    /// The document font, to refuse at submission what it cannot draw
    /// (`None`: the default font).
    font: Option<Arc<crate::font::FontBook>>,
}

impl Catalog {
    pub fn new(templates: Arc<Templates>) -> Self {
        let kinds = templates.by_id.values().map(KindSpec::of).collect();
        Self {
            templates,
            kinds: Arc::new(kinds),
            font: None,
        }
    }
    /// The catalog checking submissions against the installation's font.
    pub fn with_font(mut self, font: Arc<crate::font::FontBook>) -> Self {
        self.font = Some(font);
        self
    }
    /// The font documents are drawn in.
    pub fn font(&self) -> Result<Arc<crate::font::FontBook>, crate::font::FontError> {
        match &self.font {
            Some(f) => Ok(f.clone()),
            None => crate::font::shared(),
        }
    }
    pub fn templates(&self) -> &Arc<Templates> {
        &self.templates
    }
    pub fn kinds(&self) -> &[KindSpec] {
        &self.kinds
    }
    pub fn kind(&self, kind: &str) -> Option<&KindSpec> {
        self.kinds.iter().find(|k| k.kind == kind)
    }
    /// What a document of `kind` is called on pages: its template's title,
    /// or for a PDF from outside stamped by `eseal sign` 加盖电子印章的文件.
    pub fn title_of(&self, kind: &str) -> String {
        match self.kind(kind) {
            Some(k) => k.title.clone(),
            None if kind == crate::issuance::SIGNED_FILE_KIND => "加盖电子印章的文件".into(),
            None => kind.to_string(),
        }
    }
    /// Validate values for `kind` with the template's checks.
    pub fn validate(&self, kind: &str, values: &Value) -> Result<Filled, Vec<FieldError>> {
        match self.templates.get(kind) {
            Some(t) => document::validate(t, values),
            None => Err(vec![FieldError {
                field: "kind".into(),
                label: "证明种类".into(),
                message: "没有这种证明".into(),
            }]),
        }
    }
}

/// Turn an HTML form's pairs into the JSON object the templates check.
/// List fields arrive as `relatives.0.name`, `relatives.0.relationship`, ...;
/// rows left entirely empty are dropped. Keys outside the template are kept
/// so that validation names them.
pub fn from_form_pairs(spec: &KindSpec, pairs: &[(String, String)]) -> Value {
    let mut obj = serde_json::Map::new();
    let mut lists: BTreeMap<&str, BTreeMap<usize, serde_json::Map<String, Value>>> =
        BTreeMap::new();
    for (k, v) in pairs {
        if let Some((list, rest)) = k.split_once('.')
            && let Some(f) = spec
                .fields
                .iter()
                .find(|f| f.name == list && f.kind == FieldKind::List)
            && let Some((row, item)) = rest.split_once('.')
            && let Ok(row) = row.parse::<usize>()
            && row < 20
        {
            if f.item_fields.iter().any(|i| i.name == item) && !v.trim().is_empty() {
                lists
                    .entry(f.name.as_str())
                    .or_default()
                    .entry(row)
                    .or_default()
                    .insert(item.to_string(), Value::String(v.clone()));
            }
            continue;
        }
        obj.insert(k.clone(), Value::String(v.clone()));
    }
    for f in spec.fields.iter().filter(|f| f.kind == FieldKind::List) {
        let rows = lists
            .remove(f.name.as_str())
            .map(|m| m.into_values().map(Value::Object).collect())
            .unwrap_or_default();
        obj.insert(f.name.clone(), Value::Array(rows));
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let t = Templates::builtin().expect("templates");
        Catalog::new(Arc::new(t))
    }

    #[test]
    fn kinds_come_from_the_templates() {
        let c = catalog();
        let names: Vec<_> = c.kinds().iter().map(|k| k.kind.as_str()).collect();
        assert!(names.contains(&"business_premises"));
        assert!(names.contains(&"exit_entry"));
        assert!(names.contains(&"residence"));
        for k in c.kinds() {
            assert!(
                k.fields.iter().any(|f| f.name == APPLICANT_NAME),
                "{}",
                k.kind
            );
            assert!(!k.summary.is_empty(), "{} has no summary", k.kind);
        }
    }

    #[test]
    fn form_pairs_become_lists_and_empty_rows_are_dropped() {
        let c = catalog();
        let spec = c.kind("exit_entry").expect("exit_entry");
        let pairs: Vec<(String, String)> = [
            ("applicant_name", "王秀英"),
            ("relatives.0.name", "张建军"),
            ("relatives.0.relationship", "丈夫"),
            ("relatives.0.id_number", "320707198310200010"),
            ("relatives.1.name", ""),
            ("relatives.1.relationship", ""),
            ("relatives.9.bogus", "x"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let v = from_form_pairs(spec, &pairs);
        assert_eq!(v["relatives"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["relatives"][0]["relationship"], "丈夫");
        assert_eq!(v["applicant_name"], "王秀英");
    }

    #[test]
    fn a_bad_value_gets_the_templates_chinese_message() {
        let c = catalog();
        let t = c.templates().get("business_premises").expect("template");
        let mut v = document::sample(t);
        v["applicant_id"] = Value::String("320707198506150829".into());
        let errs = c.validate("business_premises", &v).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "applicant_id");
        assert!(errs[0].message.contains("校验"), "{}", errs[0].message);
        assert!(c.validate("nope", &v).is_err());
    }
}
