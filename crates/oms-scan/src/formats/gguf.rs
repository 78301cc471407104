//! GGUF header validation with checked arithmetic (the llama.cpp parser CVEs are integer
//! overflows and unchecked counts): every count bounded by the bytes left, bounded array
//! nesting, known types, aligned in-bounds non-overlapping tensors, no duplicate names.

use std::collections::HashSet;

use super::chat_template;
use crate::pickle::reader::{Cursor, ReadError};
use crate::source::Source;
use crate::verdict::{Finding, Verdict};

const MAX_STRING: u64 = 1 << 24;
const MAX_DEPTH: u32 = 2;

pub fn validate(src: &dyn Source) -> Vec<Finding> {
    let mut templates = Vec::new();
    match check(src, &mut templates) {
        Ok(()) => templates,
        Err(why) => {
            templates.push(Finding::new(Verdict::Unknown, "gguf header", why));
            templates
        }
    }
}

fn rd(e: ReadError) -> String {
    match e {
        ReadError::Source(e) => e.to_string(),
        _ => "truncated header".into(),
    }
}

/// (block size, bytes per block) of each ggml type id.
fn block(ty: u32) -> Option<(u64, u64)> {
    Some(match ty {
        0 => (1, 4),
        1 => (1, 2),
        2 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        9 => (32, 36),
        10 => (256, 84),
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        16 => (256, 66),
        17 => (256, 74),
        18 => (256, 98),
        19 => (256, 50),
        20 => (32, 18),
        21 => (256, 110),
        22 => (256, 82),
        23 => (256, 136),
        24 => (1, 1),
        25 => (1, 2),
        26 => (1, 4),
        27 => (1, 8),
        28 => (1, 8),
        29 => (256, 56),
        30 => (1, 2),
        34 => (256, 54),
        35 => (256, 66),
        39 => (32, 17),
        _ => return None,
    })
}

struct G<'a> {
    c: Cursor<'a>,
    len: u64,
}

impl G<'_> {
    fn u32(&mut self) -> Result<u32, String> {
        self.c.le(4).map(|v| v as u32).map_err(rd)
    }
    fn u64(&mut self) -> Result<u64, String> {
        self.c.le(8).map_err(rd)
    }
    fn left(&self) -> u64 {
        self.len.saturating_sub(self.c.pos())
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u64()?;
        if n > MAX_STRING || n > self.left() {
            return Err(format!("string length {n} exceeds the data left"));
        }
        let b = self.c.take(n as usize).map_err(rd)?;
        String::from_utf8(b).map_err(|_| "string is not UTF-8".into())
    }
    fn value(&mut self, ty: u32, depth: u32) -> Result<Option<u64>, String> {
        let size = match ty {
            0 | 1 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            7 => {
                let b = self.c.byte().map_err(rd)?;
                if b > 1 {
                    return Err(format!("BOOL value {b}"));
                }
                return Ok(None);
            }
            8 => {
                self.string()?;
                return Ok(None);
            }
            9 => {
                if depth >= MAX_DEPTH {
                    return Err("arrays nested too deep".into());
                }
                let et = self.u32()?;
                let n = self.u64()?;
                if n > self.left() {
                    return Err(format!("array count {n} exceeds the data left"));
                }
                for _ in 0..n {
                    self.value(et, depth + 1)?;
                }
                return Ok(None);
            }
            t => return Err(format!("unknown value type {t}")),
        };
        Ok(Some(self.c.le(size).map_err(rd)?))
    }
}

/// Validates the header; the findings about its chat templates go to `templates`.
fn check(src: &dyn Source, templates: &mut Vec<Finding>) -> Result<(), String> {
    let mut g = G {
        c: Cursor::new(src, 0),
        len: src.len(),
    };
    if g.c.take(4).map_err(rd)? != b"GGUF" {
        return Err("missing GGUF magic".into());
    }
    let version = g.u32()?;
    if !(2..=3).contains(&version) {
        return Err(format!(
            "unsupported GGUF version {version} (expected 2 or 3)"
        ));
    }
    let n_tensors = g.u64()?;
    let n_kv = g.u64()?;
    if n_tensors > g.left() / 24 || n_kv > g.left() / 12 {
        return Err(format!(
            "counts ({n_tensors} tensors, {n_kv} keys) exceed the file size"
        ));
    }
    let mut keys = HashSet::new();
    let mut alignment = 32u64;
    for _ in 0..n_kv {
        let key = g.string()?;
        let ty = g.u32()?;
        if ty == 8 && key.starts_with("tokenizer.chat_template") {
            // A Jinja template the runtime renders (llama-cpp-python's SSTI advisory).
            let template = g.string()?;
            templates.extend(chat_template::findings(&key, &template));
            if !keys.insert(key.clone()) {
                return Err(format!("duplicate key {key:?}"));
            }
            continue;
        }
        let v = g.value(ty, 0)?;
        if key == "general.alignment" {
            let a = v
                .filter(|_| ty == 4)
                .ok_or("general.alignment is not a u32")?;
            if a == 0 || !a.is_power_of_two() || a > 1 << 20 {
                return Err(format!(
                    "general.alignment {a} is not a power of two up to 1 MiB"
                ));
            }
            alignment = a;
        }
        if !keys.insert(key.clone()) {
            return Err(format!("duplicate key {key:?}"));
        }
    }
    let mut names = HashSet::new();
    let mut spans = Vec::new();
    for _ in 0..n_tensors {
        let name = g.string()?;
        let n_dims = g.u32()?;
        if n_dims > 4 {
            return Err(format!("tensor {name:?}: {n_dims} dimensions (max 4)"));
        }
        let mut elements = 1u64;
        let mut first = 1u64;
        for i in 0..n_dims {
            let d = g.u64()?;
            if d > i64::MAX as u64 {
                return Err(format!("tensor {name:?}: negative dimension"));
            }
            if i == 0 {
                first = d;
            }
            elements = elements
                .checked_mul(d)
                .ok_or_else(|| format!("tensor {name:?}: size overflows"))?;
        }
        let ty = g.u32()?;
        let (bs, ts) = block(ty).ok_or_else(|| format!("tensor {name:?}: unknown type {ty}"))?;
        if !first.is_multiple_of(bs) {
            return Err(format!(
                "tensor {name:?}: row of {first} is not whole blocks of {bs}"
            ));
        }
        let nbytes = (elements / bs)
            .checked_mul(ts)
            .ok_or_else(|| format!("tensor {name:?}: size overflows"))?;
        let offset = g.u64()?;
        if !offset.is_multiple_of(alignment) {
            return Err(format!(
                "tensor {name:?}: offset {offset} not aligned to {alignment}"
            ));
        }
        if !names.insert(name.clone()) {
            return Err(format!("duplicate tensor {name:?}"));
        }
        spans.push((offset, nbytes, name));
    }
    let pos = g.c.pos();
    let data_start = pos
        .div_ceil(alignment)
        .checked_mul(alignment)
        .ok_or("overflow")?;
    let data_len = src.len().saturating_sub(data_start);
    spans.sort();
    let mut end = 0u64;
    for (offset, nbytes, name) in spans {
        if offset < end {
            return Err(format!("tensor {name:?} overlaps the previous one"));
        }
        end = offset
            .checked_add(nbytes)
            .filter(|&e| e <= data_len)
            .ok_or_else(|| format!("tensor {name:?} runs past the end of the file"))?;
    }
    Ok(())
}
