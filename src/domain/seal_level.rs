use std::fmt;

/// The administrative level of a seal's holder.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SealLevel {
    /// District offices (区级).
    District,
    /// Towns, development zones, the agricultural service centre (镇级).
    Town,
    /// Village and community committees (村/社区).
    Village,
}

impl SealLevel {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "district" => Ok(Self::District),
            "town" => Ok(Self::Town),
            "village" => Ok(Self::Village),
            _ => Err(format!(
                "invalid level {s:?}: expected district, town or village"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::Town => "town",
            Self::Village => "village",
        }
    }
}

impl fmt::Display for SealLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
