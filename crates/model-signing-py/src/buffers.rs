//! Python `bytes` objects that Rust threads fill without the GIL, so a model's files are read
//! straight into the objects handed to Python: no copy, no zero-filling, reads in parallel.

use std::io::Read;
use std::path::Path;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{ffi, PyErr};

use crate::errors::{error, io_error, kind};

/// A fresh `bytes` object of a given length whose contents are not yet written, and where to
/// write them.
pub(crate) struct UninitBytes<'py> {
    pub(crate) object: Bound<'py, PyBytes>,
    target: Target,
}

/// The writable buffer of a `bytes` object no Python code has seen yet.
pub(crate) struct Target {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: a `Target` points into a `bytes` object that this module just created and still
// owns exclusively (no Python code holds it until it is returned); each `Target` is used by
// exactly one thread, and the object outlives every use (it is kept in `UninitBytes`).
unsafe impl Send for Target {}
unsafe impl Sync for Target {}

impl<'py> UninitBytes<'py> {
    pub(crate) fn new(py: Python<'py>, len: u64) -> PyResult<Self> {
        let size = ffi::Py_ssize_t::try_from(len)
            .map_err(|_| error(kind::VALUE, format!("a file of {len} bytes is too large")))?;
        // SAFETY: a NULL source asks CPython for an uninitialised buffer of `size` bytes; the
        // result is a new reference (or NULL with an exception set).
        let object = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyBytes_FromStringAndSize(std::ptr::null(), size),
            )?
        }
        .downcast_into::<PyBytes>()
        .map_err(PyErr::from)?;
        // SAFETY: `object` is a live bytes object; its buffer has `size` bytes (+ a NUL).
        let ptr = unsafe { ffi::PyBytes_AsString(object.as_ptr()) };
        if ptr.is_null() {
            return Err(PyErr::fetch(py));
        }
        let len = usize::try_from(size).unwrap_or(0);
        Ok(Self {
            object,
            target: Target {
                ptr: ptr.cast::<u8>(),
                len,
            },
        })
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }
}

impl Target {
    /// Fills the buffer with the first `len` bytes of the file at `path`; a file now shorter
    /// than when it was listed is an error.
    pub(crate) fn fill_from(&self, path: &Path) -> PyResult<()> {
        // SAFETY: see `unsafe impl Send for Target`: this thread is the only writer, nothing
        // reads the buffer before the fill returns, and `len` is the buffer's size.
        let buf = unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) };
        let mut file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
        file.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                error(
                    kind::VALUE,
                    format!(
                        "{} changed while it was read: it has fewer than the {} bytes listed",
                        path.display(),
                        self.len
                    ),
                )
            } else {
                io_error(path, &e)
            }
        })
    }
}
