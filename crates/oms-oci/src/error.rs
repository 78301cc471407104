//! Everything that can go wrong with a model stored as an OCI artifact. Every message says what
//! was expected and what was found, and names the reference, layer or path concerned.

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid OCI reference {reference:?}: {reason}")]
    Reference { reference: String, reason: String },
    #[error("the {what} from the registry is {size} bytes: expected at most {limit}")]
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    #[error("the {what} from the registry has digest {found}: expected {expected}")]
    DigestMismatch {
        what: String,
        expected: String,
        found: String,
    },
    #[error("invalid {what}: {reason}")]
    InvalidManifest { what: &'static str, reason: String },
    #[error("invalid digest {found:?} in {field}: expected sha256:<64 lowercase hex digits>")]
    InvalidDigest { field: String, found: String },
    #[error(
        "layer {index} ({media_type}) has an invalid {annotation} annotation {path:?}: expected {expected}",
        annotation = crate::media_types::FILEPATH_ANNOTATION
    )]
    InvalidPath {
        index: usize,
        media_type: String,
        path: String,
        expected: &'static str,
    },
    #[error("the model artifact names {path:?} twice (layers {first} and {second}): expected each file once")]
    DuplicatePath {
        path: String,
        first: usize,
        second: usize,
    },
    #[error("the model artifact names {file:?} as a file and {inside:?} inside it: a folder cannot hold both")]
    FileAndFolder { file: String, inside: String },
    #[error("layer {index} has media type {media_type:?}: expected a ModelPack layer (application/vnd.cncf.model.<kind>.v1.raw, .tar or .tar+gzip)")]
    UnsupportedLayer { index: usize, media_type: String },
    #[error("the model artifact has no file layer: expected at least one (an empty model is not signed)")]
    EmptyModel,
    #[error("{path} is not a model folder with files: expected a folder (a ModelPack layer is a file inside one)")]
    NotAFolder { path: std::path::PathBuf },
    #[error("no signature for {subject}: the registry lists no referrer of type {artifact_type}")]
    NoSignature {
        subject: String,
        artifact_type: &'static str,
    },
    #[error("no signature for {subject} verifies ({} tried): {}", .failures.len(), .failures.join("; "))]
    NoValidSignature {
        subject: String,
        failures: Vec<String>,
    },
    #[error("registry {registry}: {action}: {source}")]
    Registry {
        registry: String,
        action: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("archive layer {digest}: entry {entry:?}: {reason}")]
    Archive {
        digest: String,
        entry: String,
        reason: String,
    },
    #[error("the model cannot be verified without pulling its layers: {0}")]
    NeedsPull(crate::NeedsPull),
    #[error(transparent)]
    Model(#[from] model_signing::Error),
}
