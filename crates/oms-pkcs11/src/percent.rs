//! Percent-decoding of PKCS#11 URI attribute values (RFC 3986 §2.1).

/// Decodes `%XX` escapes; every other character is taken literally, as the reference
/// parser does, so unescaped characters such as spaces are tolerated.
///
/// Returns the character position of the first malformed escape on error.
pub(crate) fn percent_decode(value: &str) -> Result<Vec<u8>, usize> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| hex_value(*c));
            let lo = bytes.get(i + 2).and_then(|c| hex_value(*c));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(value.get(..i).map_or(i, |s| s.chars().count())),
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_escapes_and_keeps_literals() {
        assert_eq!(percent_decode("a%20b").unwrap(), b"a b");
        assert_eq!(percent_decode("%01%02%ff").unwrap(), vec![1, 2, 0xff]);
        assert_eq!(
            percent_decode("Snake Oil, Inc.").unwrap(),
            b"Snake Oil, Inc."
        );
        assert_eq!(percent_decode("").unwrap(), b"");
        assert_eq!(percent_decode("%C3%A1").unwrap(), "á".as_bytes());
    }

    #[test]
    fn rejects_malformed_escapes_with_position() {
        assert_eq!(percent_decode("%"), Err(0));
        assert_eq!(percent_decode("ab%4"), Err(2));
        assert_eq!(percent_decode("%4g"), Err(0));
        assert_eq!(percent_decode("áb%zz"), Err(2));
    }
}
