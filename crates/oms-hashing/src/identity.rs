//! A file's identity on this machine: device and inode, as the open file reports them.

use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;

/// Device and inode of a file: the same for every path (or link) that reaches it, and
/// different for a file that replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    /// The identity recorded in `meta`.
    pub fn of(meta: &Metadata) -> Self {
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }

    /// The identity of the file behind an open handle (an `fstat`, so no path is resolved
    /// again).
    pub fn of_open(file: &File) -> io::Result<Self> {
        file.metadata().map(|meta| Self::of(&meta))
    }
}
