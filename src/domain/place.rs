/// A floor area in square metres: positive, at most 2 decimals, < 100,000.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area(pub f64);

impl Area {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s
            .trim()
            .trim_end_matches("平方米")
            .trim_end_matches("㎡")
            .trim_end_matches("m²")
            .trim();
        let v: f64 = t
            .parse()
            .map_err(|_| "面积应为数字，例如 85.5".to_string())?;
        if !v.is_finite() || v <= 0.0 || v >= 100_000.0 {
            return Err("面积应大于0且小于100000平方米".into());
        }
        if t.split_once('.').is_some_and(|(_, f)| f.len() > 2) {
            return Err("面积最多保留两位小数".into());
        }
        Ok(Self(v))
    }

    /// `85.5` (no trailing zeros).
    pub fn display(&self) -> String {
        let s = format!("{:.2}", self.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A postal address within the district: 6-80 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address(String);

impl Address {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let n = s.chars().count();
        if !(4..=80).contains(&n) {
            return Err("地址应为4至80个字".into());
        }
        if let Some(m) = super::text::refused(s, false) {
            return Err(m.into());
        }
        if s.chars().any(|c| "<>{}\\".contains(c)) {
            return Err("地址含有不允许的字符".into());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text with a length bound and no control characters; line breaks
/// only if `multi_line` (the lines are joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(s: &str, max_chars: usize, multi_line: bool) -> Result<Self, String> {
        let s = super::text::normalise_line_breaks(s);
        let s = s.trim();
        if let Some(m) = super::text::refused(s, multi_line) {
            return Err(m.into());
        }
        // A text area's lines run on as one paragraph on the certificate
        // (as a template's own lines do).
        let joined: String = s.lines().map(str::trim).collect();
        let s = joined.as_str();
        let n = s.chars().count();
        if n == 0 {
            return Err("不能为空".into());
        }
        if n > max_chars {
            return Err(format!("最多{max_chars}个字，当前{n}个字"));
        }
        if s.contains(['{', '}']) {
            return Err("含有不允许的字符".into());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas() {
        assert_eq!(Area::parse("85.50").unwrap().display(), "85.5");
        assert_eq!(Area::parse("120平方米").unwrap().display(), "120");
        assert!(Area::parse("-3").is_err());
        assert!(Area::parse("1.234").unwrap_err().contains("两位小数"));
        assert!(Area::parse("大").unwrap_err().contains("数字"));
    }

    #[test]
    fn addresses_and_text() {
        assert!(Address::parse("青口镇繁荣社区三组18号").is_ok());
        assert!(Address::parse("三组").unwrap_err().contains("4至80"));
        assert!(BoundedText::parse("小吃", 10, false).is_ok());
        assert!(
            BoundedText::parse("一二三四五六", 5, false)
                .unwrap_err()
                .contains("最多5个字")
        );
        assert!(
            BoundedText::parse("  ", 5, false)
                .unwrap_err()
                .contains("不能为空")
        );
    }
}
