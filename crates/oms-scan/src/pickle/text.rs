//! Decoding the textual arguments of protocol 0/1 opcodes the way CPython's C unpickler does.

/// `INT`/`LONG` text: base 0 like `strtol(s, NULL, 0)` / `int(s, 0)` (so `0x10` is 16), with
/// an optional trailing `L` for LONG. `None` if CPython would raise.
pub fn parse_int(text: &[u8], long: bool) -> Option<Option<i64>> {
    // LONG drops a final `L` first; C reads the rest as a C string (up to a NUL), where
    // strtol takes an empty INT as 0; PyLong_FromString skips the whitespace around.
    let text = if long {
        text.strip_suffix(b"L").unwrap_or(text)
    } else {
        text
    };
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    if text.is_empty() {
        return (!long).then_some(Some(0));
    }
    let s = std::str::from_utf8(text).ok()?.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b.to_string())
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b.to_string())
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') && !long {
        // strtol base 0: a leading 0 means octal.
        (8, lower.trim_start_matches('0').to_string())
    } else {
        (10, lower.clone())
    };
    let body = body.replace('_', "");
    if body.is_empty() {
        return if lower.chars().all(|c| c == '0') && !lower.is_empty() {
            Some(Some(0))
        } else {
            None
        };
    }
    if !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some(
        i64::from_str_radix(&body, radix)
            .ok()
            .map(|v| if neg { -v } else { v }),
    )
}

/// A protocol 0 `STRING` argument: a quoted Python 2 string literal with backslash escapes.
pub fn parse_string_literal(text: &[u8]) -> Option<Vec<u8>> {
    let (first, rest) = text.split_first()?;
    let (last, inner) = rest.split_last()?;
    if first != last || !(*first == b'\'' || *first == b'"') {
        return None;
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut it = inner.iter().copied().peekable();
    while let Some(c) = it.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = it.next()?;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'\\' | b'\'' | b'"' => out.push(e),
            b'\n' => {}
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'x' => {
                let h = [it.next()?, it.next()?];
                let v = u8::from_str_radix(std::str::from_utf8(&h).ok()?, 16).ok()?;
                out.push(v);
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(v & 0xff).ok()?);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// A protocol 0 `UNICODE` argument: raw-unicode-escape as CPython decodes it. Only `\\u` and
/// `\\U` are escapes; a backslash before anything else is kept together with that character
/// (so `\\\\u` is two backslashes and a literal `u`); everything else is Latin-1. A lone
/// surrogate (valid in a Python str) becomes U+FFFD, which no import name contains.
pub fn parse_raw_unicode(text: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        if c != b'\\' {
            out.push(char::from(c));
            i += 1;
            continue;
        }
        let width = match text.get(i + 1) {
            Some(b'u') => 4,
            Some(b'U') => 8,
            Some(&other) => {
                out.push('\\');
                out.push(char::from(other));
                i += 2;
                continue;
            }
            None => {
                out.push('\\');
                i += 1;
                continue;
            }
        };
        let hex = text.get(i + 2..i + 2 + width)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let v = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        if v > 0x10_FFFF {
            return None;
        }
        out.push(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER));
        i += 2 + width;
    }
    Some(out)
}

/// The memo key of a text `PUT`/`GET` (`p010\n`): CPython reads it with
/// `PyLong_FromString(s, NULL, 10)`, so it is decimal (`010` is 10, not 8), may carry
/// surrounding whitespace, a sign and single underscores between digits, and ends at a NUL.
/// `None` where CPython raises (a negative key never names an entry).
pub fn parse_memo_key(text: &[u8]) -> Option<u64> {
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = text.iter().position(|b| !is_space(b))?;
    let end = text.iter().rposition(|b| !is_space(b))? + 1;
    let s = text.get(start..end)?;
    let (negative, digits) = match s.split_first()? {
        (b'+', rest) => (false, rest),
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    if digits.first() == Some(&b'_') || digits.last() == Some(&b'_') || digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    let mut previous_underscore = false;
    for &b in digits {
        if b == b'_' {
            if previous_underscore {
                return None;
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    (!negative || value == 0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_base_zero() {
        assert_eq!(parse_int(b"0x10", false), Some(Some(16)));
        assert_eq!(parse_int(b"0x10L", true), Some(Some(16)));
        assert_eq!(parse_int(b"010", false), Some(Some(8)));
        assert_eq!(parse_int(b"-5", false), Some(Some(-5)));
        assert_eq!(parse_int(b"0", false), Some(Some(0)));
        assert_eq!(parse_int(b"zz", false), None);
        assert_eq!(parse_int(b"99999999999999999999999", false), Some(None));
        assert_eq!(parse_int(b"26\x0bL", true), Some(Some(26)));
        // C strings: a NUL ends the number; an empty INT is strtol's 0.
        assert_eq!(parse_int(b"\x00151", false), Some(Some(0)));
        assert_eq!(parse_int(b"12\x00junk", false), Some(Some(12)));
        assert_eq!(parse_int(b"\x00151", true), None);
    }

    #[test]
    fn string_literals() {
        assert_eq!(parse_string_literal(b"'os'").unwrap(), b"os");
        assert_eq!(parse_string_literal(b"'\\x6fs'").unwrap(), b"os");
        assert_eq!(parse_string_literal(b"\"a\\'b\"").unwrap(), b"a'b");
        assert!(parse_string_literal(b"'os").is_none());
        assert_eq!(parse_raw_unicode(b"p\\u006fsix").unwrap(), "posix");
    }

    #[test]
    fn raw_unicode_escape_as_cpython() {
        // Each pair checked with bytes.decode("raw_unicode_escape") on CPython 3.11.
        assert_eq!(parse_raw_unicode(b"\\\\uzz").unwrap(), "\\\\uzz");
        assert_eq!(parse_raw_unicode(b"\\\\\\u0041").unwrap(), "\\\\A");
        assert_eq!(parse_raw_unicode(b"abc\\").unwrap(), "abc\\");
        assert_eq!(parse_raw_unicode(b"\\x41").unwrap(), "\\x41");
        assert_eq!(parse_raw_unicode(b"\\ud800").unwrap(), "\u{fffd}");
        assert!(parse_raw_unicode(b"\\u00").is_none());
        assert!(parse_raw_unicode(b"\\U00110000").is_none());
        assert!(parse_raw_unicode(b"\\u+041").is_none());
    }

    #[test]
    fn memo_keys_are_decimal() {
        assert_eq!(parse_memo_key(b"010"), Some(10));
        assert_eq!(parse_memo_key(b" 1_0 \r"), Some(10));
        assert_eq!(parse_memo_key(b"+7"), Some(7));
        assert_eq!(parse_memo_key(b"-0"), Some(0));
        assert_eq!(parse_memo_key(b"3\x00junk"), Some(3));
        for bad in [
            &b"0x10"[..],
            b"-1",
            b"1__0",
            b"_1",
            b"1_",
            b"",
            b" ",
            b"1 2",
        ] {
            assert_eq!(parse_memo_key(bad), None, "{bad:?}");
        }
    }
}
