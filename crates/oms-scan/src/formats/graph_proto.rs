//! Protobuf model files told apart by their top-level fields, not by their first bytes:
//!
//! * ONNX `ModelProto` (ir_version 1, graph 7, ...): code-free, but a tensor's external data
//!   `location` is a path the loader opens: one that leaves the model folder (absolute, or
//!   with `..`) reads any file (CVE-2022-25882, CVE-2024-27318).
//! * TensorFlow `SavedModel` (schema version 1, meta graphs 2): its graph's ops run code
//!   (`saved_model.pb` once passed for ONNX): unknown.
//! * SentencePiece `ModelProto` (`tokenizer.model`: pieces 1, specs 2-5): data only, safe.

use super::protobuf::{self, Field};
use crate::source::Source;
use crate::verdict::{Finding, Verdict};

pub enum GraphProto {
    Onnx(Vec<Finding>),
    SavedModel,
    SentencePiece,
}

const ONNX_MODEL: &[(u64, u8)] = &[
    (1, 0),
    (2, 2),
    (3, 2),
    (4, 2),
    (5, 0),
    (6, 2),
    (7, 2),
    (8, 2),
    (14, 2),
    (20, 2),
    (25, 2),
];
const SAVED_MODEL: &[(u64, u8)] = &[(1, 0), (2, 2)];
const SENTENCEPIECE_MODEL: &[(u64, u8)] = &[(1, 2), (2, 2), (3, 2), (4, 2), (5, 2)];
const SENTENCEPIECE_PIECE: &[(u64, u8)] = &[(1, 2), (2, 5), (3, 0)];
/// Messages inside messages, at most (graphs nest through If/Loop attributes).
const MAX_DEPTH: u8 = 16;

/// What the file is, if it is one of these (`None`: not a protobuf model of these kinds).
pub fn classify(src: &dyn Source) -> Option<GraphProto> {
    let top = protobuf::fields(src, 0, src.len()).ok()?;
    if protobuf::only(&top, ONNX_MODEL) && protobuf::has(&top, 1) && protobuf::has(&top, 7) {
        let mut findings = Vec::new();
        for f in &top {
            let walked = match f.number {
                7 => graph(src, f, 0, &mut findings),
                20 => training_info(src, f, &mut findings),
                25 => function(src, f, &mut findings),
                _ => Ok(()),
            };
            if let Err(why) = walked {
                findings.push(Finding::new(
                    Verdict::Unknown,
                    "onnx",
                    format!("the model's graph cannot be walked: {why}"),
                ));
            }
        }
        return Some(GraphProto::Onnx(findings));
    }
    if protobuf::only(&top, SAVED_MODEL) && protobuf::has(&top, 2) {
        return Some(GraphProto::SavedModel);
    }
    if protobuf::only(&top, SENTENCEPIECE_MODEL) && protobuf::has(&top, 1) {
        let first = top.iter().find(|f| f.number == 1)?;
        let piece = protobuf::inner(src, first).ok()?;
        if protobuf::only(&piece, SENTENCEPIECE_PIECE) && protobuf::has(&piece, 1) {
            return Some(GraphProto::SentencePiece);
        }
    }
    None
}

fn training_info(src: &dyn Source, f: &Field, out: &mut Vec<Finding>) -> Result<(), String> {
    for g in protobuf::inner(src, f)? {
        if matches!(g.number, 1 | 2) && g.wire == 2 {
            graph(src, &g, 1, out)?;
        }
    }
    Ok(())
}

fn function(src: &dyn Source, f: &Field, out: &mut Vec<Finding>) -> Result<(), String> {
    for n in protobuf::inner(src, f)? {
        if n.number == 7 && n.wire == 2 {
            node(src, &n, 1, out)?;
        }
    }
    Ok(())
}

/// GraphProto: nodes (1), initializers (5), sparse initializers (15).
fn graph(src: &dyn Source, f: &Field, depth: u8, out: &mut Vec<Finding>) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("graphs nested too deep".into());
    }
    for g in protobuf::inner(src, f)? {
        match (g.number, g.wire) {
            (1, 2) => node(src, &g, depth, out)?,
            (5, 2) => tensor(src, &g, out)?,
            (15, 2) => sparse_tensor(src, &g, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// NodeProto: attributes (5) hold tensors and subgraphs (If, Loop, Scan).
fn node(src: &dyn Source, f: &Field, depth: u8, out: &mut Vec<Finding>) -> Result<(), String> {
    for a in protobuf::inner(src, f)? {
        if a.number != 5 || a.wire != 2 {
            continue;
        }
        for v in protobuf::inner(src, &a)? {
            match (v.number, v.wire) {
                (5 | 10, 2) => tensor(src, &v, out)?,
                (6 | 11, 2) => graph(src, &v, depth + 1, out)?,
                (22 | 23, 2) => sparse_tensor(src, &v, out)?,
                _ => {}
            }
        }
    }
    Ok(())
}

fn sparse_tensor(src: &dyn Source, f: &Field, out: &mut Vec<Finding>) -> Result<(), String> {
    for t in protobuf::inner(src, f)? {
        if matches!(t.number, 1 | 2) && t.wire == 2 {
            tensor(src, &t, out)?;
        }
    }
    Ok(())
}

/// TensorProto: external_data (13) entries `location` = a path next to the model.
fn tensor(src: &dyn Source, f: &Field, out: &mut Vec<Finding>) -> Result<(), String> {
    for e in protobuf::inner(src, f)? {
        if e.number != 13 || e.wire != 2 {
            continue;
        }
        let entry = protobuf::inner(src, &e)?;
        let text = |n: u64| -> Result<Option<String>, String> {
            match entry.iter().find(|x| x.number == n && x.wire == 2) {
                Some(x) => Ok(Some(
                    String::from_utf8_lossy(&protobuf::bytes(src, x, 4096)?).into_owned(),
                )),
                None => Ok(None),
            }
        };
        if text(1)?.as_deref() == Some("location") {
            let location = text(2)?.unwrap_or_default();
            if let Some(why) = escapes_model_folder(&location) {
                out.push(Finding::new(
                    Verdict::Dangerous,
                    location.clone(),
                    format!("ONNX external data location {location:?} {why}: the loader reads a file outside the model (CVE-2022-25882 pattern)"),
                ));
            }
        }
    }
    Ok(())
}

fn escapes_model_folder(location: &str) -> Option<&'static str> {
    let parts: Vec<&str> = location.split(['/', '\\']).collect();
    if location.starts_with(['/', '\\']) {
        Some("is absolute")
    } else if location.get(1..2) == Some(":") {
        Some("names a drive")
    } else if parts.contains(&"..") {
        Some("climbs out with '..'")
    } else if location.contains('\0') || location.is_empty() {
        Some("is not a file name")
    } else {
        None
    }
}
