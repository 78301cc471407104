//! Hashing only the files a signature lists (`--ignore-unsigned-files`).

use std::collections::BTreeSet;
use std::fs::{self, Metadata};
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use oms_format::manifest::{validate_resource_path, Resource};

use crate::error::HashError;
use crate::hash::hash_files;
use crate::identity::FileId;
use crate::ignore::IgnoreRules;
use crate::options::HashOptions;
use crate::walk::{checked_metadata, normalized_root, ModelFile};

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
///
/// Every component of a name is checked the way the walk checks it: a symlinked parent
/// directory is refused unless symlinks are allowed, and even then not entered (the walk
/// never enters a linked directory), so the name is reported missing.
pub fn list_named(
    model_path: &Path,
    names: &[String],
    allow_symlinks: bool,
    ignore: &IgnoreRules,
) -> Result<(Vec<ModelFile>, Vec<String>), HashError> {
    let model_path = &normalized_root(model_path);
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
        match lookup(model_path, name, allow_symlinks)? {
            Some((path, meta, via_link)) if meta.is_file() => {
                if ignore.excludes(Some(name), &meta) {
                    continue;
                }
                files.push(ModelFile {
                    name: name.to_string(),
                    path,
                    len: meta.len(),
                    id: FileId::of(&meta),
                    links: meta.nlink(),
                    via_link,
                });
            }
            _ => missing.push(name.to_string()),
        }
    }
    Ok((files, missing))
}

/// Finds `name` below the model: `None` if a component is absent, not a directory, or a
/// linked directory (allowed but not entered); an error for a link that is not allowed.
fn lookup(
    model_path: &Path,
    name: &str,
    allow_symlinks: bool,
) -> Result<Option<(PathBuf, Metadata, bool)>, HashError> {
    if name == "." {
        let (meta, via_link) = checked_metadata(model_path, allow_symlinks)?;
        return Ok(Some((model_path.to_path_buf(), meta, via_link)));
    }
    let (root, _) = checked_metadata(model_path, allow_symlinks)?;
    if !root.is_dir() {
        return Ok(None);
    }
    let mut path = model_path.to_path_buf();
    let mut components = name.split('/').peekable();
    while let Some(component) = components.next() {
        path.push(component);
        match fs::symlink_metadata(&path) {
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok(None);
            }
            Err(e) => return Err(HashError::io(path, e)),
            Ok(meta) => {
                if components.peek().is_none() {
                    break;
                }
                if meta.file_type().is_symlink() {
                    if !allow_symlinks {
                        return Err(HashError::Symlink { path });
                    }
                    return Ok(None);
                }
                if !meta.is_dir() {
                    return Ok(None);
                }
            }
        }
    }
    let (meta, via_link) = checked_metadata(&path, allow_symlinks)?;
    Ok(Some((path, meta, via_link)))
}
