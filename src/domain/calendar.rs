use time::Date;

/// `YYYYMMDDHHmmSS` of `t` in UTC (the digits of PDF and OFD dates).
pub fn utc_digits(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Now, in seconds since the Unix epoch (what the records store).
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A calendar date entered as `2026-11-25` (also `2026/11/25`, `2026年11月25日`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate(pub Date);

impl CivilDate {
    pub fn parse(s: &str) -> Result<Self, String> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '/' | '.' | '年' | '月' => '-',
                '日' => ' ',
                c => c,
            })
            .collect();
        let parts: Vec<&str> = norm.trim().split('-').collect();
        let bad = || "日期格式应为“2026-11-25”".to_string();
        if parts.len() != 3 {
            return Err(bad());
        }
        let y: i32 = parts[0].parse().map_err(|_| bad())?;
        let m: u8 = parts[1].parse().map_err(|_| bad())?;
        let d: u8 = parts[2].parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&y) {
            return Err("年份不在合理范围内".into());
        }
        let month = time::Month::try_from(m).map_err(|_| "月份无效".to_string())?;
        Date::from_calendar_date(y, month, d)
            .map(Self)
            .map_err(|_| "该日期不存在".into())
    }

    /// `2026年11月25日`.
    pub fn chinese(&self) -> String {
        format!(
            "{}年{}月{}日",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// `二〇二六年十一月二十五日`, the form used for issue dates.
    pub fn chinese_numerals(&self) -> String {
        const D: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
        let y: String = self
            .0
            .year()
            .to_string()
            .bytes()
            .map(|b| D[usize::from(b - b'0')])
            .collect();
        let small = |n: u8| -> String {
            match n {
                0..=9 => D[usize::from(n)].to_string(),
                10 => "十".into(),
                11..=19 => format!("十{}", D[usize::from(n - 10)]),
                _ if n.is_multiple_of(10) => format!("{}十", D[usize::from(n / 10)]),
                _ => format!("{}十{}", D[usize::from(n / 10)], D[usize::from(n % 10)]),
            }
        };
        format!(
            "{y}年{}月{}日",
            small(u8::from(self.0.month())),
            small(self.0.day())
        )
    }
}

/// A period `start` to `end` inclusive (`2026-01-01至2028-12-31`, `~` also).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: CivilDate,
    pub end: CivilDate,
}

impl DateRange {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (a, b) = s
            .split_once('至')
            .or_else(|| s.split_once('~'))
            .or_else(|| s.split_once(" - "))
            .or_else(|| s.split_once(" to "))
            .ok_or_else(|| "期限格式应为“2026-01-01至2028-12-31”".to_string())?;
        let start = CivilDate::parse(a).map_err(|e| format!("起始日期：{e}"))?;
        let end = CivilDate::parse(b).map_err(|e| format!("截止日期：{e}"))?;
        if end < start {
            return Err("截止日期早于起始日期".into());
        }
        Ok(Self { start, end })
    }

    pub fn chinese(&self) -> String {
        format!("{}至{}", self.start.chinese(), self.end.chinese())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = CivilDate::parse("2026-11-25").unwrap();
        assert_eq!(d.chinese(), "2026年11月25日");
        assert_eq!(d.chinese_numerals(), "二〇二六年十一月二十五日");
        assert_eq!(
            CivilDate::parse("2020年2月29日")
                .unwrap()
                .chinese_numerals(),
            "二〇二〇年二月二十九日"
        );
        assert_eq!(
            CivilDate::parse("2030/10/10").unwrap().chinese_numerals(),
            "二〇三〇年十月十日"
        );
        assert!(
            CivilDate::parse("2021-02-29")
                .unwrap_err()
                .contains("不存在")
        );
        assert!(CivilDate::parse("2021-13-01").unwrap_err().contains("月份"));
        assert!(CivilDate::parse("tomorrow").unwrap_err().contains("格式"));
    }

    #[test]
    fn ranges() {
        let r = DateRange::parse("2026-01-01至2028-12-31").unwrap();
        assert_eq!(r.chinese(), "2026年1月1日至2028年12月31日");
        assert!(
            DateRange::parse("2026-01-01~2025-12-31")
                .unwrap_err()
                .contains("早于")
        );
        assert!(DateRange::parse("2026-01-01").unwrap_err().contains("格式"));
    }
}
