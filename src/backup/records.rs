//! What a backup holds, before encryption: JSON lines. First a [`Header`],
//! then for each table a line naming it and its columns followed by one
//! line per row (a JSON array: `null`, a number for BIGINT, a string for
//! TEXT, `{"b": base64}` for BYTEA), and last an [`End`] line with the
//! counts, so a backup cut short is told from a complete one even before
//! the cipher's own check.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::BackupError;
use super::schema::Kind;

pub const FORMAT: u32 = 1;

/// The first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// Unix seconds at the snapshot.
    pub created_at: i64,
    pub backend: String,
    /// The newest migration of the snapshot's database.
    pub schema_version: i64,
    pub master_key_fingerprint: String,
    /// `file` or `pkcs11`: with `pkcs11` the ECDSA keys are on the token,
    /// and the backup holds only references to them.
    pub keystore: String,
    /// The numbering epoch of the installation (0 before any restore).
    pub numbering_epoch: i64,
    /// The installation kept its master key in its data dir.
    pub master_key_in_data_dir: bool,
}

/// A table's first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableStart {
    pub table: String,
    pub columns: Vec<String>,
}

/// The last line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct End {
    pub tables: usize,
    pub rows: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    Table(TableStart),
    End(End),
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Null => serde_json::Value::Null,
            Self::Int(i) => (*i).into(),
            Self::Text(t) => t.clone().into(),
            Self::Bytes(b) => serde_json::json!({
                "b": base64::engine::general_purpose::STANDARD.encode(b)
            }),
        }
    }

    /// The value of a column of `kind` from its JSON form.
    pub fn from_json(v: &serde_json::Value, kind: Kind) -> Result<Self, BackupError> {
        let wrong = || BackupError::Damaged(format!("a {kind:?} column holds {v}"));
        Ok(match (v, kind) {
            (serde_json::Value::Null, _) => Self::Null,
            (serde_json::Value::Number(n), Kind::Int) => Self::Int(n.as_i64().ok_or_else(wrong)?),
            (serde_json::Value::String(s), Kind::Text) => Self::Text(s.clone()),
            (serde_json::Value::Object(o), Kind::Bytes) => {
                let b = o.get("b").and_then(|b| b.as_str()).ok_or_else(wrong)?;
                Self::Bytes(
                    base64::engine::general_purpose::STANDARD
                        .decode(b)
                        .map_err(|_| wrong())?,
                )
            }
            _ => return Err(wrong()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_by_kind() {
        for (v, k) in [
            (Value::Null, Kind::Bytes),
            (Value::Int(-7), Kind::Int),
            (Value::Text("赣榆".into()), Kind::Text),
            (Value::Bytes(vec![0, 255, 3]), Kind::Bytes),
        ] {
            assert_eq!(Value::from_json(&v.to_json(), k).unwrap(), v);
        }
        assert!(Value::from_json(&Value::Int(1).to_json(), Kind::Text).is_err());
        assert!(Value::from_json(&serde_json::json!({"b": "!!"}), Kind::Bytes).is_err());
    }
}
