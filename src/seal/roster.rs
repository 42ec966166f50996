//! Parsing the seal roster CSV (`seal_id,level,area_code,town,village,holder`,
//! optionally `inscription`: the short line printed below the star).
//!
//! A roster is accepted whole or refused whole: the first bad line is
//! reported with its line number and nothing is provisioned.

use std::collections::HashMap;

use crate::domain::{SealId, SealLevel};

/// One seal as the roster describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub seal_id: SealId,
    pub level: SealLevel,
    pub area_code: String,
    pub town: String,
    pub village: Option<String>,
    pub holder: String,
    /// Short line below the star (e.g. 专用章), when the roster gives one.
    pub inscription: Option<String>,
}

/// A validated roster.
#[derive(Debug, Clone)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
}

/// Why a roster was refused. `line` is 1-based, the header being line 1.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("roster line {line}: {message}")]
pub struct RosterError {
    pub line: u64,
    pub message: String,
}

const REQUIRED: [&str; 6] = ["seal_id", "level", "area_code", "town", "village", "holder"];
/// Longest holder name a seal can carry legibly around its rim.
const MAX_HOLDER_CHARS: usize = 30;

fn err(line: u64, message: impl Into<String>) -> RosterError {
    RosterError {
        line,
        message: message.into(),
    }
}

impl Roster {
    /// Parse and validate CSV bytes.
    pub fn parse(data: &[u8]) -> Result<Self, RosterError> {
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut records = rdr.byte_records();
        let header = match records.next() {
            None => return Err(err(1, "empty roster: expected a header line")),
            Some(Err(e)) => return Err(err(1, format!("unreadable header: {e}"))),
            Some(Ok(h)) => h,
        };
        let header: Vec<String> = header
            .iter()
            .map(|f| String::from_utf8(f.to_vec()).map(|s| s.trim().to_string()))
            .collect::<Result<_, _>>()
            .map_err(|_| err(1, "header is not valid UTF-8"))?;
        let mut col = HashMap::new();
        for name in REQUIRED.iter().chain(["inscription"].iter()) {
            if let Some(i) = header.iter().position(|h| h == name) {
                col.insert(*name, i);
            } else if *name != "inscription" {
                return Err(err(
                    1,
                    format!(
                        "missing column {name:?} (header must have: {})",
                        REQUIRED.join(",")
                    ),
                ));
            }
        }

        let mut rows = Vec::new();
        let mut seen: HashMap<SealId, u64> = HashMap::new();
        for rec in records {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                err(line, format!("malformed CSV: {e}"))
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            if rec.len() != header.len() {
                return Err(err(
                    line,
                    format!("expected {} fields, found {}", header.len(), rec.len()),
                ));
            }
            let field = |name: &str| -> Result<String, RosterError> {
                let Some(&i) = col.get(name) else {
                    return Ok(String::new());
                };
                let raw = rec.get(i).unwrap_or_default();
                std::str::from_utf8(raw)
                    .map(|s| s.trim().to_string())
                    .map_err(|_| {
                        err(
                            line,
                            format!("column {name}: not valid UTF-8 (save the roster as UTF-8)"),
                        )
                    })
            };
            let seal_id = SealId::parse(&field("seal_id")?).map_err(|m| err(line, m))?;
            let level = SealLevel::parse(&field("level")?).map_err(|m| err(line, m))?;
            let area_code = field("area_code")?;
            if area_code.is_empty() || !area_code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(line, format!("area_code {area_code:?} must be digits")));
            }
            let town = field("town")?;
            if town.is_empty() {
                return Err(err(line, "town is empty"));
            }
            let village = Some(field("village")?).filter(|v| !v.is_empty());
            if level == SealLevel::Village && village.is_none() {
                return Err(err(line, "village is empty for a village-level seal"));
            }
            let holder = field("holder")?;
            if holder.is_empty() {
                return Err(err(line, "holder is empty"));
            }
            if holder.chars().count() > MAX_HOLDER_CHARS {
                return Err(err(
                    line,
                    format!("holder is longer than {MAX_HOLDER_CHARS} characters"),
                ));
            }
            if holder.chars().any(char::is_control) {
                return Err(err(line, "holder contains control characters"));
            }
            let inscription = Some(field("inscription")?).filter(|v| !v.is_empty());
            if let Some(first) = seen.insert(seal_id.clone(), line) {
                return Err(err(
                    line,
                    format!("duplicate seal_id {seal_id} (first on line {first})"),
                ));
            }
            rows.push(RosterRow {
                seal_id,
                level,
                area_code,
                town,
                village,
                holder,
                inscription,
            });
        }
        if rows.is_empty() {
            return Err(err(2, "roster has no seals"));
        }
        Ok(Self { rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "seal_id,level,area_code,town,village,holder\n";

    fn parse(body: &str) -> Result<Roster, RosterError> {
        Roster::parse(format!("{HEAD}{body}").as_bytes())
    }

    #[test]
    fn the_shipped_roster_parses() {
        let r = Roster::parse(include_bytes!("../../keys-example/roster.csv")).unwrap();
        assert_eq!(r.rows.len(), 563);
        let longest = r
            .rows
            .iter()
            .map(|r| r.holder.chars().count())
            .max()
            .unwrap();
        assert_eq!(longest, 22);
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let good = "320707100000-01,town,320707100,青口镇,,连云港市赣榆区青口镇人民政府\n";
        assert!(parse(good).is_ok());
        let e = parse(&format!("{good}{good}")).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("duplicate seal_id"), "{e}");
        let e = parse(&format!("{good}320707100000-02,town,320707100,青口镇,,\n")).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (3, "holder is empty"));
        let e = parse("320707100000-0X,town,320707100,青口镇,,x\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("320707100000-01,city,320707100,青口镇,,x\n").unwrap_err();
        assert!(e.message.contains("invalid level"));
        let e = parse("320707100000-01,town,320707100,青口镇,x\n").unwrap_err();
        assert!(e.message.contains("expected 6 fields"));
        let e = Roster::parse(b"seal_id,level,town,village,holder\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("area_code"));
        let mut bytes = format!("{HEAD}{good}").into_bytes();
        bytes.extend_from_slice(b"320707100000-02,town,320707100,\xC7\xE0\xBF\xDA,,x\n");
        let e = Roster::parse(&bytes).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("UTF-8"));
    }
}
