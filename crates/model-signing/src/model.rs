//! Hashing a model on disk into resources, shared by signing, digesting and verifying.

use std::path::Path;

use oms_format::Resource;
use oms_hashing::{HashObserver, HashOptions, IgnoreRules, ModelFile, GIT_DEFAULT_PATHS};

use crate::{Error, Progress};

/// The ignore rules for a run: the given paths plus, if asked, the top-level git paths.
/// Returns the rules and the list a signature records: the rules' own normalized, sorted,
/// de-duplicated paths.
pub fn ignore_rules(
    paths: &[String],
    ignore_git_paths: bool,
) -> Result<(IgnoreRules, Vec<String>), Error> {
    let git: &[&str] = if ignore_git_paths {
        &GIT_DEFAULT_PATHS
    } else {
        &[]
    };
    let all = paths.iter().map(String::as_str).chain(git.iter().copied());
    let rules = IgnoreRules::from_paths(all).map_err(|e| Error::IgnorePath(e.to_string()))?;
    let recorded = rules.paths().map(str::to_string).collect();
    Ok((rules, recorded))
}

/// The model name the reference records: the last path component, or the canonical
/// directory's name for `.`-like paths. Verifiers ignore it.
pub fn model_name(model: &Path) -> String {
    let last = model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !last.is_empty() && last != ".." {
        return last;
    }
    std::fs::canonicalize(model)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
}

/// Hashes listed files, telling `progress` their total size first, and showing every byte
/// hashed to `observer` if there is one (verify-plus-scan scans them).
pub(crate) fn hash_listed(
    files: &[ModelFile],
    opts: &HashOptions,
    progress: &dyn Progress,
    observer: Option<&dyn HashObserver>,
) -> Result<Vec<Resource>, Error> {
    progress.start(oms_hashing::total_len(files));
    let advance = |bytes| progress.advance(bytes);
    Ok(match observer {
        Some(observer) => oms_hashing::hash_files_observed(files, opts, &advance, observer)?,
        None => oms_hashing::hash_files(files, opts, &advance)?,
    })
}
