//! Random-access byte input for the analysis. The core never opens files: callers hand it a
//! [`Source`] (a slice, a file reader in the I/O layer, or bytes captured while hashing).

use std::borrow::Cow;

/// Why bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("read of {len} bytes at offset {offset} goes past the end ({size} bytes)")]
    OutOfBounds { offset: u64, len: u64, size: u64 },
    #[error("bytes {offset}..{end} were not captured while hashing")]
    NotCaptured { offset: u64, end: u64 },
    #[error("read failed at offset {offset}: {message}")]
    Io { offset: u64, message: String },
}

/// A file's bytes, read by range.
pub trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Exactly `len` bytes at `offset` (borrowed when possible).
    fn read(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError>;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `len` bytes at `offset` (shorter at the end).
    fn read_upto(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError> {
        let avail = self.len().saturating_sub(offset);
        let len = usize::try_from(avail).map_or(len, |a| a.min(len));
        self.read(offset, len)
    }
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError> {
        let oob = || SourceError::OutOfBounds {
            offset,
            len: len as u64,
            size: <[u8]>::len(self) as u64,
        };
        let this: &[u8] = self;
        let start = usize::try_from(offset).map_err(|_| oob())?;
        let end = start.checked_add(len).ok_or_else(oob)?;
        this.get(start..end).map(Cow::Borrowed).ok_or_else(oob)
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError> {
        let this: &[u8] = self.as_slice();
        let oob = || SourceError::OutOfBounds {
            offset,
            len: len as u64,
            size: this.len() as u64,
        };
        let start = usize::try_from(offset).map_err(|_| oob())?;
        let end = start.checked_add(len).ok_or_else(oob)?;
        this.get(start..end).map(Cow::Borrowed).ok_or_else(oob)
    }
}

/// A window `[start, start+len)` of another source, addressed from 0.
pub struct SubSource<'a> {
    pub inner: &'a dyn Source,
    pub start: u64,
    pub len: u64,
}

impl Source for SubSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError> {
        let end = offset.checked_add(len as u64);
        if end.is_none_or(|e| e > self.len) {
            return Err(SourceError::OutOfBounds {
                offset,
                len: len as u64,
                size: self.len,
            });
        }
        self.inner.read(self.start + offset, len)
    }
}
