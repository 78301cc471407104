//! safetensors header validation, following `safetensors/src/tensor.rs` plus the README's
//! rules the library does not enforce (no duplicate keys, header starts with `{`).

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::source::Source;
use crate::verdict::{Finding, Verdict};

pub const MAX_HEADER: u64 = 100_000_000;

/// Bits per element of each dtype safetensors knows.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "C64" | "F64" | "I64" | "U64" => 64,
        _ => return None,
    })
}

/// Top-level entries in file order, duplicates kept (serde_json maps would drop them).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// True if the first bytes look like a safetensors header.
pub fn sniff(head: &[u8], file_len: u64) -> bool {
    let Some(n) = head
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
    else {
        return false;
    };
    (2..=MAX_HEADER).contains(&n) && n.saturating_add(8) <= file_len && head.get(8) == Some(&b'{')
}

pub fn validate(src: &dyn Source) -> Vec<Finding> {
    match check(src) {
        Ok(()) => Vec::new(),
        Err(why) => vec![Finding::new(Verdict::Unknown, "safetensors header", why)],
    }
}

fn check(src: &dyn Source) -> Result<(), String> {
    let len = src.len();
    let n_bytes = src.read(0, 8).map_err(|e| e.to_string())?;
    let n = u64::from_le_bytes(
        n_bytes
            .as_ref()
            .try_into()
            .map_err(|_| "short length prefix".to_string())?,
    );
    if n > MAX_HEADER {
        return Err(format!("header length {n} exceeds {MAX_HEADER}"));
    }
    if n.saturating_add(8) > len {
        return Err(format!(
            "header length {n} runs past the end of the file ({len} bytes)"
        ));
    }
    let header = src.read(8, n as usize).map_err(|e| e.to_string())?;
    let text = std::str::from_utf8(&header).map_err(|_| "header is not UTF-8".to_string())?;
    if !text.starts_with('{') {
        return Err("header does not start with '{'".into());
    }
    let json = text.trim_end_matches(' ');
    let entries: Entries =
        serde_json::from_str(json).map_err(|e| format!("header is not a JSON object: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    let mut spans = Vec::new();
    for (name, value) in &entries.0 {
        if !seen.insert(name.as_str()) {
            return Err(format!("duplicate key {name:?}"));
        }
        if name == "__metadata__" {
            let ok = value
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string));
            if !ok {
                return Err("__metadata__ is not a map of strings".into());
            }
            continue;
        }
        let dtype = value.get("dtype").and_then(Value::as_str);
        let bits = dtype
            .and_then(dtype_bits)
            .ok_or_else(|| format!("tensor {name:?}: unknown dtype {dtype:?}"))?;
        let shape = value
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("tensor {name:?}: no shape"))?;
        let mut elements: u64 = 1;
        for d in shape {
            let d = d
                .as_u64()
                .ok_or_else(|| format!("tensor {name:?}: bad dimension {d}"))?;
            elements = elements
                .checked_mul(d)
                .ok_or_else(|| format!("tensor {name:?}: size overflows"))?;
        }
        let offsets = value
            .get("data_offsets")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 2)
            .ok_or_else(|| format!("tensor {name:?}: data_offsets is not [begin, end]"))?;
        let (Some(begin), Some(end)) = (
            offsets.first().and_then(Value::as_u64),
            offsets.get(1).and_then(Value::as_u64),
        ) else {
            return Err(format!("tensor {name:?}: data_offsets are not integers"));
        };
        let nbits = elements
            .checked_mul(bits)
            .ok_or_else(|| format!("tensor {name:?}: size overflows"))?;
        if !nbits.is_multiple_of(8) {
            return Err(format!("tensor {name:?}: {nbits} bits is not whole bytes"));
        }
        if end < begin || end - begin != nbits / 8 {
            return Err(format!(
                "tensor {name:?}: offsets [{begin}, {end}] do not hold {} bytes of {shape:?} {}",
                nbits / 8,
                dtype.unwrap_or("")
            ));
        }
        spans.push((begin, end, name.clone()));
    }
    spans.sort();
    let mut expected = 0u64;
    for (begin, end, name) in &spans {
        if *begin != expected {
            return Err(if *begin < expected {
                format!("tensor {name:?} overlaps the previous tensor (begins at {begin}, expected {expected})")
            } else {
                format!("gap before tensor {name:?}: begins at {begin}, expected {expected}")
            });
        }
        expected = *end;
    }
    let buffer = len - 8 - n;
    if expected != buffer {
        return Err(format!(
            "tensors cover {expected} bytes but the data buffer is {buffer} bytes (trailing bytes or truncation)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data: usize) -> Vec<u8> {
        let mut h = header.as_bytes().to_vec();
        while !h.len().is_multiple_of(8) {
            h.push(b' ');
        }
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend(h);
        out.extend(vec![0u8; data]);
        out
    }

    #[test]
    fn valid_and_invalid_headers() {
        let ok = file(
            r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]}}"#,
            22,
        );
        assert!(validate(&ok.as_slice()).is_empty());
        let cases = [
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                8,
                "duplicate",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                12,
                "overlaps",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#,
                20,
                "gap",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                8,
                "do not hold",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                9,
                "trailing",
            ),
            (
                r#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#,
                8,
                "unknown dtype",
            ),
        ];
        for (h, data, want) in cases {
            let f = validate(&file(h, data).as_slice());
            assert_eq!(f.len(), 1, "{h}");
            assert!(f[0].detail.contains(want), "{}: {}", want, f[0].detail);
        }
    }
}
