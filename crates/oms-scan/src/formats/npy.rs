//! NumPy `.npy`: magic, version, a Python-literal header dict read as `ast.literal_eval`
//! reads it; object arrays store a pickle right after the header.

use super::pyliteral::{self, Lit};

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
    let raw = head
        .get(start as usize..(start + hlen) as usize)
        .ok_or("header runs past the data read")?;
    // numpy decodes versions 1 and 2 as Latin-1, version 3 as UTF-8.
    let text: String = if major == 3 {
        std::str::from_utf8(raw)
            .map_err(|_| "version 3 header is not UTF-8")?
            .to_string()
    } else {
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let Lit::Dict(items) = pyliteral::parse(&text)? else {
        return Err("the header is not a dict".into());
    };
    let get = |key: &str| {
        items
            .iter()
            .rev()
            .find(|(k, _)| *k == Lit::Str(key.into()))
            .map(|(_, v)| v)
    };
    let expected = ["descr", "fortran_order", "shape"];
    if items
        .iter()
        .any(|(k, _)| !expected.iter().any(|e| *k == Lit::Str((*e).into())))
        || expected.iter().any(|e| get(e).is_none())
    {
        return Err("the header's keys are not exactly descr, fortran_order, shape".into());
    }
    match get("shape") {
        Some(Lit::Tuple(dims)) if dims.iter().all(|d| matches!(d, Lit::Int(_))) => {}
        _ => return Err("shape is not a tuple of ints".into()),
    }
    if !matches!(get("fortran_order"), Some(Lit::Bool(_))) {
        return Err("fortran_order is not a bool".into());
    }
    let descr = get("descr").ok_or("no descr")?;
    let is_object = match descr_kind(descr, 0) {
        Kind::Plain => false,
        Kind::Object => true,
        Kind::Unknown(why) => return Err(format!("descr {descr:?}: {why}")),
    };
    Ok(NpyHeader {
        data_start: start + hlen,
        is_object,
    })
}

enum Kind {
    Plain,
    Object,
    Unknown(&'static str),
}

/// What `numpy.lib.format.descr_to_dtype` makes of a descr: a dtype string, a
/// `(descr, shape)` subarray or a list of `(name, descr[, shape])` fields. Only spellings of
/// plain and object dtypes that numpy writes are told apart; any other is unknown.
fn descr_kind(descr: &Lit, depth: u8) -> Kind {
    if depth > 16 {
        return Kind::Unknown("nested too deep");
    }
    match descr {
        Lit::Str(s) => dtype_string_kind(s),
        Lit::Tuple(t) => match t.as_slice() {
            [inner, _shape] => descr_kind(inner, depth + 1),
            _ => Kind::Unknown("a tuple descr is (descr, shape)"),
        },
        Lit::List(fields) => {
            let mut kind = Kind::Plain;
            for f in fields {
                let inner = match f {
                    Lit::Tuple(t) | Lit::List(t) if t.len() == 2 || t.len() == 3 => t
                        .get(1)
                        .map_or(Kind::Unknown("field"), |d| descr_kind(d, depth + 1)),
                    _ => Kind::Unknown("a field is (name, descr[, shape])"),
                };
                match inner {
                    Kind::Plain => {}
                    Kind::Object => kind = Kind::Object,
                    unknown => return unknown,
                }
            }
            kind
        }
        _ => Kind::Unknown("not a dtype description"),
    }
}

fn dtype_string_kind(s: &str) -> Kind {
    let body = s.strip_prefix(['<', '>', '|', '=']).unwrap_or(s);
    let (code, rest) = body.split_at(
        body.find(|c: char| !c.is_ascii_alphabetic() && c != '?')
            .unwrap_or(body.len()),
    );
    let digits = rest.chars().all(|c| c.is_ascii_digit());
    match code {
        "O" if digits => Kind::Object,
        "object" | "object_" | "O" => Kind::Object,
        "b" | "i" | "u" | "f" | "c" | "S" | "U" | "V" | "a" | "?" if digits => Kind::Plain,
        "M" | "m" if rest.is_empty() || rest.strip_prefix('8').is_some_and(datetime_unit) => {
            Kind::Plain
        }
        _ => Kind::Unknown("a dtype spelling numpy does not write"),
    }
}

fn datetime_unit(s: &str) -> bool {
    s.is_empty()
        || s.strip_prefix('[')
            .and_then(|u| u.strip_suffix(']'))
            .is_some_and(|u| u.chars().all(|c| c.is_ascii_alphanumeric()))
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
        // Spelled in ways a text search misses, still an object array.
        assert!(parse(&npy("'\\x7cO'")).unwrap().is_object);
        assert!(
            parse(&npy("[('a', '<i4'), ('b', '>O')]"))
                .unwrap()
                .is_object
        );
        assert!(parse(&npy("'<' 'O'")).unwrap().is_object);
        // Spellings that are not told apart are not plain.
        assert!(parse(&npy("'i4,O'")).is_err());
    }
}
