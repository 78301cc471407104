//! NumPy `.npy`: magic, version, a Python-literal header dict; object arrays store a pickle
//! right after the header.

/// The parsed header: where the data starts and whether it is a pickle.
#[derive(Debug, PartialEq, Eq)]
pub struct NpyHeader {
    pub data_start: u64,
    pub is_object: bool,
}

pub fn parse(head: &[u8]) -> Result<NpyHeader, String> {
    if head.get(..6) != Some(b"\x93NUMPY") {
        return Err("missing \\x93NUMPY magic".into());
    }
    let major = *head.get(6).ok_or("short header")?;
    let (hlen, start) = match major {
        1 => (
            u64::from(u16::from_le_bytes(
                head.get(8..10)
                    .ok_or("short header")?
                    .try_into()
                    .map_err(|_| "short header")?,
            )),
            10u64,
        ),
        2 | 3 => (
            u64::from(u32::from_le_bytes(
                head.get(8..12)
                    .ok_or("short header")?
                    .try_into()
                    .map_err(|_| "short header")?,
            )),
            12u64,
        ),
        v => return Err(format!("unknown .npy version {v}")),
    };
    if hlen > 100_000 {
        return Err(format!("header length {hlen} is too large"));
    }
    let text = head
        .get(start as usize..(start + hlen) as usize)
        .ok_or("header runs past the data read")?;
    let text = std::str::from_utf8(text).map_err(|_| "header is not text")?;
    let descr_at = text.find("'descr'").ok_or("header has no 'descr'")?;
    let after = text.get(descr_at + 7..).unwrap_or_default();
    let after = after
        .trim_start()
        .strip_prefix(':')
        .ok_or("bad 'descr' entry")?
        .trim_start();
    // A simple dtype is a quoted string; a structured one is a list (may hold objects).
    let is_object = if after.starts_with('\'') || after.starts_with('"') {
        let q = after.get(..1).unwrap_or("'");
        let body = after.get(1..).unwrap_or_default();
        let end = body.find(q).ok_or("unterminated descr")?;
        let d = body.get(..end).unwrap_or_default();
        d.trim_start_matches(['|', '<', '>', '=']).starts_with('O')
    } else {
        let list_end = after
            .find("],")
            .or_else(|| after.find(")]"))
            .unwrap_or(after.len());
        after.get(..list_end).unwrap_or(after).contains("'O")
            || after.get(..list_end).unwrap_or(after).contains("|O")
    };
    Ok(NpyHeader {
        data_start: start + hlen,
        is_object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str) -> Vec<u8> {
        let mut h = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (3,), }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((h.len() as u16).to_le_bytes());
        out.extend(h.as_bytes());
        out
    }

    #[test]
    fn object_and_plain_arrays() {
        let p = parse(&npy("'<f8'")).unwrap();
        assert!(!p.is_object);
        assert_eq!(p.data_start % 64, 0);
        assert!(parse(&npy("'|O'")).unwrap().is_object);
        assert!(
            parse(&npy("[('a', '<i4'), ('b', '|O')]"))
                .unwrap()
                .is_object
        );
        assert!(parse(b"\x93NUMPY\x09\x00").is_err());
    }
}
