use oms_format::{HashAlgorithm, Method};

use crate::signature_file::SignatureLocation;

/// How a model is hashed when signing or computing its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashingConfig {
    pub method: Method,
    pub algorithm: HashAlgorithm,
    pub allow_symlinks: bool,
    /// Paths relative to the model root, `/`-separated (a command line's paths are resolved
    /// by the caller, e.g. with [`oms_hashing::model_relative_path`]).
    pub ignore_paths: Vec<String>,
    /// Ignore `.git`, `.gitattributes`, `.github` and `.gitignore` at the top level.
    pub ignore_git_paths: bool,
    /// Hashing threads; `None` uses every core.
    pub workers: Option<usize>,
    /// Sign a model containing empty files with [`Method::Shards`]. Shards record no
    /// resource for an empty file, so adding or removing one (e.g. an `__init__.py`, which
    /// turns a folder into a Python package) goes unnoticed; signing refuses such models
    /// unless this is set.
    pub allow_empty_files_in_shards: bool,
}

impl Default for HashingConfig {
    fn default() -> Self {
        Self {
            method: Method::Files,
            algorithm: HashAlgorithm::Sha256,
            allow_symlinks: false,
            ignore_paths: Vec::new(),
            ignore_git_paths: true,
            workers: None,
            allow_empty_files_in_shards: false,
        }
    }
}

/// What the verifier adds to what the signature records. The hashing method, hash type and
/// shard size always come from the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Paths relative to the model root to ignore on top of those recorded in the signature
    /// (needed for signatures older than 1.1.0, which did not record them).
    pub extra_ignore_paths: Vec<String>,
    pub ignore_git_paths: bool,
    pub allow_symlinks: bool,
    /// Also allow symlinks when the signature records `allow_symlinks: true` (the reference
    /// library's behaviour when no hashing configuration is set).
    pub allow_symlinks_as_signed: bool,
    /// Only hash the files the signature lists; files on disk that it does not list are ignored.
    pub ignore_unsigned_files: bool,
    /// The signature file as opened ([`crate::open_signature`]). If it lies inside the model
    /// it is left out at its own path, and only while that path still holds the file that was
    /// read: any other name for the same file (a hard link) is listed like any file, and a
    /// file that took its place is listed, or fails the verification if it comes after the
    /// listing ([`crate::Error::SignatureReplaced`]).
    pub signature: Option<SignatureLocation>,
    /// Hash with this method and algorithm instead of the ones the signature records (the
    /// reference library's `set_hashing_config`); a model hashed differently than it was
    /// signed does not verify.
    pub hashing_override: Option<(Method, HashAlgorithm)>,
    /// Hashing threads; `None` uses every core.
    pub workers: Option<usize>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            extra_ignore_paths: Vec::new(),
            ignore_git_paths: true,
            allow_symlinks: false,
            allow_symlinks_as_signed: false,
            ignore_unsigned_files: false,
            signature: None,
            hashing_override: None,
            workers: None,
        }
    }
}
