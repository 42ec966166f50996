//! The characters no text input may carry, wherever it comes from (forms,
//! JSON, the CLI): controls (NUL, ESC, DEL, the C1 range) and the invisible
//! marks that reorder or hide text (bidi embeddings, overrides and isolates
//! such as RLO U+202E, the line and paragraph separators). They have no
//! business in a certificate, a reason or a name, and they can make a page,
//! a PDF or a log line show something other than what was stored.
//!
//! Line breaks (and tabs) are refused as well except in fields that span
//! lines; there a browser's CRLF counts as one line break.

/// What is wrong with a text: the Chinese message for the user.
pub fn refused(s: &str, multi_line: bool) -> Option<&'static str> {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' if multi_line => {}
            '\r' if multi_line && chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => return Some(LINE_BREAK),
            '\t' => return Some(TAB),
            c if is_hidden(c) => return Some(HIDDEN),
            _ => {}
        }
    }
    None
}

/// Whether `c` may appear in no text input at all (a control other than
/// line break and tab, or a bidi / separator mark).
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `s` with its line breaks as `\n` (a browser sends CRLF).
pub fn normalise_line_breaks(s: &str) -> String {
    s.replace("\r\n", "\n")
}

pub const HIDDEN: &str =
    "含有不可见的控制字符（如 NUL、ESC 或 U+202E 等改变文字方向的字符），请删除后重新填写";
pub const LINE_BREAK: &str = "此项只能填写一行，不能含有换行";
pub const TAB: &str = "此项不能含有制表符，请改用空格";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_marks_are_refused_everywhere() {
        for bad in [
            "a\0b",
            "a\u{1b}[31mb",
            "a\u{7f}",
            "a\u{85}b",
            "付款\u{202E}txt.exe",
            "a\u{2066}b",
        ] {
            assert_eq!(refused(bad, false), Some(HIDDEN), "{bad:?}");
            assert_eq!(refused(bad, true), Some(HIDDEN), "{bad:?}");
        }
    }

    #[test]
    fn line_breaks_only_where_lines_are_allowed() {
        assert_eq!(refused("一\r\n二", false), Some(LINE_BREAK));
        assert_eq!(refused("一\n二", false), Some(LINE_BREAK));
        assert_eq!(refused("一\u{2028}二", true), Some(LINE_BREAK));
        assert_eq!(refused("一\r二", true), Some(LINE_BREAK));
        assert_eq!(refused("一\t二", false), Some(TAB));
        assert_eq!(refused("一\r\n二\n三\t四", true), None);
        assert_eq!(refused("王建国 · Zhang", false), None);
        assert_eq!(normalise_line_breaks("一\r\n二"), "一\n二");
    }
}
