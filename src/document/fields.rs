//! Checking an application's field values against its template. Every value
//! goes through the domain type of its field; the result holds the text each
//! placeholder renders as.

use std::collections::BTreeMap;

use serde_json::Value;

use super::template::{DEFAULT_TEXT_MAX, FieldKind, FieldSpec, Template};
use crate::domain::{
    Address, Area, BoundedText, CivilDate, DateRange, IdNumber, PersonName, Phone,
};

/// A field that failed validation; the message is in Chinese for forms.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[error("{label}：{message}")]
pub struct FieldError {
    pub field: String,
    pub label: String,
    pub message: String,
}

/// Validated values: placeholder -> rendered text, plus the normalised JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    pub text: BTreeMap<String, String>,
    pub json: Value,
}

fn err(f: &FieldSpec, message: impl Into<String>) -> FieldError {
    FieldError {
        field: f.name.clone(),
        label: f.label.clone(),
        message: message.into(),
    }
}

/// Check one scalar value; returns (display text, normalised value).
fn check_scalar(f: &FieldSpec, raw: &str) -> Result<(String, String), String> {
    Ok(match f.kind {
        FieldKind::Name => {
            let v = PersonName::parse(raw)?;
            (v.as_str().to_string(), v.as_str().to_string())
        }
        FieldKind::IdNumber => {
            let v = IdNumber::parse(raw)?;
            (v.to_string(), v.to_string())
        }
        FieldKind::Phone => {
            let v = Phone::parse(raw)?;
            (v.as_str().to_string(), v.as_str().to_string())
        }
        FieldKind::Date => {
            let v = CivilDate::parse(raw)?;
            (v.chinese(), v.0.to_string())
        }
        FieldKind::DateRange => {
            let v = DateRange::parse(raw)?;
            (v.chinese(), format!("{}至{}", v.start.0, v.end.0))
        }
        FieldKind::Area => {
            let v = Area::parse(raw)?;
            (v.display(), v.display())
        }
        FieldKind::Address => {
            let v = Address::parse(raw)?;
            (v.as_str().to_string(), v.as_str().to_string())
        }
        FieldKind::Text => {
            let v = BoundedText::parse(raw, f.max_len.unwrap_or(DEFAULT_TEXT_MAX), f.multi_line())?;
            (v.as_str().to_string(), v.as_str().to_string())
        }
        FieldKind::Choice => {
            let v = raw.trim();
            if !f.choices.iter().any(|c| c == v) {
                return Err(format!("应为以下之一：{}", f.choices.join("、")));
            }
            (v.to_string(), v.to_string())
        }
        FieldKind::List => return Err("内部错误：列表字段不能按单值检查".into()),
    })
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Validate `values` (a JSON object) against `template`.
/// Returns every field error at once, so a form can show them all.
pub fn validate(template: &Template, values: &Value) -> Result<Filled, Vec<FieldError>> {
    let obj = match values {
        Value::Object(m) => m.clone(),
        _ => {
            return Err(vec![FieldError {
                field: String::new(),
                label: "表单".into(),
                message: "应为字段对象".into(),
            }]);
        }
    };
    let mut errors = Vec::new();
    let mut text = BTreeMap::new();
    let mut json = serde_json::Map::new();
    for key in obj.keys() {
        if template.field(key).is_none() {
            errors.push(FieldError {
                field: key.clone(),
                label: key.clone(),
                message: "不是此证明的字段".into(),
            });
        }
    }
    for f in &template.fields {
        let v = obj
            .get(&f.name)
            .filter(|v| !v.is_null() && !(v.as_str().is_some_and(|s| s.trim().is_empty())));
        if f.kind == FieldKind::List {
            let items = match v {
                None => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                    Ok(Value::Array(a)) => a,
                    _ => {
                        errors.push(err(f, "应为列表"));
                        continue;
                    }
                },
                Some(_) => {
                    errors.push(err(f, "应为列表"));
                    continue;
                }
            };
            if items.is_empty() && f.required {
                errors.push(err(f, "至少填写一项"));
                continue;
            }
            if items.len() > 20 {
                errors.push(err(f, "最多20项"));
                continue;
            }
            let mut rendered = Vec::new();
            let mut norm_items = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let mut line = f.item_format.clone().unwrap_or_default();
                let mut norm = serde_json::Map::new();
                for sub in &f.item_fields {
                    let raw = item.get(&sub.name).and_then(as_text).unwrap_or_default();
                    if raw.trim().is_empty() {
                        errors.push(err(f, format!("第{}项的{}不能为空", i + 1, sub.label)));
                        continue;
                    }
                    match check_scalar(sub, &raw) {
                        Ok((shown, stored)) => {
                            line = line.replace(&format!("{{{}}}", sub.name), &shown);
                            norm.insert(sub.name.clone(), Value::String(stored));
                        }
                        Err(m) => errors.push(err(f, format!("第{}项的{}{}", i + 1, sub.label, m))),
                    }
                }
                rendered.push(line);
                norm_items.push(Value::Object(norm));
            }
            let shown = if rendered.is_empty() {
                f.empty.clone().unwrap_or_else(|| "无".into())
            } else {
                rendered.join("；")
            };
            text.insert(f.name.clone(), shown);
            json.insert(f.name.clone(), Value::Array(norm_items));
            continue;
        }
        let Some(v) = v else {
            if f.required {
                errors.push(err(f, "必填"));
            } else {
                text.insert(f.name.clone(), String::new());
            }
            continue;
        };
        let Some(raw) = as_text(v) else {
            errors.push(err(f, "应为文字"));
            continue;
        };
        match check_scalar(f, &raw) {
            Ok((shown, stored)) => {
                text.insert(f.name.clone(), shown);
                json.insert(f.name.clone(), Value::String(stored));
            }
            Err(m) => errors.push(err(f, m)),
        }
    }
    if errors.is_empty() {
        Ok(Filled {
            text,
            json: Value::Object(json),
        })
    } else {
        Err(errors)
    }
}

/// The example values of a template (what `--sample` fills in).
pub fn sample(template: &Template) -> Value {
    let mut m = serde_json::Map::new();
    for f in &template.fields {
        let v = if f.kind == FieldKind::List {
            serde_json::from_str(&f.example).unwrap_or(Value::Array(vec![]))
        } else {
            Value::String(f.example.clone())
        };
        m.insert(f.name.clone(), v);
    }
    Value::Object(m)
}
