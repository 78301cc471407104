//! Argument groups shared by several subcommands.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use verifier_contract::flags;

/// The model and which of its files take part (every sign, verify and digest command).
#[derive(Debug, Args, PartialEq)]
pub struct ModelArgs {
    /// The model: a directory or a single file.
    #[arg(value_name = "MODEL_PATH")]
    pub model_path: PathBuf,

    /// Paths to leave out, relative to the current directory (repeatable). Paths outside the
    /// model are dropped.
    #[arg(long = flags::IGNORE_PATHS, value_name = "IGNORE_PATHS")]
    pub ignore_paths: Vec<PathBuf>,

    /// Ignore the top-level git files (.git, .gitattributes, .github, .gitignore) [default].
    #[arg(long = flags::IGNORE_GIT_PATHS, overrides_with = "no_ignore_git_paths")]
    pub ignore_git_paths: bool,

    /// Include the git files in the signature.
    #[arg(long = flags::NO_IGNORE_GIT_PATHS, overrides_with = "ignore_git_paths")]
    pub no_ignore_git_paths: bool,

    /// Allow symbolic links to files (their targets' contents are hashed).
    #[arg(long = flags::ALLOW_SYMLINKS)]
    pub allow_symlinks: bool,
}

impl ModelArgs {
    /// Git files are ignored unless the last of the pair given was `--no-ignore-git-paths`.
    pub fn ignore_git_paths(&self) -> bool {
        !self.no_ignore_git_paths
    }
}

/// How a model is hashed when signing (beyond the reference, which only does files + sha256).
#[derive(Debug, Args, PartialEq)]
pub struct HashingArgs {
    /// Hash algorithm for the files (the reference CLI can only verify sha256).
    #[arg(long = "hash-algorithm", value_enum, default_value = "sha256")]
    pub hash_algorithm: HashAlgorithmArg,

    /// Serialization method: one digest per file, or per fixed-size shard.
    #[arg(
        long = "method",
        visible_alias = "serialization",
        value_enum,
        default_value = "files"
    )]
    pub method: MethodArg,

    /// Shard size in bytes (with `--method shards`).
    #[arg(
        long = "shard-size",
        value_name = "BYTES",
        default_value_t = 1_000_000_000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub shard_size: u64,

    /// With `--method shards`, sign even if the model has empty files. Shards record no
    /// resource for an empty file, so adding or removing one (an `__init__.py`) would go
    /// unnoticed; without this flag such models are refused.
    #[arg(long = "allow-empty-files-in-shards")]
    pub allow_empty_files_in_shards: bool,

    /// Number of hashing threads (default: all cores).
    #[arg(long = "workers", value_name = "N", value_parser = parse_workers)]
    pub workers: Option<usize>,
}

pub(super) fn parse_workers(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HashAlgorithmArg {
    Sha256,
    #[value(alias = "blake2")]
    Blake2b,
    Blake3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Files,
    Shards,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}
