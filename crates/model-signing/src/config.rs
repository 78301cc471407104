use oms_format::{HashAlgorithm, Method};

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
    /// Only hash the files the signature lists; files on disk that it does not list are ignored.
    pub ignore_unsigned_files: bool,
    /// The signature file as opened ([`oms_hashing::FileId::of_open`]): left out of the
    /// model wherever it is, by identity rather than by a path that could be re-resolved
    /// elsewhere.
    pub signature_file: Option<oms_hashing::FileId>,
    /// Hashing threads; `None` uses every core.
    pub workers: Option<usize>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            extra_ignore_paths: Vec::new(),
            ignore_git_paths: true,
            allow_symlinks: false,
            ignore_unsigned_files: false,
            signature_file: None,
            workers: None,
        }
    }
}
