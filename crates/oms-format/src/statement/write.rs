//! Writing a manifest as the statement bytes the reference would write.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::manifest::{Manifest, Method};

use super::{PREDICATE_TYPE, STATEMENT_TYPE};

/// The statement bytes the reference would write for `manifest` (docs/FORMAT.md §3.4): `json.dumps` layout
/// with `indent=2`, `ensure_ascii`, no trailing newline. Unlike the reference, the key order
/// inside `predicate` is fixed, `shard_size` is an integer and `ignore_paths` is sorted, so the
/// output is deterministic.
pub fn statement_bytes(manifest: &Manifest) -> Vec<u8> {
    let ser = &manifest.serialization;
    let mut serialization = vec![
        ("method", Json::str(ser.method.wire_name())),
        ("hash_type", Json::str(ser.hash_type.wire_name())),
        ("allow_symlinks", Json::Bool(ser.allow_symlinks)),
    ];
    if let Method::Shards { shard_size } = ser.method {
        serialization.push(("shard_size", Json::UInt(shard_size)));
    }
    if !ser.ignore_paths.is_empty() {
        let mut paths: Vec<&str> = ser.ignore_paths.iter().map(String::as_str).collect();
        paths.sort_unstable();
        paths.dedup();
        serialization.push((
            "ignore_paths",
            Json::Arr(paths.into_iter().map(Json::str).collect()),
        ));
    }
    let resources = manifest
        .resources
        .iter()
        .map(|r| {
            Json::Obj(vec![
                ("name", Json::str(&r.name)),
                ("algorithm", Json::str(&r.digest.algorithm)),
                ("digest", Json::Str(Cow::Owned(r.digest.hex()))),
            ])
        })
        .collect();
    let statement = Json::Obj(vec![
        ("_type", Json::str(STATEMENT_TYPE)),
        (
            "subject",
            Json::Arr(vec![Json::Obj(vec![
                ("name", Json::str(&manifest.model_name)),
                (
                    "digest",
                    Json::Obj(vec![(
                        "sha256",
                        Json::Str(Cow::Owned(hex::encode(manifest.root_digest()))),
                    )]),
                ),
            ])]),
        ),
        ("predicateType", Json::str(PREDICATE_TYPE)),
        (
            "predicate",
            Json::Obj(vec![
                ("serialization", Json::Obj(serialization)),
                ("resources", Json::Arr(resources)),
            ]),
        ),
    ]);
    let mut out = String::new();
    write_pretty(&mut out, &statement, 0);
    out.into_bytes()
}

/// The small JSON tree the writer needs; objects keep their key order.
enum Json<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    UInt(u64),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(&'static str, Json<'a>)>),
}

impl<'a> Json<'a> {
    fn str(s: &'a str) -> Self {
        Self::Str(Cow::Borrowed(s))
    }
}

fn write_pretty(out: &mut String, value: &Json<'_>, depth: usize) {
    match value {
        Json::Str(s) => push_json_string(out, s),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::UInt(n) => {
            let _ = write!(out, "{n}");
        }
        Json::Arr(items) if items.is_empty() => out.push_str("[]"),
        Json::Obj(fields) if fields.is_empty() => out.push_str("{}"),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, depth + 1);
                write_pretty(out, item, depth + 1);
            }
            newline_indent(out, depth);
            out.push(']');
        }
        Json::Obj(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, depth + 1);
                push_json_string(out, key);
                out.push_str(": ");
                write_pretty(out, item, depth + 1);
            }
            newline_indent(out, depth);
            out.push('}');
        }
    }
}

fn newline_indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Appends `s` as a JSON string the way Python's `json.dumps(ensure_ascii=True)` does: only
/// printable ASCII is literal, everything else is `\uXXXX` (lowercase, UTF-16 surrogate pairs).
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}
