//! A cursor over a [`Source`] that reads opcode arguments, tracking FRAME boundaries.

use crate::source::{Source, SourceError};

const CHUNK: usize = 1 << 20;

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The data ended inside an opcode or argument.
    Truncated,
    /// An argument crosses the end of the current FRAME (a parser-differential trick).
    FrameStraddle,
    Source(SourceError),
}

pub struct Cursor<'a> {
    src: &'a dyn Source,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    /// End of the current frame, if inside one.
    pub frame_end: Option<u64>,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a dyn Source, pos: u64) -> Self {
        Self {
            src,
            pos,
            buf: Vec::new(),
            buf_start: 0,
            frame_end: None,
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

    fn check_frame(&mut self, n: u64) -> Result<(), ReadError> {
        if let Some(end) = self.frame_end {
            if self.pos >= end {
                self.frame_end = None;
            } else if self.pos.saturating_add(n) > end {
                return Err(ReadError::FrameStraddle);
            }
        }
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
        self.check_frame(n as u64)?;
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
        self.check_frame(1)?;
        self.fill(1)?;
        let off = usize::try_from(self.pos - self.buf_start).map_err(|_| ReadError::Truncated)?;
        let b = *self.buf.get(off).ok_or(ReadError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// Skips `n` bytes without reading them (large byte strings).
    pub fn skip(&mut self, n: u64) -> Result<(), ReadError> {
        self.check_frame(n)?;
        let end = self.pos.checked_add(n).ok_or(ReadError::Truncated)?;
        if end > self.src.len() {
            return Err(ReadError::Truncated);
        }
        self.pos = end;
        Ok(())
    }

    /// A `\n`-terminated line (without the newline), at most `max` bytes.
    pub fn line(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        loop {
            let b = self.byte()?;
            if b == b'\n' {
                return Ok(out);
            }
            if out.len() >= max {
                return Err(ReadError::Truncated);
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
