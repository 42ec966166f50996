//! Document numbers in the official form `赣榆青口繁荣〔2026〕第000123号`:
//! an issuer prefix, the year in 〔〕 brackets, a per-seal, per-year sequence.

use std::fmt;

use super::SealLevel;

/// A document number, unique within the installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentNumber {
    pub prefix: String,
    pub year: i32,
    pub seq: i64,
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕第{:06}号", self.prefix, self.year, self.seq)
    }
}

const OFFICES: &[(&str, &str)] = &[
    ("人民政府", "政"),
    ("便民服务中心", "便民"),
    ("社会治理服务中心", "社治"),
    ("劳动保障所", "劳保"),
    ("医疗保障服务站", "医保"),
    ("退役军人服务站", "退役"),
    ("政务服务管理办公室", "政务"),
    ("人力资源和社会保障局", "人社"),
    ("医疗保障局", "医保"),
    ("管理委员会", "管委"),
    ("社会事务局", "社事"),
];

const VILLAGE_SUFFIXES: &[&str] = &[
    "社区居民委员会",
    "社区居委会",
    "村民委员会",
    "村委会",
    "居委会",
    "居民委员会",
];

fn first_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Short name of a town-level unit: 青口镇 → 青口, 赣榆经济开发区 → 经开.
fn short_town(town: &str) -> String {
    let t = town.strip_prefix("赣榆").unwrap_or(town);
    if let Some(s) = t.strip_suffix('镇') {
        return s.to_string();
    }
    if let Some(s) = t.strip_suffix("经济开发区") {
        return if s.is_empty() {
            "经开".into()
        } else {
            format!("{}开", first_chars(s, 1))
        };
    }
    first_chars(t, 2)
}

fn office_abbrev(office: &str) -> String {
    OFFICES
        .iter()
        .find(|(full, _)| office.ends_with(full))
        .map(|(_, short)| (*short).to_string())
        .unwrap_or_else(|| first_chars(office, 2))
}

/// The issuer prefix of a seal's document numbers.
pub fn number_prefix(level: SealLevel, town: &str, village: Option<&str>, holder: &str) -> String {
    let after_district = holder
        .strip_prefix("连云港市赣榆区")
        .or_else(|| holder.strip_prefix("连云港市"))
        .unwrap_or(holder);
    match level {
        SealLevel::District => format!("赣榆{}", office_abbrev(after_district)),
        SealLevel::Town => {
            let office = after_district.strip_prefix(town).unwrap_or(after_district);
            let office = office
                .strip_prefix(town.strip_prefix("赣榆").unwrap_or(town))
                .unwrap_or(office);
            format!("赣榆{}{}", short_town(town), office_abbrev(office))
        }
        SealLevel::Village => {
            let v = village.unwrap_or(holder);
            let short = VILLAGE_SUFFIXES
                .iter()
                .find_map(|s| v.strip_suffix(s))
                .unwrap_or(v);
            format!("赣榆{}{}", short_town(town), short)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::Roster;

    #[test]
    fn formats_the_official_way() {
        let n = DocumentNumber {
            prefix: "赣榆青口繁荣社区".into(),
            year: 2026,
            seq: 123,
        };
        assert_eq!(n.to_string(), "赣榆青口繁荣社区〔2026〕第000123号");
    }

    #[test]
    fn every_seal_in_the_roster_gets_a_distinct_prefix() {
        let r = Roster::parse(include_bytes!("../../keys-example/roster.csv")).unwrap();
        let mut seen = std::collections::HashMap::new();
        for row in &r.rows {
            let p = number_prefix(row.level, &row.town, row.village.as_deref(), &row.holder);
            assert!(p.chars().count() <= 12, "{p}");
            if let Some(other) = seen.insert(p.clone(), row.seal_id.clone()) {
                panic!("prefix {p} shared by {other} and {}", row.seal_id);
            }
        }
        let get = |id: &str| {
            let row = r.rows.iter().find(|x| x.seal_id.as_str() == id).unwrap();
            number_prefix(row.level, &row.town, row.village.as_deref(), &row.holder)
        };
        assert_eq!(get("320707100000-01"), "赣榆青口政");
        assert_eq!(get("320707100002-01"), "赣榆青口繁荣");
        assert_eq!(get("320707000000-02"), "赣榆人社");
    }
}
