//! Hashing only the files a signature lists (`--ignore-unsigned-files`).

use std::collections::BTreeSet;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use oms_format::manifest::{validate_resource_path, Resource};

use crate::error::HashError;
use crate::hash::hash_files;
use crate::ignore::IgnoreRules;
use crate::options::HashOptions;
use crate::walk::{checked_metadata, ModelFile};

/// [`hash_named_with`] refusing symlinks and ignoring nothing.
pub fn hash_named(
    model_path: &Path,
    names: &[String],
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Resource>, Vec<String>), HashError> {
    hash_named_with(
        model_path,
        names,
        false,
        &IgnoreRules::new(),
        opts,
        progress,
    )
}

/// Hashes `model_path/<name>` for each listed resource path (`.` is the model path itself, for
/// a single-file model). In shard mode, pass file paths (without the `:start:end` suffix).
///
/// Returns the resources and the names with no file behind them (absent, or a directory),
/// sorted. The reference aborts on an absent name; reporting it lets the caller show a
/// "missing files" difference instead. Names under an ignored path are skipped, neither hashed
/// nor reported. Each present name gets the same checks as in [`crate::list_files`]
/// (symlink policy, special files); a name that leaves the model (`..`, absolute) is an error.
pub fn hash_named_with(
    model_path: &Path,
    names: &[String],
    allow_symlinks: bool,
    ignore: &IgnoreRules,
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Resource>, Vec<String>), HashError> {
    let (files, missing) = list_named(model_path, names, allow_symlinks, ignore)?;
    let resources = hash_files(&files, opts, progress)?;
    Ok((resources, missing))
}

/// The files [`hash_named_with`] would hash, and the names with no file behind them, so a
/// caller can see the sizes before hashing.
pub fn list_named(
    model_path: &Path,
    names: &[String],
    allow_symlinks: bool,
    ignore: &IgnoreRules,
) -> Result<(Vec<ModelFile>, Vec<String>), HashError> {
    let unique: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for name in unique {
        validate_resource_path(name).map_err(|source| HashError::InvalidName {
            name: name.to_string(),
            source,
        })?;
        if ignore.is_ignored_path(name) {
            continue;
        }
        let path = if name == "." {
            model_path.to_path_buf()
        } else {
            model_path.join(name)
        };
        match fs::symlink_metadata(&path) {
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                missing.push(name.to_string());
                continue;
            }
            _ => {}
        }
        let meta = checked_metadata(&path, allow_symlinks)?;
        if meta.is_file() {
            files.push(ModelFile {
                name: name.to_string(),
                path,
                len: meta.len(),
            });
        } else {
            missing.push(name.to_string());
        }
    }
    Ok((files, missing))
}
