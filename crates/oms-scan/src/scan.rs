//! Content sniffing and dispatch: which analysis a file's bytes get, never by name.

use crate::formats::graph_proto::{self, GraphProto};
use crate::formats::{gguf, hydra, keras, npy, safetensors, text};
use crate::pickle;
use crate::policy::Policy;
use crate::source::Source;
use crate::tar::scan_tar;
use crate::verdict::{FileReport, Finding, Format, Verdict};
use crate::zip_scan::{scan_zip, zip_appended};

/// `torch.save`'s legacy format starts with this pickle: the magic number 0x1950a86a20f9469cfc6c.
pub(crate) const LEGACY_TORCH_MAGIC: &[u8] =
    b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";
/// Containers inside containers, at most.
pub(crate) const MAX_NESTING: u8 = 4;
/// Decompressed members / files kept in memory, at most.
pub(crate) const MAX_INFLATE: u64 = 1 << 30;
const HEAD: usize = 1 << 16;

/// The analysis of one byte source.
pub(crate) struct Scanned {
    pub format: Format,
    pub findings: Vec<Finding>,
    pub user_allowed: Vec<String>,
    /// Every import the pickles of this file reach (`module.name`), allow-listed or not:
    /// what the differential tests compare with CPython's unpickler.
    pub imports: Vec<String>,
}

impl Scanned {
    pub(crate) fn new(format: Format, findings: Vec<Finding>) -> Self {
        Self {
            format,
            findings,
            user_allowed: Vec::new(),
            imports: Vec::new(),
        }
    }
}

/// Scans one file's bytes. `name` is only used in the report.
pub fn scan_source(name: &str, src: &dyn Source, policy: &Policy) -> FileReport {
    scan_source_reach(name, src, policy).0
}

/// [`scan_source`], and every import its pickles reach (for the differential tests).
pub(crate) fn scan_source_reach(
    name: &str,
    src: &dyn Source,
    policy: &Policy,
) -> (FileReport, Vec<String>) {
    let s = scan(src, policy, 0, false);
    let mut report = FileReport::from_findings(name.to_string(), s.format, s.findings, src.len());
    report.user_allowed = s.user_allowed;
    (report, s.imports)
}

pub(crate) fn unknown(subject: &str, detail: impl Into<String>) -> Finding {
    Finding::new(Verdict::Unknown, subject, detail)
}

/// The analysis of `src` by its first bytes, and, when `zipfile` also finds an archive at its
/// end, of that archive too (a polyglot is judged as the worse of the two).
pub(crate) fn scan(src: &dyn Source, policy: &Policy, depth: u8, force_pickle: bool) -> Scanned {
    let mut s = scan_sniffed(src, policy, depth, force_pickle);
    if matches!(
        s.format,
        Format::Zip | Format::Npz | Format::PytorchZip | Format::TorchScriptZip | Format::Empty
    ) {
        return s;
    }
    if matches!(
        s.format,
        Format::Tar
            | Format::Gguf
            | Format::Hdf5
            | Format::Safetensors
            | Format::Compressed { .. }
            | Format::Onnx
            | Format::SentencePiece
            | Format::SavedModel
    ) {
        pickle_prefix(src, policy, &mut s);
    }
    if let Some(z) = zip_appended(src, policy, depth) {
        s.findings.extend(z.findings);
        for u in z.user_allowed {
            if !s.user_allowed.contains(&u) {
                s.user_allowed.push(u);
            }
        }
    }
    s
}

/// `np.load(allow_pickle=True)` unpickles any file that is not an array or an archive from its
/// first byte (a tar's first bytes are a member name, free text): if the emulator reaches an
/// import or a call there, the file is also a pickle, judged as one.
fn pickle_prefix(src: &dyn Source, policy: &Policy, s: &mut Scanned) {
    let first = src.read_upto(0, 1).ok().and_then(|b| b.first().copied());
    if !first.is_some_and(pickle::is_opcode) {
        return;
    }
    let out = pickle::analyze(src, 0, policy);
    if out.saw_code {
        s.findings.push(unknown(
            "pickle",
            "the file also reads as a pickle that imports or calls (np.load with allow_pickle unpickles it)",
        ));
        s.findings.extend(out.findings);
    }
}

fn scan_sniffed(src: &dyn Source, policy: &Policy, depth: u8, force_pickle: bool) -> Scanned {
    let len = src.len();
    if len == 0 {
        return Scanned::new(Format::Empty, Vec::new());
    }
    let head = match src.read_upto(0, HEAD) {
        Ok(h) => h,
        Err(e) => return Scanned::new(Format::Binary, vec![unknown("read", e.to_string())]),
    };
    let starts = |m: &[u8]| head.starts_with(m);
    if !force_pickle {
        if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
            return scan_zip(src, policy, depth);
        }
        if starts(b"\x93NUMPY") {
            return scan_npy(src, &head, policy);
        }
        if starts(b"GGUF") {
            return Scanned::new(Format::Gguf, gguf::validate(src));
        }
        if starts(b"\x89HDF\r\n\x1a\n") {
            return scan_hdf5(src);
        }
        if safetensors::sniff(&head, len) {
            return Scanned::new(Format::Safetensors, safetensors::validate(src));
        }
        if head.get(257..262) == Some(b"ustar") {
            return scan_tar(src, policy, depth);
        }
        if let Some(kind) = compression(&head) {
            return scan_compressed(src, kind, policy, depth);
        }
    }
    let first = head.first().copied().unwrap_or(0);
    if force_pickle || pickle::is_opcode(first) {
        if let Some(s) = scan_pickles(src, &head, policy, force_pickle) {
            return s;
        }
    }
    // Before text: a protobuf made of printable bytes only is still a model.
    if matches!(head.first(), Some(0x08 | 0x0a)) {
        match graph_proto::classify(src) {
            Some(GraphProto::Onnx(findings)) => return Scanned::new(Format::Onnx, findings),
            Some(GraphProto::SavedModel) => {
                return Scanned::new(
                    Format::SavedModel,
                    vec![unknown(
                        "TensorFlow SavedModel",
                        "a TensorFlow graph: its ops run when the model is loaded, and they are not inspected",
                    )],
                )
            }
            Some(GraphProto::SentencePiece) => {
                return Scanned::new(Format::SentencePiece, Vec::new())
            }
            None => {}
        }
    }
    if text::is_text(&head) {
        let trimmed = head.iter().find(|b| !b.is_ascii_whitespace());
        let full;
        let bytes: &[u8] = if len as usize <= HEAD {
            &head
        } else {
            full = match src.read_upto(0, 64 << 20) {
                Ok(bytes) => bytes,
                // Never a verdict on less than was asked for: fail closed.
                Err(e) => return Scanned::new(Format::Text, vec![unknown("read", e.to_string())]),
            };
            &full
        };
        let mut findings = hydra::findings(&String::from_utf8_lossy(bytes), policy);
        if len > 64 << 20 {
            findings.push(unknown(
                "text",
                "only the first 64 MiB of this text file were read",
            ));
        }
        if matches!(trimmed, Some(b'{' | b'[')) {
            let keras = keras::config_findings(bytes).unwrap_or_else(|| {
                let names_a_class = bytes.windows(10).any(|w| w == b"class_name");
                if names_a_class {
                    vec![unknown(
                        "keras config",
                        "JSON the scanner cannot decode (NaN, Infinity?) that names a class_name: Keras' json.loads may read it",
                    )]
                } else {
                    Vec::new()
                }
            });
            findings.extend(keras);
            return Scanned::new(Format::Json, findings);
        }
        return Scanned::new(Format::Text, findings);
    }
    Scanned::new(
        Format::Binary,
        vec![unknown(
            "format",
            "unrecognised binary format: not a pickle, archive or known tensor format",
        )],
    )
}

/// A pickle file: one pickle, or several in a row (legacy `torch.save` writes five, then raw
/// storage bytes). `None` when it is not a pickle after all: text that starts like one and
/// fails where CPython's unpickler fails too, before any import. A stop at a limit of the
/// emulator is never such a failure: the file is then a pickle with an `unknown` finding.
fn scan_pickles(src: &dyn Source, head: &[u8], policy: &Policy, forced: bool) -> Option<Scanned> {
    let legacy = head.starts_with(LEGACY_TORCH_MAGIC);
    let mut findings = Vec::new();
    let mut user_allowed: Vec<String> = Vec::new();
    let mut imports: Vec<String> = Vec::new();
    let mut pos = 0u64;
    let mut count = 0;
    let mut protocol = 0;
    let mut joblib = false;
    loop {
        let out = pickle::analyze(src, pos, policy);
        if count == 0 {
            let cpython_fails_too = !out.stopped && !out.limit && !out.saw_code;
            if !forced && cpython_fails_too && text::is_text(head) {
                return None;
            }
            protocol = out.protocol;
        }
        joblib |= out.joblib;
        findings.extend(out.findings);
        for i in out.imports {
            if !imports.contains(&i) {
                imports.push(i);
            }
        }
        for u in out.user_allowed {
            if !user_allowed.contains(&u) {
                user_allowed.push(u);
            }
        }
        if let Some((at, why)) = out.error {
            let detail = if count > 0 && at == pos {
                format!("bytes after pickle #{count} are not a pickle: {why}")
            } else {
                why
            };
            findings.push(unknown("malformed pickle", detail).at(at));
            break;
        }
        count += 1;
        pos = out.end;
        if let Some(frame_end) = out.frame_end {
            // The next pickle starts after STOP for a buffered file, after the frame for
            // io.BytesIO: the one after STOP is judged here, the walk goes on after the frame.
            findings.push(
                unknown(
                    "FRAME",
                    format!("pickle #{count} stops inside its FRAME: loaders start the next pickle at different places (both judged)"),
                )
                .at(pos),
            );
            let other = pickle::analyze(src, pos, policy);
            findings.extend(other.findings);
            imports.extend(other.imports);
            pos = frame_end;
        }
        if (legacy && count == 5) || pos >= src.len() {
            break;
        }
    }
    let format = if legacy {
        Format::PytorchLegacy
    } else if joblib {
        Format::Joblib
    } else {
        Format::Pickle { protocol }
    };
    Some(Scanned {
        format,
        findings,
        user_allowed,
        imports,
    })
}

fn scan_npy(src: &dyn Source, head: &[u8], policy: &Policy) -> Scanned {
    let parsed = match npy::parse(head) {
        Ok(p) => p,
        Err(e) => return Scanned::new(Format::Npy, vec![unknown("npy header", e)]),
    };
    if !parsed.is_object {
        return Scanned::new(Format::Npy, Vec::new());
    }
    let out = pickle::analyze(src, parsed.data_start, policy);
    let mut findings = out.findings;
    if let Some((at, why)) = out.error {
        findings.push(unknown("malformed pickle", format!("object array pickle: {why}")).at(at));
    }
    Scanned {
        format: Format::Npy,
        findings,
        user_allowed: out.user_allowed,
        imports: out.imports,
    }
}

fn scan_hdf5(src: &dyn Source) -> Scanned {
    // Keras stores its model config as a JSON attribute (uncompressed); look for it.
    match src.read_upto(0, 256 << 20) {
        Ok(all) => {
            let mut f = keras::hdf5_findings(&all);
            if src.len() > 256 << 20 && f.is_empty() {
                f.push(unknown(
                    "hdf5",
                    "only the first 256 MiB were searched for a Keras config",
                ));
            }
            Scanned::new(Format::Hdf5, f)
        }
        Err(e) => Scanned::new(Format::Hdf5, vec![unknown("read", e.to_string())]),
    }
}

fn compression(head: &[u8]) -> Option<&'static str> {
    Some(match head {
        [0x1f, 0x8b, ..] => "gzip",
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => "zlib",
        [b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c, ..] => "7z",
        [b'B', b'Z', b'h', ..] => "bz2",
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => "xz",
        [0x28, 0xb5, 0x2f, 0xfd, ..] => "zstd",
        [0x04, 0x22, 0x4d, 0x18, ..] => "lz4",
        [b']', 0, 0, ..] => "lzma",
        [b'Z', b'F', ..] => "joblib zfile",
        _ => return None,
    })
}

pub(crate) fn inflate(data: &[u8], kind: &str, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    let read = match kind {
        "gzip" => flate2::read::MultiGzDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out),
        "zlib" => flate2::read::ZlibDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out),
        _ => flate2::read::DeflateDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out),
    };
    read.map_err(|e| format!("{kind} data does not decompress: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!("decompresses to more than {limit} bytes"));
    }
    Ok(out)
}

fn scan_compressed(src: &dyn Source, kind: &str, policy: &Policy, depth: u8) -> Scanned {
    let format = Format::Compressed { kind: kind.into() };
    if !matches!(kind, "gzip" | "zlib") {
        return Scanned::new(
            format,
            vec![unknown(
                "compressed",
                format!("{kind}-compressed data is not inspected"),
            )],
        );
    }
    if depth >= MAX_NESTING || src.len() > MAX_INFLATE {
        return Scanned::new(
            format,
            vec![unknown("compressed", "too large or nested too deep")],
        );
    }
    let data = match src.read(0, src.len() as usize) {
        Ok(d) => d,
        Err(e) => return Scanned::new(format, vec![unknown("read", e.to_string())]),
    };
    match inflate(&data, kind, MAX_INFLATE) {
        Ok(plain) => {
            let mut inner = scan(&plain, policy, depth + 1, false);
            for f in &mut inner.findings {
                relocate(f, kind, None);
            }
            inner.format = match inner.format {
                Format::Joblib | Format::Pickle { .. } => inner.format,
                _ => format,
            };
            inner
        }
        Err(e) => Scanned::new(format, vec![unknown("compressed", e)]),
    }
}

/// Findings inside a member: name the member; offsets inside decompressed data are not file
/// offsets, so they move into the text.
pub(crate) fn relocate(f: &mut Finding, member: &str, base: Option<u64>) {
    f.member = Some(match &f.member {
        Some(inner) => format!("{member}/{inner}"),
        None => member.to_string(),
    });
    match (base, f.offset) {
        (Some(b), Some(o)) => f.offset = Some(b + o),
        (None, Some(o)) => {
            f.detail = format!("{} (offset {o} inside the member)", f.detail);
            f.offset = None;
        }
        _ => {}
    }
}
