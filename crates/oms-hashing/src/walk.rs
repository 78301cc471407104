//! Listing the files of a model the way the reference (HEAD) does: the model path, then what
//! `Path.glob("**/*")` yields (dot-files included, symlinked directories not entered); each
//! candidate is first tested against the ignore rules, then checked (symlink policy, file or
//! directory), and kept if it is a file.

use std::ffi::OsString;
use std::fs::{self, DirEntry, FileType};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use oms_format::path::check_file_name;
use rayon::prelude::*;

use crate::error::HashError;
use crate::identity::FileId;
use crate::ignore::IgnoreRules;

/// A file to hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// The resource path: relative, `/`-separated; `.` for a single-file model.
    pub name: String,
    /// Where to read it (the model path joined with the relative path; links not resolved).
    pub path: PathBuf,
    /// Its size when listed.
    pub len: u64,
    /// The file listed (device and inode): hashing checks it still reads this file.
    pub id: FileId,
    /// Its hard link count when listed. More than one means the same bytes have another name,
    /// possibly outside the model, through which they can be changed: worth reporting.
    pub links: u64,
    /// Whether it was reached through a symlink (allowed). Otherwise it is opened without
    /// following links, so a file swapped for a link after listing is refused.
    pub via_link: bool,
}

/// A symbolic link to a directory inside the model (met only when symlinks are allowed).
/// Like the reference's glob, the walk does not enter it, so nothing below it would be
/// covered by a signature: signing refuses it and verifying reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedDirectory {
    /// Its path relative to the model root, `/`-separated (lossy for a non-UTF-8 name).
    pub name: String,
    /// Where it points, as the link says.
    pub target: PathBuf,
}

/// What [`list_model`] finds: the files to hash and the linked directories not entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelListing {
    pub files: Vec<ModelFile>,
    pub linked_directories: Vec<LinkedDirectory>,
}

/// Lists the files of the model at `model_path` (a directory, or a single file named `.`), for
/// signing: a symbolic link to a directory (met only when symlinks are allowed) is refused,
/// since the files behind it could not be covered by the signature. See [`list_model`].
pub fn list_files(
    model_path: &Path,
    allow_symlinks: bool,
    ignore: &IgnoreRules,
) -> Result<Vec<ModelFile>, HashError> {
    let listing = list_model(model_path, allow_symlinks, ignore)?;
    match listing.linked_directories.into_iter().next() {
        Some(link) => Err(HashError::LinkedDirectory {
            path: model_path.join(&link.name),
            target: link.target,
        }),
        None => Ok(listing.files),
    }
}

/// Lists the files of the model at `model_path` (a directory, or a single file named `.`),
/// and the symbolic links to directories it does not enter.
///
/// Directories are never entered through a symlink, whatever `allow_symlinks` says; with it, a
/// link to a file is kept under the link's own name. Ignored directories are not entered.
/// The result is in walk order (level by level, by name within a directory); hashing sorts
/// resources in the reference's order.
///
/// Unlike the reference, which silently skips a directory it may not list, an unreadable
/// directory is an error. Also unlike it, an ignored symlink is refused unless symlinks are
/// allowed (as 1.1.1 does), a file name a verifier would refuse (see [`oms_format::path`])
/// is refused here, a linked directory is returned rather than skipped unseen, and the
/// signature file ([`IgnoreRules::exclude_signature`]) is left out only at its own path.
pub fn list_model(
    model_path: &Path,
    allow_symlinks: bool,
    ignore: &IgnoreRules,
) -> Result<ModelListing, HashError> {
    let model_path = &normalized_root(model_path);
    let (root_meta, via_link) = checked_metadata(model_path, allow_symlinks)?;
    if root_meta.is_file() {
        if ignore.excludes(Some("."), &root_meta) {
            return Ok(ModelListing::default());
        }
        return Ok(ModelListing {
            files: vec![ModelFile {
                name: ".".to_string(),
                path: model_path.clone(),
                len: root_meta.len(),
                id: FileId::of(&root_meta),
                links: root_meta.nlink(),
                via_link,
            }],
            linked_directories: Vec::new(),
        });
    }
    // Breadth first, one level at a time, the directories of a level listed in parallel (on
    // the current rayon pool). The order of files and of errors depends only on the tree.
    let mut listing = ModelListing::default();
    let mut level = vec![Dir {
        path: model_path.clone(),
        rel: Some(String::new()),
    }];
    while !level.is_empty() {
        let listings: Vec<Result<DirListing, HashError>> = if level.len() > 1 {
            level
                .par_iter()
                .map(|dir| list_dir(dir, allow_symlinks, ignore))
                .collect()
        } else {
            level
                .iter()
                .map(|dir| list_dir(dir, allow_symlinks, ignore))
                .collect()
        };
        let mut next = Vec::new();
        for dir_listing in listings {
            let dir_listing = dir_listing?;
            listing.files.extend(dir_listing.files);
            listing
                .linked_directories
                .extend(dir_listing.linked_directories);
            next.extend(dir_listing.subdirs);
        }
        level = next;
    }
    Ok(listing)
}

/// A directory to list, with its path relative to the model root (`None` below a directory
/// whose name is not UTF-8).
struct Dir {
    path: PathBuf,
    rel: Option<String>,
}

struct DirListing {
    files: Vec<ModelFile>,
    linked_directories: Vec<LinkedDirectory>,
    subdirs: Vec<Dir>,
}

/// One directory's entries, each ignored, checked, kept or queued in name order.
fn list_dir(
    dir: &Dir,
    allow_symlinks: bool,
    ignore: &IgnoreRules,
) -> Result<DirListing, HashError> {
    let mut listing = DirListing {
        files: Vec::new(),
        linked_directories: Vec::new(),
        subdirs: Vec::new(),
    };
    for (name, file_type, entry) in sorted_entries(&dir.path)? {
        let path = dir.path.join(&name);
        let rel = match (&dir.rel, name.to_str()) {
            (Some(r), Some(n)) if r.is_empty() => Some(n.to_string()),
            (Some(r), Some(n)) => Some(format!("{r}/{n}")),
            _ => None,
        };
        if let Some(r) = &rel {
            if ignore.contains_exact(r) {
                // An ignored link still says the model is not what it looks like (1.1.1).
                if file_type.is_symlink() && !allow_symlinks {
                    return Err(HashError::Symlink { path });
                }
                continue;
            }
        }
        let via_link = file_type.is_symlink();
        let meta = if via_link {
            let (target, _) = checked_metadata(&path, allow_symlinks)?;
            if !target.is_file() {
                // A link to a directory: like glob, do not enter it, but say it is there.
                listing.linked_directories.push(LinkedDirectory {
                    name: rel.unwrap_or_else(|| path.to_string_lossy().into_owned()),
                    target: fs::read_link(&path).map_err(|e| HashError::io(&path, e))?,
                });
                continue;
            }
            target
        } else if file_type.is_dir() {
            listing.subdirs.push(Dir { path, rel });
            continue;
        } else if file_type.is_file() {
            // fstatat on the open directory: cheaper than a stat by path.
            entry
                .metadata()
                .map_err(|_| HashError::NotFileOrDirectory { path: path.clone() })?
        } else {
            return Err(HashError::NotFileOrDirectory { path });
        };
        if ignore.excludes(rel.as_deref(), &meta) {
            continue;
        }
        let Some(name) = rel else {
            return Err(HashError::NonUtf8Name { path });
        };
        check_file_name(&name).map_err(|problem| HashError::UnsignableName {
            path: path.clone(),
            problem,
        })?;
        listing.files.push(ModelFile {
            name,
            path,
            len: meta.len(),
            id: FileId::of(&meta),
            links: meta.nlink(),
            via_link,
        });
    }
    Ok(listing)
}

/// The model path as pathlib sees it: `link/` and `link/.` are `link`, so a symlinked root
/// is refused (or followed) the same way however it is written, like the reference.
pub(crate) fn normalized_root(model_path: &Path) -> PathBuf {
    let normalized: PathBuf = model_path.components().collect();
    if normalized.as_os_str().is_empty() {
        model_path.to_path_buf()
    } else {
        normalized
    }
}

/// The reference's check of one candidate: refuse a symlink unless allowed, then require a
/// file or a directory once links are followed. Returns the followed metadata and whether
/// `path` itself is a link.
pub(crate) fn checked_metadata(
    path: &Path,
    allow_symlinks: bool,
) -> Result<(fs::Metadata, bool), HashError> {
    let not_usable = || HashError::NotFileOrDirectory {
        path: path.to_path_buf(),
    };
    let mut meta = fs::symlink_metadata(path).map_err(|_| not_usable())?;
    let is_link = meta.file_type().is_symlink();
    if is_link {
        if !allow_symlinks {
            return Err(HashError::Symlink {
                path: path.to_path_buf(),
            });
        }
        meta = fs::metadata(path).map_err(|_| not_usable())?;
    }
    if meta.is_file() || meta.is_dir() {
        Ok((meta, is_link))
    } else {
        Err(not_usable())
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<(OsString, FileType, DirEntry)>, HashError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| HashError::io(dir, e))? {
        let entry = entry.map_err(|e| HashError::io(dir, e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| HashError::io(entry.path(), e))?;
        entries.push((entry.file_name(), file_type, entry));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}
