//! Python `bytes` objects that Rust threads fill without the GIL, so a model's files are read
//! straight into the objects handed to Python: no copy, no zero-filling, reads in parallel.

use oms_hashing::ModelFile;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{ffi, PyErr};

use crate::errors::{error, kind};

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
    /// Fills the buffer with the listed file's bytes, read once as the walk listed it (see
    /// [`oms_hashing::read_listed`]): a file that changed, was replaced (by another file, a
    /// link, a FIFO or a device) or no longer has its listed size is an error.
    pub(crate) fn fill_from(&self, listed: &ModelFile) -> PyResult<()> {
        // SAFETY: see `unsafe impl Send for Target`: this thread is the only writer, nothing
        // reads the buffer before the fill returns, and `len` is the buffer's size.
        let buf = unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) };
        oms_hashing::read_listed(listed, buf).map_err(|e| error(kind::VALUE, e.to_string()))
    }
}
