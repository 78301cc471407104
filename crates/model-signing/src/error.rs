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
