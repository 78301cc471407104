use std::path::PathBuf;

use crate::report::VerificationReport;
use crate::traits::{SignError, VerifyError};

/// Everything that can go wrong signing, digesting or verifying a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Hashing(#[from] oms_hashing::HashError),
    #[error("invalid ignore path: {0}")]
    IgnorePath(String),
    #[error(transparent)]
    Manifest(#[from] oms_format::ManifestError),
    #[error("invalid signed statement: {0}")]
    Statement(#[from] oms_format::statement::StatementError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is {found}: expected a regular file holding a signature")]
    SignatureNotAFile { path: PathBuf, found: &'static str },
    #[error(
        "the signature file {path} was replaced while the model was verified: expected the \
         file that was read, found another file (or none) at that path"
    )]
    SignatureReplaced { path: PathBuf },
    #[error("{path} is larger than {limit} bytes, the most a signature file may hold")]
    SignatureTooLarge { path: PathBuf, limit: usize },
    #[error(
        "{path} is a symbolic link: a signature is never written through a link; remove the \
         link or choose another signature path"
    )]
    SignatureIsSymlink { path: PathBuf },
    #[error(
        "the model would be recorded as {planned} resources ({files} files, {}), more than the \
         {limit} a signature may hold: use larger shards, or sign the model in parts",
        describe_method(.method)
    )]
    TooManyResources {
        planned: u64,
        files: usize,
        method: oms_format::Method,
        limit: usize,
    },
    #[error(
        "the signed statement would be {size} bytes, more than the {limit} bytes verifiers \
         read: sign the model in parts"
    )]
    StatementTooLarge { size: usize, limit: usize },
    #[error("the signature would be {size} bytes, more than the {limit} bytes verifiers read")]
    BundleTooLarge { size: usize, limit: usize },
    /// No file is left to sign once the ignore rules are applied (OMS v1.0 §6.1: a model
    /// contains at least one file).
    #[error("cannot sign '{}': expected at least one file to sign, found none after the ignore rules (OMS v1.0 §6.1)", path.display())]
    EmptyModel { path: PathBuf },
    /// Shards record nothing for an empty file, so its presence could not be verified.
    #[error("cannot sign '{}' in shards: '{name}' is empty, and shards record no resource for an empty file, so adding or removing it would go unnoticed (allow it explicitly, or sign with files)", path.display())]
    EmptyFileInShards { name: String, path: PathBuf },
    /// The signature is valid but the model on disk differs from what was signed.
    #[error("{0}")]
    Mismatch(Box<VerificationReport>),
}

fn describe_method(method: &oms_format::Method) -> String {
    match method {
        oms_format::Method::Files => "one resource per file".to_string(),
        oms_format::Method::Shards { shard_size } => format!("shards of {shard_size} bytes"),
    }
}
