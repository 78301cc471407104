//! Protocol-buffer messages walked field by field over a [`Source`], reading only keys,
//! varints and lengths (payloads are skipped unless asked for): how the scanner tells ONNX,
//! a TensorFlow SavedModel and a SentencePiece model apart, and finds ONNX external-data
//! paths, without holding gigabytes of weights.

use crate::source::Source;

/// One field of a message.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub number: u64,
    pub wire: u8,
    /// Where the payload starts (the bytes of a length-delimited field, else the value).
    pub start: u64,
    /// Payload length (a varint's encoded length, 8 or 4 for fixed fields).
    pub len: u64,
}

/// Fields of one message, at most.
pub const MAX_FIELDS: usize = 1 << 20;

fn varint(src: &dyn Source, at: u64, end: u64) -> Result<(u64, u64), String> {
    let bytes = src
        .read_upto(at, 10.min(end.saturating_sub(at)) as usize)
        .map_err(|e| e.to_string())?;
    let mut v = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((v, i as u64 + 1));
        }
    }
    Err(format!("varint at {at} does not end"))
}

/// The fields of the message in `[start, end)`.
pub fn fields(src: &dyn Source, start: u64, end: u64) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        if out.len() >= MAX_FIELDS {
            return Err(format!("more than {MAX_FIELDS} fields"));
        }
        let (key, n) = varint(src, at, end)?;
        at += n;
        let number = key >> 3;
        let wire = (key & 7) as u8;
        if number == 0 {
            return Err(format!("field number 0 at {at}"));
        }
        let len = match wire {
            0 => varint(src, at, end)?.1,
            1 => 8,
            2 => {
                let (l, n) = varint(src, at, end)?;
                at += n;
                l
            }
            5 => 4,
            w => return Err(format!("wire type {w} at {at}")),
        };
        let next = at
            .checked_add(len)
            .filter(|&e| e <= end)
            .ok_or_else(|| format!("field {number} runs past its message"))?;
        out.push(Field {
            number,
            wire,
            start: at,
            len,
        });
        at = next;
    }
    Ok(out)
}

/// The fields of the message a length-delimited field holds.
pub fn inner(src: &dyn Source, f: &Field) -> Result<Vec<Field>, String> {
    fields(src, f.start, f.start + f.len)
}

/// A length-delimited field's bytes (short ones only: names, paths).
pub fn bytes(src: &dyn Source, f: &Field, max: u64) -> Result<Vec<u8>, String> {
    if f.len > max {
        return Err(format!("field {} is longer than {max} bytes", f.number));
    }
    src.read(f.start, f.len as usize)
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}

/// True if every field has one of the `(number, wire type)` pairs.
pub fn only(fields: &[Field], allowed: &[(u64, u8)]) -> bool {
    fields.iter().all(|f| allowed.contains(&(f.number, f.wire)))
}

pub fn has(fields: &[Field], number: u64) -> bool {
    fields.iter().any(|f| f.number == number)
}
