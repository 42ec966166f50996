use std::fmt;

/// A Chinese resident identity number (GB 11643-1999): 17 digits and a
/// check character (0-9 or X), with a real birth date in positions 7-14.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

impl IdNumber {
    /// Parse; the message (Chinese) says what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(format!("应为18位，实际为{}位", s.chars().count()));
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err("只能由17位数字和最后一位数字或X组成".into());
        }
        let year: i32 = s[6..10].parse().map_err(|_| "出生日期无效")?;
        let month: u8 = s[10..12].parse().map_err(|_| "出生日期无效")?;
        let day: u8 = s[12..14].parse().map_err(|_| "出生日期无效")?;
        let month_t =
            time::Month::try_from(month).map_err(|_| "出生日期中的月份无效".to_string())?;
        let birth = time::Date::from_calendar_date(year, month_t, day)
            .map_err(|_| "出生日期无效".to_string())?;
        let today = time::OffsetDateTime::now_utc().date();
        if year < 1900 || birth > today {
            return Err("出生日期不在合理范围内".into());
        }
        let sum: u32 = b[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return Err("校验码不正确，请核对号码".into());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date encoded in the number.
    pub fn birth_date(&self) -> Option<time::Date> {
        let y: i32 = self.0[6..10].parse().ok()?;
        let m: u8 = self.0[10..12].parse().ok()?;
        let d: u8 = self.0[12..14].parse().ok()?;
        time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
    }

    /// Masked for public pages: first 4 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: never printed whole in logs.
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers() {
        for ok in ["11010519491231002X", "320707199003071233"] {
            let id = IdNumber::parse(ok).unwrap();
            assert_eq!(id.as_str(), ok);
        }
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.birth_date().unwrap().to_string(), "1949-12-31");
        assert_eq!(id.masked(), "1101**********002X");
    }

    #[test]
    fn rejects_bad_numbers_with_a_reason() {
        assert!(
            IdNumber::parse("1101051949123100")
                .unwrap_err()
                .contains("18位")
        );
        assert!(
            IdNumber::parse("11010519491231002Y")
                .unwrap_err()
                .contains("X")
        );
        assert!(
            IdNumber::parse("110105194912310021")
                .unwrap_err()
                .contains("校验码")
        );
        assert!(
            IdNumber::parse("110105194913310028")
                .unwrap_err()
                .contains("月份")
        );
        assert!(
            IdNumber::parse("110105194902300020")
                .unwrap_err()
                .contains("出生日期")
        );
        assert!(
            IdNumber::parse("110105290001010025")
                .unwrap_err()
                .contains("范围")
        );
    }
}
