//! Writing YAML scalars by hand: plain where a reader would write them plain, double-quoted
//! with escapes everywhere else, so that a value from a server (a log comment with quotes,
//! colons or newlines) reads back as exactly itself.

use std::fmt::Write;

/// A scalar: plain when that is unambiguous (a name, a path, a tag), double-quoted otherwise.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        quoted(s)
    }
}

/// A double-quoted scalar. Escapes `"`, `\` and every control or non-ASCII-printable
/// character, so the result is one line whatever the input.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // YAML forbids C0/C1 controls, DEL, and these line breaks unescaped.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a `# …` comment: one line, whatever the input.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A list in flow style, `[a, "b c"]`.
pub fn flow_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| scalar(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Words YAML 1.1 or 1.2 readers take for booleans or null.
const KEYWORDS: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf",
];

/// A letter first, then letters, digits and `_ . - /`; not a keyword. Such a string is a
/// plain string for every YAML reader.
fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) -> String {
        let doc = format!("v: {}\n", scalar(s));
        let v: serde_json::Value = serde_saphyr::from_str(&doc).unwrap();
        v["v"]
            .as_str()
            .unwrap_or_else(|| panic!("{doc}"))
            .to_owned()
    }

    #[test]
    fn odd_strings_read_back_as_themselves() {
        for s in [
            "plain",
            "with: colon",
            "\"quoted\" and 'single'",
            "line one\nline two\n",
            "- dash first",
            "# hash first",
            "tab\there",
            "back\\slash",
            "ends with colon:",
            "{flow} [ish], &anchor *alias !tag %dir @at `tick`",
            "unicode: é ∑ 🚀",
            "bell\u{7} and nul\u{0}",
            "true",
            "No",
            "null",
            "123",
            "1e3",
            "",
            " leading space",
            "${{ steps.x.graceid }}",
        ] {
            assert_eq!(round_trip(s), s);
        }
    }

    #[test]
    fn names_and_paths_stay_plain() {
        assert_eq!(scalar("gstlal"), "gstlal");
        assert_eq!(
            scalar("events/G1/files/v0/coinc.xml"),
            "events/G1/files/v0/coinc.xml"
        );
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("0x1"), "\"0x1\"");
        assert_eq!(
            flow_list(&["sky_loc".into(), "a b".into()]),
            "[sky_loc, \"a b\"]"
        );
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb\rc"), "a b c");
    }
}
