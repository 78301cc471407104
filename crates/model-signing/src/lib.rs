//! Sign and verify machine-learning models in the OpenSSF Model Signing (OMS) format.
//!
//! Signing hashes a model into a manifest, wraps it in an in-toto statement and hands that to a
//! [`Signer`], which returns a Sigstore bundle. Verification asks a [`BundleVerifier`] for the
//! authenticated statement, re-hashes the model the way the signature says it was hashed, and
//! compares: one call, [`verify_model`], with a [`VerificationReport`] on mismatch.

mod config;
mod contents;
mod error;
mod model;
mod report;
mod sign;
pub mod signers;
mod traits;
pub mod verifiers;
mod verify;

pub use config::{HashingConfig, VerifyOptions};
pub use contents::{hash_contents, verify_contents, verify_signature};
pub use error::Error;
pub use oms_format::{Digest, HashAlgorithm, Manifest, Method, Serialization};
pub use report::{ChangedResource, VerificationReport};
pub use sign::{digest_model, sign_model};
pub use traits::{BundleVerifier, SignError, Signer, VerifiedPayload, VerifyError};
pub use verify::{verify_model, VerifiedModel};

/// Follows hashing: told the total once, before hashing starts, then the bytes hashed since
/// the last call. Any `Fn(u64) + Sync` closure is a `Progress` that only counts bytes.
pub trait Progress: Sync {
    /// The number of bytes that will be hashed (the model's files, after ignores).
    fn start(&self, _total_bytes: u64) {}
    fn advance(&self, bytes: u64);
}

impl<F: Fn(u64) + Sync> Progress for F {
    fn advance(&self, bytes: u64) {
        self(bytes)
    }
}

/// A progress callback that ignores progress.
pub fn no_progress(_: u64) {}

/// Resolves a command-line `--ignore-paths` value the reference's way: relative to the current
/// directory, symlinks resolved, then made relative to the model; `None` if it is outside.
pub fn resolve_ignore_path(arg: &std::path::Path, model: &std::path::Path) -> Option<String> {
    oms_hashing::resolve_cli_ignore_path(arg, model)
}
