//! Showing strings that come from a signature or from the disk (model name, identities, file
//! names) to people: control characters are escaped, so a hostile bundle or file name cannot
//! move the cursor, clear the screen, forge a line or reorder text on a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character escaped: `\n`, `\r`, `\t` as themselves, the other C0
/// and C1 controls, DEL and the bidirectional and zero-width format characters as `\u{..}`.
/// Other text, backslashes included, is unchanged, so ordinary names print as they are.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in ["model.safetensors", "dir/ä ö/w.bin", "a\\b", "ユニコード"] {
            assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn terminal_controls_are_escaped() {
        assert_eq!(
            escape_controls("a\x1b[2K\rVerification succeeded\n\t\u{7f}\u{9b}"),
            "a\\u{1b}[2K\\rVerification succeeded\\n\\t\\u{7f}\\u{9b}"
        );
    }

    #[test]
    fn bidi_and_invisible_format_characters_are_escaped() {
        assert_eq!(
            escape_controls("evil\u{202e}gnp.exe\u{200b}\u{2066}"),
            "evil\\u{202e}gnp.exe\\u{200b}\\u{2066}"
        );
    }
}
