//! A cursor over a [`Source`] that reads opcode arguments, tracking FRAME boundaries the way
//! CPython's C unpickler buffers them.

use crate::source::{Source, SourceError};

const CHUNK: usize = 1 << 20;

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The data ended inside an opcode or argument.
    Truncated,
    /// A text argument longer than the caller's limit.
    LineTooLong(usize),
    Source(SourceError),
}

/// How an argument that runs past the end of its FRAME is read: loaders differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// An unpickler over a stream without `peek` (`io.BytesIO`: `torch.load` of a zip
    /// archive): the frame is its buffer, and a read that does not fit in what is left of it
    /// drops that rest and reads fresh bytes after the frame (a line, likewise).
    Exact,
    /// `pickle.loads`, or a buffered file that prefetched past the frame: the bytes are
    /// simply read on.
    Contiguous,
}

pub struct Cursor<'a> {
    src: &'a dyn Source,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    /// End of the unpickler's buffer (the current frame), if inside one.
    pub frame_end: Option<u64>,
    pub framing: Framing,
    /// An argument ran past the end of its frame (the readings differ there).
    pub straddled: bool,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a dyn Source, pos: u64) -> Self {
        Self {
            src,
            pos,
            buf: Vec::new(),
            buf_start: 0,
            frame_end: None,
            framing: Framing::Exact,
            straddled: false,
        }
    }

    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn set_pos(&mut self, pos: u64) {
        self.pos = pos;
    }

    pub fn len(&self) -> u64 {
        self.src.len()
    }

    /// Before reading `n` bytes: leaves the frame when it is used up; a read that does not
    /// fit in the rest of it is a straddle (see [`Framing`]).
    fn check_frame(&mut self, n: u64) {
        if let Some(end) = self.frame_end {
            if self.pos >= end {
                self.frame_end = None;
            } else if self.pos.saturating_add(n) > end {
                self.straddled = true;
                self.frame_end = None;
                if self.framing == Framing::Exact {
                    self.pos = end;
                }
            }
        }
    }

    /// FRAME of `len` bytes, its length just read. Only a frame that does not fit in the
    /// current one makes the unpickler read afresh (after the current frame, in `Exact`).
    pub fn enter_frame(&mut self, len: u64) -> Result<(), ReadError> {
        if self.framing == Framing::Contiguous {
            let fits = self.pos.checked_add(len).is_some_and(|e| e <= self.len());
            return if fits {
                Ok(())
            } else {
                Err(ReadError::Truncated)
            };
        }
        let start = match self.frame_end {
            Some(end) if end > self.pos => {
                if self.pos.saturating_add(len) <= end {
                    return Ok(());
                }
                self.straddled = true;
                end
            }
            _ => self.pos,
        };
        // A frame longer than the data: the C unpickler raises, the pure-Python one reads
        // what there is as the frame and goes on.
        let end = start.saturating_add(len).min(self.len());
        self.pos = start;
        self.frame_end = Some(end);
        Ok(())
    }

    fn fill(&mut self, n: usize) -> Result<(), ReadError> {
        let buf_end = self.buf_start + self.buf.len() as u64;
        if self.pos >= self.buf_start && self.pos.saturating_add(n as u64) <= buf_end {
            return Ok(());
        }
        if self.pos.saturating_add(n as u64) > self.src.len() {
            return Err(ReadError::Truncated);
        }
        let data = match self.src.read_upto(self.pos, n.max(CHUNK)) {
            Ok(data) => data,
            // The read-ahead may reach bytes the capture dropped (a long argument the
            // emulator will skip): read just what is needed.
            Err(SourceError::NotCaptured { .. }) if n < CHUNK => {
                self.src.read_upto(self.pos, n).map_err(ReadError::Source)?
            }
            Err(e) => return Err(ReadError::Source(e)),
        };
        self.buf.clear();
        self.buf.extend_from_slice(&data);
        self.buf_start = self.pos;
        if self.buf.len() < n {
            return Err(ReadError::Truncated);
        }
        Ok(())
    }

    /// `n` bytes (copied; arguments are small or capped by the caller).
    pub fn take(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        self.check_frame(n as u64);
        self.fill(n)?;
        let off = usize::try_from(self.pos - self.buf_start).map_err(|_| ReadError::Truncated)?;
        let out = self
            .buf
            .get(off..off + n)
            .ok_or(ReadError::Truncated)?
            .to_vec();
        self.pos += n as u64;
        Ok(out)
    }

    pub fn byte(&mut self) -> Result<u8, ReadError> {
        self.check_frame(1);
        self.fill(1)?;
        let off = usize::try_from(self.pos - self.buf_start).map_err(|_| ReadError::Truncated)?;
        let b = *self.buf.get(off).ok_or(ReadError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// Skips `n` bytes without reading them (large byte strings).
    pub fn skip(&mut self, n: u64) -> Result<(), ReadError> {
        self.check_frame(n);
        let end = self.pos.checked_add(n).ok_or(ReadError::Truncated)?;
        if end > self.src.len() {
            return Err(ReadError::Truncated);
        }
        self.pos = end;
        Ok(())
    }

    /// A `\n`-terminated line (without the newline), at most `max` bytes. A line that does
    /// not end inside its frame is read on after the frame: in `Exact`, without the part that
    /// was inside (CPython's `readline` slow path).
    pub fn line(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let frame = self.frame_end.filter(|&end| end > self.pos);
        loop {
            if frame == Some(self.pos) {
                self.straddled = true;
                if self.framing == Framing::Exact {
                    out.clear();
                }
            }
            if self.pos >= self.len() && frame.is_none() {
                // The data ends without a newline: CPython's C unpickler raises, the pure
                // Python one (joblib.load) takes the line less its last byte (or an empty
                // one) and goes on.
                out.pop();
                return Ok(out);
            }
            let b = self.byte()?;
            if b == b'\n' {
                return Ok(out);
            }
            if out.len() >= max {
                return Err(ReadError::LineTooLong(max));
            }
            out.push(b);
        }
    }

    pub fn le(&mut self, n: usize) -> Result<u64, ReadError> {
        let bytes = self.take(n)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}
