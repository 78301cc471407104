//! Read-ahead for one long sequential hash stream.
//!
//! A whole-file digest cannot be split across cores, but its reads (copies out of the page
//! cache, ~10-15% of the work) can. The owner of a long stream publishes it; threads that have
//! run out of tasks read chunks ahead into buffers and hand them over in order. The owner
//! never waits for a chunk nobody is reading: it reads that one itself. So the stream finishes
//! even with no helper, and helpers only ever wait on a running owner.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, ErrorKind};
use std::os::unix::fs::FileExt;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Bytes per chunk handed between threads.
pub(crate) const CHUNK: usize = 256 * 1024;
/// Chunks read ahead (ready or being read) at most, per stream: bounds memory.
const AHEAD: usize = 8;

pub(crate) struct Prefetch {
    file: File,
    end: Option<u64>,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The next offset no thread has claimed yet.
    claim: u64,
    in_flight: BTreeSet<u64>,
    ready: BTreeMap<u64, io::Result<Vec<u8>>>,
    free: Vec<Vec<u8>>,
    /// Where a short read showed the data ends.
    eof_at: Option<u64>,
    /// The owner is done (finished, or failed): helpers leave.
    finished: bool,
}

impl Prefetch {
    /// A stream over `file` from `start` to `end` (`None`: to the end of file).
    pub(crate) fn new(file: File, start: u64, end: Option<u64>) -> Self {
        Self {
            file,
            end,
            state: Mutex::new(State {
                claim: start,
                ..State::default()
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state inconsistent in a way that
        // matters more than the panic itself, which the pool propagates.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn chunk_len(&self, offset: u64) -> usize {
        match self.end {
            Some(end) => {
                usize::try_from(end.saturating_sub(offset)).map_or(CHUNK, |n| n.min(CHUNK))
            }
            None => CHUNK,
        }
    }

    /// The owner's side: feeds each chunk, in order, to `consume`. Returns the bytes streamed.
    pub(crate) fn stream(&self, start: u64, consume: &mut dyn FnMut(&[u8])) -> io::Result<u64> {
        // Helpers must be released however this ends, a panic in `consume` included.
        let _release = Finish(self);
        self.stream_inner(start, consume)
    }

    fn stream_inner(&self, start: u64, consume: &mut dyn FnMut(&[u8])) -> io::Result<u64> {
        let mut pos = start;
        loop {
            let want = self.chunk_len(pos);
            if want == 0 {
                return Ok(pos - start);
            }
            let buf = {
                let mut st = self.lock();
                loop {
                    if let Some(chunk) = st.ready.remove(&pos) {
                        break chunk?;
                    }
                    if st.in_flight.contains(&pos) {
                        st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
                        continue;
                    }
                    // Nobody is reading this chunk: read it here.
                    if st.claim <= pos {
                        st.claim = pos + want as u64;
                    }
                    let mut buf = st.free.pop().unwrap_or_default();
                    drop(st);
                    read_chunk(&self.file, &mut buf, pos, want)?;
                    break buf;
                }
            };
            consume(&buf);
            let n = buf.len();
            pos += n as u64;
            let mut st = self.lock();
            st.free.push(buf);
            drop(st);
            self.changed.notify_all();
            if n < want {
                return Ok(pos - start);
            }
        }
    }

    /// A helper's side: reads chunks ahead until the owner is done or the data ends.
    pub(crate) fn help(&self) {
        let mut st = self.lock();
        loop {
            if st.finished {
                return;
            }
            let offset = st.claim;
            let want = self.chunk_len(offset);
            if want == 0 || st.eof_at.is_some_and(|e| offset >= e) {
                return;
            }
            if st.ready.len() + st.in_flight.len() >= AHEAD {
                st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            st.claim = offset + want as u64;
            st.in_flight.insert(offset);
            let mut buf = st.free.pop().unwrap_or_default();
            drop(st);
            let result = read_chunk(&self.file, &mut buf, offset, want).map(|()| buf);
            st = self.lock();
            st.in_flight.remove(&offset);
            if let Ok(buf) = &result {
                if buf.len() < want {
                    let end = offset + buf.len() as u64;
                    st.eof_at = Some(st.eof_at.map_or(end, |e| e.min(end)));
                }
            }
            st.ready.insert(offset, result);
            self.changed.notify_all();
        }
    }
}

/// Marks the stream finished when dropped.
struct Finish<'a>(&'a Prefetch);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.lock().finished = true;
        self.0.changed.notify_all();
    }
}

/// Reads up to `want` bytes at `offset` into `buf` (resized to what was read): short only at
/// the end of the file.
fn read_chunk(file: &File, buf: &mut Vec<u8>, offset: u64, want: usize) -> io::Result<()> {
    buf.resize(want, 0);
    let mut filled = 0;
    while filled < want {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match file.read_at(rest, offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(())
}
