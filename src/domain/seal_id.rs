use std::fmt;

/// A seal identifier: the holder's 12-digit administrative division code, a
/// dash, and a 2-digit seal number (`320707100000-01`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct SealId(String);

impl SealId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let b = s.as_bytes();
        let ok = b.len() == 15
            && b[..12].iter().all(u8::is_ascii_digit)
            && b[12] == b'-'
            && b[13..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "invalid seal_id {s:?}: expected 12 digits, '-', 2 digits (e.g. 320707100000-01)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 12-digit division code of the holder.
    pub fn division_code(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for SealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for SealId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_good_and_rejects_bad() {
        assert_eq!(
            SealId::parse("320707100000-01").unwrap().division_code(),
            "320707100000"
        );
        for bad in [
            "",
            "320707100000-1",
            "32070710000a-01",
            "320707100000_01",
            "320707100000-011",
        ] {
            assert!(SealId::parse(bad).is_err(), "{bad}");
        }
    }
}
