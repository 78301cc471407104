//! The in-toto statement carried as the DSSE payload (docs/FORMAT.md §3): the writer that
//! produces the reference's byte layout, and the parser that turns a signed payload back into
//! the expected manifest (§6.4), including the legacy v0.2 predicate (§6.7).

mod parse;
mod write;

pub use crate::path::normalize_ignore_path;
pub use parse::parse_statement;
pub use write::statement_bytes;

use crate::manifest::{Manifest, ManifestError};

pub(crate) use write::push_json_string;

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// The v0.2 predicate: one subject per file, no serialization block, no root digest.
pub const LEGACY_PREDICATE_TYPE: &str = "https://model_signing/Digests/v0.1";
/// The model name the reference gives legacy statements, which carry none.
pub const LEGACY_MODEL_NAME: &str = "compat-undefined-not-present";
pub use crate::limits::{MAX_PAYLOAD_BYTES, MAX_RESOURCES};

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
        reason: crate::path::PathProblem,
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

/// Cuts a value from untrusted input to a length fit for an error message.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
