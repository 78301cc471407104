//! Reports hashing progress to an optional Python callable `progress(done, total)`, called with
//! `(0, total)` once the files are listed, then at most about every 1% and at the end.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;

pub(crate) struct PyProgress {
    callback: Option<Py<PyAny>>,
    total: AtomicU64,
    done: AtomicU64,
    reported: AtomicU64,
    /// The largest `done` handed to the callback: hashing threads race to report, and one that
    /// took its turn first may reach the callback last; it must not report going backwards.
    last_called: Mutex<u64>,
    /// The first exception the callback raised; raised once the work is over.
    failure: Mutex<Option<PyErr>>,
}

impl PyProgress {
    pub(crate) fn new(callback: Option<Py<PyAny>>) -> Self {
        Self {
            callback,
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            reported: AtomicU64::new(0),
            last_called: Mutex::new(0),
            failure: Mutex::new(None),
        }
    }

    fn call(&self, done: u64) {
        let Some(cb) = &self.callback else { return };
        // Held across the call (always taken before the GIL, so the order is the same everywhere).
        let Ok(mut last) = self.last_called.lock() else {
            return;
        };
        if done < *last {
            return;
        }
        *last = done;
        let total = self.total.load(Ordering::Relaxed);
        Python::with_gil(|py| {
            if let Err(e) = cb.call1(py, (done, total)) {
                if let Ok(mut slot) = self.failure.lock() {
                    slot.get_or_insert(e);
                }
            }
        });
    }

    /// Reports the end (if not yet reported) and gives back a callback failure, if any.
    pub(crate) fn finish(&self) -> PyResult<()> {
        let done = self.done.load(Ordering::Relaxed);
        let last = self.last_called.lock().map(|l| *l).unwrap_or(done);
        if self.callback.is_some() && last != done {
            self.call(done);
        }
        match self.failure.lock().ok().and_then(|mut f| f.take()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl model_signing::Progress for PyProgress {
    fn start(&self, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::Relaxed);
        self.call(0);
    }

    fn advance(&self, bytes: u64) {
        if self.callback.is_none() {
            return;
        }
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let step = (self.total.load(Ordering::Relaxed) / 100).max(1);
        let last = self.reported.load(Ordering::Relaxed);
        if done >= last.saturating_add(step)
            && self
                .reported
                .compare_exchange(last, done, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.call(done);
        }
    }
}
