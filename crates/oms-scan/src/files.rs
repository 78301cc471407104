//! The I/O layer: files on disk as [`Source`]s, and whole models listed the way signing lists
//! them (oms-hashing's walk and ignore rules).

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use oms_hashing::{HashError, IgnoreRules, ModelFile};

use crate::policy::Policy;
use crate::scan::scan_source;
use crate::source::{Source, SourceError};
use crate::verdict::{FileReport, ScanReport};

/// What to scan and with which allow-list.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub policy: Policy,
    /// The same rules signing uses (relative paths).
    pub ignore: IgnoreRules,
    pub allow_symlinks: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            policy: Policy::default(),
            ignore: IgnoreRules::git_defaults(),
            allow_symlinks: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot list the model: {0}")]
    List(#[from] HashError),
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
}

struct FileSource {
    file: File,
    len: u64,
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError> {
        if offset.checked_add(len as u64).is_none_or(|e| e > self.len) {
            return Err(SourceError::OutOfBounds {
                offset,
                len: len as u64,
                size: self.len,
            });
        }
        let mut buf = vec![0u8; len];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| SourceError::Io {
                offset,
                message: e.to_string(),
            })?;
        Ok(Cow::Owned(buf))
    }
}

/// Scans one file on disk, reporting it under `name`.
pub fn scan_file(name: &str, path: &Path, policy: &Policy) -> Result<FileReport, ScanError> {
    let open_err = |source| ScanError::Open {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(open_err)?;
    let len = file.metadata().map_err(open_err)?.len();
    Ok(scan_source(name, &FileSource { file, len }, policy))
}

/// Scans every file of a model (a directory, or a single file reported as `.`), listed with
/// the same walk and ignore rules as signing. Files are scanned in parallel.
pub fn scan_model(model: &Path, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let files = oms_hashing::list_files(model, opts.allow_symlinks, &opts.ignore)?;
    let reports = scan_listed(&files, &opts.policy)?;
    Ok(ScanReport::new(reports, opts.policy.user_entries()))
}

/// Scans already-listed files, in the listing's order.
pub fn scan_listed(files: &[ModelFile], policy: &Policy) -> Result<Vec<FileReport>, ScanError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<FileReport, ScanError>>> = Vec::new();
    results.resize_with(files.len(), || None);
    let slots = std::sync::Mutex::new(results);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let r = scan_file(&f.name, &f.path, policy);
                let mut guard = slots.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(slot) = guard.get_mut(i) {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}
