//! Errors of walking and hashing a model. Every variant names the path it is about.

use std::io;
use std::path::PathBuf;

use oms_format::manifest::ManifestError;

/// Why a model could not be walked or hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// A symlink was met while symlinks are not allowed (the reference's wording).
    #[error(
        "Cannot use '{}' because it is a symlink. This behavior can be changed with `allow_symlinks`.",
        path.display()
    )]
    Symlink { path: PathBuf },

    /// Neither a regular file nor a directory once links are followed: a FIFO, socket, device,
    /// broken link, missing or unreadable path (the reference's wording).
    #[error(
        "Cannot use '{}' as file or directory. It could be a special file, it could be missing, or there might be a permission issue.",
        path.display()
    )]
    NotFileOrDirectory { path: PathBuf },

    /// A symbolic link to a directory inside the model: the walk does not enter it (like the
    /// reference), so the files behind it could not be covered by a signature.
    #[error(
        "Cannot sign '{}': it is a symbolic link to a directory ({}); expected files only, since the files behind the link would not be covered by the signature",
        path.display(),
        target.display()
    )]
    LinkedDirectory { path: PathBuf, target: PathBuf },

    /// A file to sign whose path is not valid UTF-8; resource names must be UTF-8.
    #[error("Cannot use '{}': expected a UTF-8 file name, found bytes that are not UTF-8", path.display())]
    NonUtf8Name { path: PathBuf },

    /// A file name that verifiers refuse, so a signature over it could never verify.
    #[error("Cannot sign '{}': {problem}", path.display())]
    UnsignableName {
        path: PathBuf,
        problem: oms_format::path::PathProblem,
    },

    /// Reading a directory or a file failed.
    #[error("Cannot read '{}': {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// A resource name that cannot be used: a name given to `hash_named` that leaves the
    /// model, or a file name containing `:` in shard mode (its shard name would not parse).
    #[error("Invalid resource name {name:?}: {source}")]
    InvalidName {
        name: String,
        #[source]
        source: ManifestError,
    },

    /// A file changed between listing and hashing (or while being hashed): its digest would
    /// not describe what was listed.
    #[error("Cannot use '{}': it changed while being hashed ({reason})", path.display())]
    Changed { path: PathBuf, reason: String },

    /// More resources than a verifier reads (shards of a huge or sparse file).
    #[error(
        "Too many resources: {count} shards, expected at most {limit} (the most a verifier reads)"
    )]
    TooManyResources { count: u64, limit: u64 },

    /// Shards of zero bytes were asked for.
    #[error("Invalid shard size: expected at least 1 byte, found 0")]
    ZeroShardSize,

    /// The resources could not be put in the reference's order.
    #[error(transparent)]
    Manifest(#[from] ManifestError),

    /// A broken invariant of this crate (a bug): reported, never turned into a digest.
    #[error("internal error: {0}")]
    Internal(&'static str),

    /// The worker thread pool could not be started.
    /// A bug, not an input problem: hashing finished without a digest for a file or shard.
    #[error("internal error: no digest was computed for hashing task #{index}")]
    MissingDigest { index: usize },

    #[error("Cannot start {workers} hashing threads: {message}")]
    ThreadPool { workers: usize, message: String },
}

impl HashError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
