//! Document templates: one TOML file per kind in `templates/`, read at
//! start-up. A template names its fields (type, label, whether required,
//! an example) and its body text with `{field}` placeholders. An unknown
//! placeholder is refused at load with the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::SealLevel;

/// Errors loading templates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}:{line}: unknown placeholder {{{name}}}")]
    UnknownPlaceholder {
        file: String,
        line: usize,
        name: String,
    },
    #[error("{0}: cannot read templates: {1}")]
    Io(String, String),
}

/// The type of a field, each backed by a checked domain type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Name,
    IdNumber,
    Phone,
    Date,
    DateRange,
    Area,
    Address,
    Text,
    Choice,
    List,
}

/// One field of a template.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct FieldSpec {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub max_len: Option<usize>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// The example value `--sample` fills in (JSON text for lists).
    pub example: String,
    /// For lists: the fields of one item, and how an item is written.
    #[serde(default)]
    pub item_fields: Vec<FieldSpec>,
    #[serde(default)]
    pub item_format: Option<String>,
    /// For lists: the text when the list is empty.
    #[serde(default)]
    pub empty: Option<String>,
}

fn yes() -> bool {
    true
}

/// The longest a text field is when its template gives no `max_len`.
pub const DEFAULT_TEXT_MAX: usize = 100;

impl FieldSpec {
    /// A text field long enough to span lines (a text area on the form):
    /// the only kind of field that may hold line breaks.
    pub fn multi_line(&self) -> bool {
        self.kind == FieldKind::Text && self.max_len.unwrap_or(DEFAULT_TEXT_MAX) > 60
    }
}

/// A document kind.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Template {
    pub id: String,
    pub title: String,
    /// One sentence for the service's kind picker.
    #[serde(default)]
    pub summary: String,
    /// Seal levels that may issue this kind.
    pub levels: Vec<SealLevel>,
    pub body: String,
    pub fields: Vec<FieldSpec>,
}

impl Template {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Parse one template file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, TemplateError> {
        let invalid = |message: String| TemplateError::Invalid {
            file: file.to_string(),
            message,
        };
        let t: Template = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if t.id.is_empty() || !t.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(invalid(format!(
                "id {:?} must be lower-case letters and '_'",
                t.id
            )));
        }
        if t.levels.is_empty() {
            return Err(invalid("levels must name at least one seal level".into()));
        }
        let mut names = std::collections::HashSet::new();
        for f in &t.fields {
            if !names.insert(f.name.as_str()) {
                return Err(invalid(format!("field {} declared twice", f.name)));
            }
            if f.kind == FieldKind::Choice && f.choices.is_empty() {
                return Err(invalid(format!("field {}: a choice needs choices", f.name)));
            }
            if f.kind == FieldKind::List {
                let fmt = f.item_format.as_deref().ok_or_else(|| {
                    invalid(format!("field {}: a list needs item_format", f.name))
                })?;
                for p in placeholders(fmt) {
                    if !f.item_fields.iter().any(|i| i.name == p) {
                        let line = line_of(text, &format!("{{{p}}}"));
                        return Err(TemplateError::UnknownPlaceholder {
                            file: file.into(),
                            line,
                            name: p,
                        });
                    }
                }
            }
        }
        for p in placeholders(&t.body) {
            if t.field(&p).is_none() {
                let line = line_of(text, &format!("{{{p}}}"));
                return Err(TemplateError::UnknownPlaceholder {
                    file: file.into(),
                    line,
                    name: p,
                });
            }
        }
        Ok(t)
    }
}

/// Names inside `{...}` in order.
pub(crate) fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) => {
                out.push(after[..j].to_string());
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map(|i| text[..i].matches('\n').count() + 1)
        .unwrap_or(0)
}

/// The templates compiled in (file name, text). A test checks that this is
/// every file of `templates/`.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "business_premises.toml",
        include_str!("../../templates/business_premises.toml"),
    ),
    (
        "exit_entry.toml",
        include_str!("../../templates/exit_entry.toml"),
    ),
    (
        "residence.toml",
        include_str!("../../templates/residence.toml"),
    ),
];

/// All templates, by id.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub by_id: BTreeMap<String, Template>,
}

impl Templates {
    /// Load every `*.toml` in `dir`.
    pub fn load_dir(dir: &Path) -> Result<Self, TemplateError> {
        let io = |e: std::io::Error| TemplateError::Io(dir.display().to_string(), e.to_string());
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut by_id = BTreeMap::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(io)?;
            let t = Template::parse(&f.display().to_string(), &text)?;
            by_id.insert(t.id.clone(), t);
        }
        Ok(Self { by_id })
    }

    /// The templates built into the binary (the repository's `templates/`
    /// at build time), so an installed binary needs no source tree.
    pub fn builtin() -> Result<Self, TemplateError> {
        let mut by_id = BTreeMap::new();
        for (name, text) in BUILTIN {
            let t = Template::parse(&format!("(built-in) templates/{name}"), text)?;
            by_id.insert(t.id.clone(), t);
        }
        Ok(Self { by_id })
    }

    /// The templates an installation uses: the `templates` setting's
    /// directory, else the built-in ones.
    pub fn configured(dir: Option<&Path>) -> Result<Self, TemplateError> {
        match dir {
            Some(d) => Self::load_dir(d),
            None => Self::builtin(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Template> {
        self.by_id.get(id)
    }
}
