//! Sign and verify machine-learning models in the OpenSSF Model Signing (OMS) format.
//!
//! Signing hashes a model into a manifest, wraps it in an in-toto statement and hands that to a
//! [`Signer`], which returns a Sigstore bundle. Verification asks a [`BundleVerifier`] for the
//! authenticated statement, re-hashes the model the way the signature says it was hashed, and
//! compares: one call, [`verify_model`], with a [`VerificationReport`] on mismatch.
//!
//! Which files are covered:
//! * A model with no file left after the ignore rules is not signed ([`Error::EmptyModel`],
//!   OMS v1.0 §6.1).
//! * [`Method::Shards`] records no resource for an empty file, so adding or removing one
//!   (an `__init__.py` turns a folder into a Python package) is not detected by any verifier.
//!   Signing with shards refuses a model with empty files ([`Error::EmptyFileInShards`])
//!   unless [`HashingConfig::allow_empty_files_in_shards`] is set; [`Method::Files`] records
//!   them.
//! * Verification compares the model's file list with the signature before reading any file
//!   (added, missing, and in shards mode resized files fail at once); a signed file that is
//!   present but left out by an ignore rule is reported as ignored, with the rule.
//! * Ignore paths are relative to the model root; the library never reads the current
//!   directory (a command line's paths go through [`model_relative_path`] first). A signature
//!   file inside the model is left out at its own path while it is the file read
//!   ([`VerifyOptions::signature`]); other names for it are model files like any other.

mod config;
mod contents;
mod error;
#[cfg(feature = "sigstore-verify")]
mod inspect;
mod limits;
mod model;
mod report;
#[cfg(feature = "scan")]
mod scan;
mod sign;
mod signature_file;
pub mod signers;
mod traits;
mod untrusted;
pub mod verifiers;
mod verify;

pub use config::{HashingConfig, VerifyOptions};
pub use contents::{hash_contents, verify_contents, verify_signature};
pub use error::Error;
#[cfg(feature = "sigstore-verify")]
pub use inspect::{inspect, SignatureClaims, SignerClaims, StatementClaims};
pub use model::{ignore_rules, model_name};
pub use oms_format::{Digest, HashAlgorithm, Manifest, Method, Serialization};
pub use oms_hashing::{model_relative_path, FileId};
pub use report::{ChangedResource, IgnoredResource, VerificationReport};
#[cfg(feature = "scan")]
pub use scan::ScannedModel;
pub use sign::{digest_model, sign_manifest, sign_model};
pub use signature_file::{
    open_signature, read_signature, write_signature, OpenedSignature, SignatureLocation,
};
pub use traits::{
    BundleVerifier, CertificateRole, SignError, Signer, VerifiedPayload, VerifierNote, VerifyError,
};
pub use untrusted::escape_controls;
pub use verifiers::SignatureMethod;
pub use verify::signed_paths;
pub use verify::{plan_verification, verify_model, VerificationPlan, VerifiedModel};

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
