//! The in-toto statement carried as the DSSE payload (§3 of the OMS digest): the writer that
//! produces the reference's byte layout, and the parser that turns a signed payload back into
//! the expected manifest (§6.4), including the legacy v0.2 predicate (§6.7).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::manifest::{
    self, Digest, HashAlgorithm, Manifest, ManifestError, Method, Resource, Serialization,
};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// The v0.2 predicate: one subject per file, no serialization block, no root digest.
pub const LEGACY_PREDICATE_TYPE: &str = "https://model_signing/Digests/v0.1";
/// The model name the reference gives legacy statements, which carry none.
pub const LEGACY_MODEL_NAME: &str = "compat-undefined-not-present";
/// Payloads larger than this are refused before parsing.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024 * 1024;
/// Statements listing more resources than this are refused.
pub const MAX_RESOURCES: usize = 1_000_000;

/// Values from hostile input are cut to this many characters in error messages.
const MAX_SHOWN_CHARS: usize = 200;

/// A statement as read from a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedStatement {
    /// Resources in payload order (the order the root digest was computed over). For shards,
    /// plain `algorithm` names are normalized to `<hash>-sharded-<N>`.
    pub manifest: Manifest,
    /// `subject[0].digest.sha256`; for legacy statements, the root over the subjects' digests.
    pub subject_digest: Vec<u8>,
    /// Whether the statement uses the v0.2 predicate [`LEGACY_PREDICATE_TYPE`].
    pub legacy: bool,
}

/// Why a payload is not an acceptable OMS statement. `field` is a JSON path such as
/// `predicate.resources[3].digest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("statement is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("statement is not valid JSON: {0}")]
    NotJson(String),
    #[error("statement field `{field}` is missing")]
    MissingField { field: String },
    #[error("statement field `{field}`: expected {expected}, found {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("Statement type mismatch, expected {STATEMENT_TYPE}, got {found}")]
    StatementType { found: String },
    #[error(
        "Predicate type mismatch, expected {PREDICATE_TYPE} (or the legacy {LEGACY_PREDICATE_TYPE}), got {found}"
    )]
    PredicateType { found: String },
    #[error("Expected only one subject, got {found}")]
    SubjectCount { found: usize },
    #[error("statement field `{field}`: Unknown serialization type {found:?}, expected \"files\" or \"shards\"")]
    UnknownMethod { field: String, found: String },
    #[error(
        "statement field `{field}`: unknown hash type {found:?}, expected \"sha256\", \"blake2b\" or \"blake3\""
    )]
    UnknownHashType { field: String, found: String },
    #[error("statement field `{field}`: expected a positive integral shard size, found {found}")]
    InvalidShardSize { field: String, found: String },
    #[error("statement field `{field}`: ignore path {path:?} is refused: {reason}")]
    InvalidIgnorePath {
        field: String,
        path: String,
        reason: &'static str,
    },
    #[error("statement field `{field}`: {source}")]
    InvalidResourceName {
        field: String,
        #[source]
        source: ManifestError,
    },
    #[error("statement field `{field}`: duplicate resource name {name:?}")]
    DuplicateResource { field: String, name: String },
    #[error("statement field `{field}`: expected algorithm {expected}, found {found:?}")]
    AlgorithmMismatch {
        field: String,
        expected: String,
        found: String,
    },
    #[error("statement field `{field}`: expected hexadecimal digits, found {found:?}")]
    InvalidHex { field: String, found: String },
    #[error("statement field `{field}`: expected {expected} hex digits, found {found}")]
    DigestLength {
        field: String,
        expected: usize,
        found: usize,
    },
    #[error("statement lists {found} resources, more than the limit of {limit}")]
    TooManyResources { found: usize, limit: usize },
    #[error(
        "Manifest is inconsistent. Root digest is {subject}, but the included resources hash to {computed}"
    )]
    InconsistentRoot { subject: String, computed: String },
}

// ---------------------------------------------------------------------------------------------
// Writing

/// The statement bytes the reference would write for `manifest` (§3.4): `json.dumps` layout
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

// ---------------------------------------------------------------------------------------------
// Parsing

/// Parses a signed payload into the manifest it promises (§6.4), checking everything the
/// reference checks plus what it should (sane ignore paths, names inside the model, no
/// duplicates, digest lengths, known algorithms).
pub fn parse_statement(payload: &[u8]) -> Result<SignedStatement, StatementError> {
    parse_with_limits(
        payload,
        Limits {
            max_bytes: MAX_PAYLOAD_BYTES,
            max_resources: MAX_RESOURCES,
        },
    )
}

#[derive(Clone, Copy)]
struct Limits {
    max_bytes: usize,
    max_resources: usize,
}

fn parse_with_limits(payload: &[u8], limits: Limits) -> Result<SignedStatement, StatementError> {
    if payload.len() > limits.max_bytes {
        return Err(StatementError::TooLarge {
            size: payload.len(),
            limit: limits.max_bytes,
        });
    }
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| StatementError::NotJson(e.to_string()))?;
    let top = Node {
        value: &value,
        path: String::new(),
    };
    let statement_type = top.field("_type")?.str()?;
    if statement_type != STATEMENT_TYPE {
        return Err(StatementError::StatementType {
            found: clip(statement_type),
        });
    }
    match top.field("predicateType")?.str()? {
        PREDICATE_TYPE => parse_current(&top, limits),
        LEGACY_PREDICATE_TYPE => parse_legacy(&top, limits),
        other => Err(StatementError::PredicateType { found: clip(other) }),
    }
}

fn parse_current(top: &Node<'_>, limits: Limits) -> Result<SignedStatement, StatementError> {
    let subject_node = top.field("subject")?;
    let subjects = subject_node.array()?;
    let [subject] = subjects else {
        return Err(StatementError::SubjectCount {
            found: subjects.len(),
        });
    };
    let subject = subject_node.item(0, subject);
    // Verifiers ignore the model name; in-toto allows it to be absent.
    let model_name = match subject.opt_field("name")? {
        Some(name) => name.str()?.to_string(),
        None => String::new(),
    };
    let subject_digest = parse_hex(&subject.field("digest")?.field("sha256")?, 32)?;

    let predicate = top.field("predicate")?;
    let serialization = parse_serialization(&predicate.field("serialization")?)?;
    let resources_node = predicate.field("resources")?;
    let items = resources_node.array()?;
    check_resource_count(items.len(), limits)?;

    let mut seen = HashSet::with_capacity(items.len());
    let mut resources = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let node = resources_node.item(i, item);
        let (name, digest) = parse_resource(&node, &serialization)?;
        if !seen.insert(name) {
            return Err(StatementError::DuplicateResource {
                field: node.path,
                name: clip(name),
            });
        }
        resources.push(Resource {
            name: name.to_string(),
            digest,
        });
    }

    let computed = manifest::root_digest(resources.iter().map(|r| r.digest.value.as_slice()));
    if computed.as_slice() != subject_digest.as_slice() {
        return Err(StatementError::InconsistentRoot {
            subject: hex::encode(&subject_digest),
            computed: hex::encode(computed),
        });
    }
    Ok(SignedStatement {
        manifest: Manifest {
            model_name,
            serialization,
            resources,
        },
        subject_digest,
        legacy: false,
    })
}

fn parse_legacy(top: &Node<'_>, limits: Limits) -> Result<SignedStatement, StatementError> {
    let subject_node = top.field("subject")?;
    let subjects = subject_node.array()?;
    check_resource_count(subjects.len(), limits)?;
    let mut seen = HashSet::with_capacity(subjects.len());
    let mut resources = Vec::with_capacity(subjects.len());
    for (i, item) in subjects.iter().enumerate() {
        let node = subject_node.item(i, item);
        let name_node = node.field("name")?;
        let name = name_node.str()?;
        manifest::validate_resource_path(name).map_err(|source| {
            StatementError::InvalidResourceName {
                field: name_node.path.clone(),
                source,
            }
        })?;
        let value = parse_hex(&node.field("digest")?.field("sha256")?, 32)?;
        if !seen.insert(name) {
            return Err(StatementError::DuplicateResource {
                field: node.path,
                name: clip(name),
            });
        }
        resources.push(Resource {
            name: name.to_string(),
            digest: Digest::new(HashAlgorithm::Sha256.wire_name(), value),
        });
    }
    let manifest = Manifest {
        model_name: LEGACY_MODEL_NAME.to_string(),
        serialization: Serialization::default(),
        resources,
    };
    Ok(SignedStatement {
        subject_digest: manifest.root_digest().to_vec(),
        manifest,
        legacy: true,
    })
}

fn check_resource_count(found: usize, limits: Limits) -> Result<(), StatementError> {
    if found > limits.max_resources {
        return Err(StatementError::TooManyResources {
            found,
            limit: limits.max_resources,
        });
    }
    Ok(())
}

fn parse_serialization(node: &Node<'_>) -> Result<Serialization, StatementError> {
    let method_node = node.field("method")?;
    let method_name = method_node.str()?;
    let hash_node = node.field("hash_type")?;
    let hash_name = hash_node.str()?;
    // Only the exact wire names: `SHA256` or the config name `blake2` never verify in Python.
    let hash_type = HashAlgorithm::ALL
        .into_iter()
        .find(|h| h.wire_name() == hash_name)
        .ok_or_else(|| StatementError::UnknownHashType {
            field: hash_node.path.clone(),
            found: clip(hash_name),
        })?;
    let allow_symlinks = node.field("allow_symlinks")?.bool()?;
    let method = match method_name {
        "files" => Method::Files,
        "shards" => Method::Shards {
            shard_size: parse_shard_size(&node.field("shard_size")?)?,
        },
        other => {
            return Err(StatementError::UnknownMethod {
                field: method_node.path,
                found: clip(other),
            })
        }
    };
    let ignore_paths = match node.opt_field("ignore_paths")? {
        Some(paths) => parse_ignore_paths(&paths)?,
        None => Vec::new(),
    };
    Ok(Serialization {
        method,
        hash_type,
        allow_symlinks,
        ignore_paths,
    })
}

/// The reference writes `shard_size` as a float (`1000000000.0`); any JSON number with a
/// positive integral value is accepted.
fn parse_shard_size(node: &Node<'_>) -> Result<u64, StatementError> {
    let Value::Number(n) = node.value else {
        return Err(node.wrong_type("a positive integral number"));
    };
    let invalid = || StatementError::InvalidShardSize {
        field: node.path.clone(),
        found: clip(&n.to_string()),
    };
    if let Some(u) = n.as_u64() {
        return if u > 0 { Ok(u) } else { Err(invalid()) };
    }
    match n.as_f64() {
        // 2^64 is exact as a double; below it every integral double fits in a u64.
        Some(f) if (1.0..18_446_744_073_709_551_616.0).contains(&f) && f.fract() == 0.0 => {
            Ok(f as u64)
        }
        _ => Err(invalid()),
    }
}

fn parse_ignore_paths(node: &Node<'_>) -> Result<Vec<String>, StatementError> {
    let items = node.array()?;
    let mut paths = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item = node.item(i, item);
        let raw = item.str()?;
        let path =
            normalize_ignore_path(raw).map_err(|reason| StatementError::InvalidIgnorePath {
                field: item.path.clone(),
                path: clip(raw),
                reason,
            })?;
        paths.push(path);
    }
    // A set in the reference; sorted here so equal statements compare equal.
    paths.sort_unstable();
    paths.dedup();
    Ok(paths)
}

/// Normalizes a recorded ignore path to `/`-separated components relative to the model root,
/// refusing paths that escape the model or cover all of it: the reference accepts `.`, and a
/// signature ignoring everything then verifies any directory.
pub fn normalize_ignore_path(raw: &str) -> Result<String, &'static str> {
    // The reference would write the platform separator on Windows.
    let path = raw.replace('\\', "/");
    if path.contains('\0') {
        return Err("it contains a NUL character");
    }
    let bytes = path.as_bytes();
    let has_drive = matches!(bytes, [letter, b':', b'/', ..] if letter.is_ascii_alphabetic());
    if path.starts_with('/') || has_drive {
        return Err("it is absolute; expected a path relative to the model");
    }
    let components: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if components.contains(&"..") {
        return Err("it has a `..` component; expected a path inside the model");
    }
    if components.is_empty() {
        return Err("it names the model root, which would ignore every file");
    }
    Ok(components.join("/"))
}

fn parse_resource<'a>(
    node: &Node<'a>,
    serialization: &Serialization,
) -> Result<(&'a str, Digest), StatementError> {
    let name_node = node.field("name")?;
    let name = name_node.str()?;
    validate_name(name, serialization.method).map_err(|source| {
        StatementError::InvalidResourceName {
            field: name_node.path.clone(),
            source,
        }
    })?;
    let algorithm_node = node.field("algorithm")?;
    let algorithm = check_algorithm(algorithm_node.str()?, serialization, &algorithm_node.path)?;
    let value = parse_hex(&node.field("digest")?, serialization.hash_type.digest_len())?;
    Ok((name, Digest::new(algorithm, value)))
}

fn validate_name(name: &str, method: Method) -> Result<(), ManifestError> {
    match method {
        Method::Files => manifest::validate_resource_path(name),
        Method::Shards { .. } => {
            let (path, _, _) = manifest::parse_shard_name(name)?;
            manifest::validate_resource_path(path)
        }
    }
}

/// Files need the plain hash name. Shards accept what the reference writes
/// (`<hash>-sharded-<N>`) and what the spec writes (the plain name), normalized to the former
/// because the algorithm string takes part in digest equality.
fn check_algorithm(
    found: &str,
    serialization: &Serialization,
    field: &str,
) -> Result<String, StatementError> {
    let plain = serialization.hash_type.wire_name();
    let written = serialization.method.algorithm_name(serialization.hash_type);
    let accepted = match serialization.method {
        Method::Files => found == plain,
        Method::Shards { .. } => found == written || found == plain,
    };
    if accepted {
        return Ok(written);
    }
    let expected = match serialization.method {
        Method::Files => format!("{written:?}"),
        Method::Shards { .. } => format!("{written:?} or {plain:?}"),
    };
    Err(StatementError::AlgorithmMismatch {
        field: field.to_string(),
        expected,
        found: clip(found),
    })
}

/// Decodes a hex digest (either case) of exactly `len` bytes.
fn parse_hex(node: &Node<'_>, len: usize) -> Result<Vec<u8>, StatementError> {
    let text = node.str()?;
    if text.len() != 2 * len {
        return Err(StatementError::DigestLength {
            field: node.path.clone(),
            expected: 2 * len,
            found: text.len(),
        });
    }
    hex::decode(text).map_err(|_| StatementError::InvalidHex {
        field: node.path.clone(),
        found: clip(text),
    })
}

/// A JSON value together with its path, so every error can name the field it is about.
struct Node<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn field(&self, key: &str) -> Result<Node<'a>, StatementError> {
        self.opt_field(key)?
            .ok_or_else(|| StatementError::MissingField {
                field: self.child_path(key),
            })
    }

    /// An absent key and an explicit `null` are both "not given".
    fn opt_field(&self, key: &str) -> Result<Option<Node<'a>>, StatementError> {
        let map = self
            .value
            .as_object()
            .ok_or_else(|| self.wrong_type("an object"))?;
        Ok(map.get(key).filter(|v| !v.is_null()).map(|value| Node {
            value,
            path: self.child_path(key),
        }))
    }

    fn item(&self, index: usize, value: &'a Value) -> Node<'a> {
        Node {
            value,
            path: format!("{}[{index}]", self.path),
        }
    }

    fn array(&self) -> Result<&'a [Value], StatementError> {
        self.value
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.wrong_type("an array"))
    }

    fn str(&self) -> Result<&'a str, StatementError> {
        self.value
            .as_str()
            .ok_or_else(|| self.wrong_type("a string"))
    }

    fn bool(&self) -> Result<bool, StatementError> {
        self.value
            .as_bool()
            .ok_or_else(|| self.wrong_type("a boolean"))
    }

    fn wrong_type(&self, expected: &'static str) -> StatementError {
        StatementError::WrongType {
            field: if self.path.is_empty() {
                "(statement)".to_string()
            } else {
                self.path.clone()
            },
            expected,
            found: json_type(self.value),
        }
    }
}

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Cuts a value from untrusted input to a length fit for an error message.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
