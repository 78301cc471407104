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
    /// The signature is valid but the model on disk differs from what was signed.
    #[error("{0}")]
    Mismatch(Box<VerificationReport>),
}
