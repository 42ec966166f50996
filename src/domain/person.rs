use std::fmt;

/// A person's name: 2-20 characters of CJK ideographs (or Latin letters for
/// foreign names), with the middle dot of minority names allowed.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let n = s.chars().count();
        if !(2..=20).contains(&n) {
            return Err("姓名应为2至20个字".into());
        }
        let ok = s
            .chars()
            .all(|c| is_cjk(c) || c == '·' || c.is_ascii_alphabetic() || c == ' ');
        if !ok {
            return Err("姓名只能包含汉字、字母和间隔号“·”".into());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked for public pages: 张*明, 李*.
    pub fn masked(&self) -> String {
        let c: Vec<char> = self.0.chars().collect();
        match c.len() {
            0 | 1 => "*".into(),
            2 => format!("{}*", c[0]),
            n => format!("{}{}{}", c[0], "*".repeat(n - 2), c[n - 1]),
        }
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.masked())
    }
}

/// A mainland mobile (11 digits starting with 1) or landline number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s: String = s.trim().chars().filter(|c| *c != ' ').collect();
        let b = s.as_bytes();
        let mobile = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        let landline = {
            let parts: Vec<&str> = s.split('-').collect();
            parts.len() == 2
                && (3..=4).contains(&parts[0].len())
                && parts[0].starts_with('0')
                && (7..=8).contains(&parts[1].len())
                && s.bytes().all(|c| c.is_ascii_digit() || c == b'-')
        };
        if mobile || landline {
            Ok(Self(s))
        } else {
            Err("应为11位手机号码或“区号-号码”形式的固定电话".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(PersonName::parse(" 张三明 ").unwrap().masked(), "张*明");
        assert_eq!(PersonName::parse("李四").unwrap().masked(), "李*");
        assert!(PersonName::parse("阿依古丽·买买提").is_ok());
        assert!(PersonName::parse("张").unwrap_err().contains("2至20"));
        assert!(PersonName::parse("张3").unwrap_err().contains("汉字"));
    }

    #[test]
    fn phones() {
        assert!(Phone::parse("13812345678").is_ok());
        assert!(Phone::parse("0518-86221234").is_ok());
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("1381234567").unwrap_err().contains("11位"));
    }
}
