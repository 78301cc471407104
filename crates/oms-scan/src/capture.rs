//! Scanning the very bytes that are hashed: a [`CaptureSet`] receives each file's bytes from
//! the hashing loop (oms-hashing's observer hook), keeps only what the scanner will read
//! (pickles, headers, archive directories) and drops tensor data as it streams past. The
//! scan then runs on the kept bytes; a read of a dropped range is "not captured", so the
//! verdict fails closed (unknown), never safe.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use oms_hashing::ModelFile;

use crate::formats::{npy, safetensors, text};
use crate::pickle;
use crate::policy::Policy;
use crate::scan::scan_source;
use crate::scan::LEGACY_TORCH_MAGIC;
use crate::source::{Source, SourceError};
use crate::verdict::FileReport;

mod pickle_walk;

use pickle_walk::PickleWalk;

const HEAD: u64 = 1 << 16;
/// Streams that must be kept whole (pickles, compressed data) are kept up to this size.
const KEEP_ALL_CAP: u64 = 1 << 30;
/// Every file's last bytes are kept: where a ZIP's end of central directory (22 bytes, a
/// comment of up to 64 KiB) and the ZIP64 locator and record before it are looked for.
const ZIP_TAIL: u64 = (1 << 16) + 22 + 20 + 56;
/// Zip members that are torch storages and larger than this are dropped.
const DROP_MIN: u64 = 4096;
/// Of a dropped member, its first bytes are kept all the same.
const MEMBER_SNIFF: u64 = 8;

#[derive(Debug)]
enum Mode {
    Undecided,
    /// Keep `[0, end)`.
    KeepUntil(u64),
    Zip(ZipWalk),
    /// A binary pickle: kept but for the long arguments the emulator skips.
    Pickle(PickleWalk),
}

#[derive(Debug)]
enum ZipWalk {
    Header(Vec<u8>),
    Data { start: u64, end: u64, keep: bool },
    Rest,
}

/// One file's captured bytes.
#[derive(Debug)]
pub struct CapturedFile {
    listed_len: u64,
    next: u64,
    pending: BTreeMap<u64, Vec<u8>>,
    segments: Vec<(u64, Vec<u8>)>,
    /// Bytes in `segments`.
    kept: u64,
    mode: Mode,
}

impl CapturedFile {
    pub fn new(listed_len: u64) -> Self {
        Self {
            listed_len,
            next: 0,
            pending: BTreeMap::new(),
            segments: Vec::new(),
            kept: 0,
            mode: Mode::Undecided,
        }
    }

    /// Bytes at `offset` (any order; hashing shards may arrive out of order).
    pub fn feed(&mut self, offset: u64, bytes: &[u8]) {
        if offset > self.next {
            self.pending.insert(offset, bytes.to_vec());
            return;
        }
        let skip = usize::try_from(self.next - offset).unwrap_or(usize::MAX);
        if let Some(rest) = bytes.get(skip..) {
            self.process(rest);
        }
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > self.next {
                break;
            }
            let (off, data) = entry.remove_entry();
            let skip = usize::try_from(self.next - off).unwrap_or(usize::MAX);
            if let Some(rest) = data.get(skip..) {
                self.process(rest);
            }
        }
    }

    fn keep(&mut self, at: u64, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.kept += bytes.len() as u64;
        if let Some((start, data)) = self.segments.last_mut() {
            if *start + data.len() as u64 == at {
                data.extend_from_slice(bytes);
                return;
            }
        }
        self.segments.push((at, bytes.to_vec()));
    }

    fn process(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let at = self.next;
            let n = match &mut self.mode {
                Mode::Undecided => {
                    let n = take_len(HEAD.saturating_sub(at), bytes.len());
                    let (now, _) = bytes.split_at(n);
                    self.keep(at, now);
                    if at + n as u64 >= HEAD.min(self.listed_len) {
                        self.decide();
                    }
                    n
                }
                Mode::KeepUntil(end) => {
                    let end = *end;
                    let n = bytes.len();
                    let k = if at < end { take_len(end - at, n) } else { 0 };
                    let (now, rest) = bytes.split_at(k);
                    if k > 0 {
                        self.keep(at, now);
                    }
                    self.keep_tail(at + k as u64, rest);
                    n
                }
                Mode::Pickle(walk) => {
                    let (n, keep) = walk.run(bytes);
                    let n = n.max(1).min(bytes.len());
                    // Past the cap, reads of what is not kept fail closed (unknown).
                    let (now, _) = bytes.split_at(n);
                    if keep && self.kept < KEEP_ALL_CAP {
                        self.keep(at, now);
                    } else {
                        self.keep_tail(at, now);
                    }
                    n
                }
                Mode::Zip(walk) => {
                    let (n, keep) = walk.step(at, bytes);
                    let (now, _) = bytes.split_at(n);
                    if keep {
                        self.keep(at, now);
                    } else {
                        self.keep_tail(at, now);
                    }
                    n
                }
            };
            let n = n.max(1).min(bytes.len());
            self.next += n as u64;
            bytes = bytes.get(n..).unwrap_or_default();
        }
    }

    /// Bytes not kept otherwise but in the file's last [`ZIP_TAIL`]: zipfile looks for an
    /// end of central directory there in every file (a ZIP appended to anything is read).
    fn keep_tail(&mut self, at: u64, bytes: &[u8]) {
        let tail = self.listed_len.saturating_sub(ZIP_TAIL);
        if at + bytes.len() as u64 > tail {
            let skip = take_len(tail.saturating_sub(at), bytes.len());
            self.keep(at + skip as u64, bytes.get(skip..).unwrap_or_default());
        }
    }

    fn head(&self) -> &[u8] {
        self.segments
            .first()
            .filter(|(s, _)| *s == 0)
            .map(|(_, d)| d.as_slice())
            .unwrap_or_default()
    }

    /// Chooses what to keep from the first bytes, mirroring what the scanner will read.
    fn decide(&mut self) {
        let head = self.head();
        let len = self.listed_len;
        let all = KEEP_ALL_CAP;
        let mode = if head.starts_with(b"PK\x03\x04") {
            // The first header's bytes are already kept; walk from the start again.
            let mut walk = ZipWalk::Header(Vec::new());
            let mut pos = 0u64;
            let mut rest = head;
            while !rest.is_empty() {
                let (n, _) = walk.step(pos, rest);
                let n = n.max(1).min(rest.len());
                pos += n as u64;
                rest = rest.get(n..).unwrap_or_default();
            }
            Mode::Zip(walk)
        } else if head.starts_with(b"\x93NUMPY") {
            match npy::parse(head) {
                Ok(h) if !h.is_object => Mode::KeepUntil(h.data_start),
                _ => Mode::KeepUntil(all),
            }
        } else if head.starts_with(b"GGUF") {
            Mode::KeepUntil(64 << 20)
        } else if head.starts_with(b"\x89HDF\r\n\x1a\n") {
            Mode::KeepUntil(256 << 20)
        } else if safetensors::sniff(head, len) {
            let n = head
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_le_bytes);
            Mode::KeepUntil(n.saturating_add(8))
        } else if head.first().copied().is_some_and(pickle::is_opcode) {
            if text::is_text(head) {
                // Text that starts like a pickle may be scanned as text: kept whole.
                Mode::KeepUntil(all)
            } else {
                // The head is kept already; follow its opcodes to know where the walk stands.
                let mut walk = PickleWalk::new(head.starts_with(LEGACY_TORCH_MAGIC));
                let mut rest = head;
                while !rest.is_empty() {
                    let (n, _) = walk.run(rest);
                    rest = rest.get(n..).unwrap_or_default();
                }
                Mode::Pickle(walk)
            }
        } else if text::is_text(head) {
            Mode::KeepUntil(64 << 20)
        } else if matches!(head.first(), Some(0x08 | 0x0a)) {
            // Protobuf models (ONNX, SentencePiece) are walked field by field: kept whole
            // up to a cap, like HDF5 (past it, the walk fails closed).
            Mode::KeepUntil(256 << 20)
        } else {
            // Archives, compressed streams: kept whole (up to the cap); anything else is
            // only sniffed.
            let compressed = head.get(257..262) == Some(b"ustar")
                || matches!(head, [0x1f, 0x8b, ..] | [0x78, ..]);
            Mode::KeepUntil(if compressed { all } else { HEAD })
        };
        let reserve = match mode {
            Mode::KeepUntil(end) => Some(end),
            Mode::Pickle(_) => Some(all),
            _ => None,
        };
        if let Some(end) = reserve {
            // One allocation of the final size: growing by doubling would peak at twice the
            // kept bytes (2 GiB for a 1 GiB pickle). Pages never written stay virtual.
            if let Some((0, data)) = self.segments.first_mut() {
                let extra = end.min(len).saturating_sub(data.len() as u64);
                data.reserve_exact(usize::try_from(extra).unwrap_or(0));
            }
        }
        self.mode = mode;
    }

    /// How many bytes the capture holds (kept ranges and chunks waiting for earlier ones).
    pub fn held_bytes(&self) -> u64 {
        let pending: usize = self.pending.values().map(Vec::len).sum();
        self.kept + pending as u64
    }

    /// Scans what was captured.
    pub fn scan(mut self, name: &str, policy: &Policy) -> FileReport {
        if matches!(self.mode, Mode::Undecided) {
            self.decide();
        }
        let len = self.next.max(self.listed_len);
        let src = Sparse {
            len,
            segments: &self.segments,
        };
        scan_source(name, &src, policy)
    }
}

fn take_len(limit: u64, avail: usize) -> usize {
    usize::try_from(limit).map_or(avail, |l| l.min(avail))
}

fn is_torch_storage(name: &[u8]) -> bool {
    let name = String::from_utf8_lossy(name);
    name.rsplit_once('/')
        .is_some_and(|(dir, _)| dir == "data" || dir.ends_with("/data"))
}

impl ZipWalk {
    /// Consumes up to `bytes.len()` bytes at `at`; returns how many and whether to keep them.
    fn step(&mut self, at: u64, bytes: &[u8]) -> (usize, bool) {
        match self {
            ZipWalk::Rest => (bytes.len(), true),
            ZipWalk::Data { start, end, keep } => {
                let mut n = take_len(end.saturating_sub(at), bytes.len());
                let mut keep = *keep;
                let sniffed = *start + MEMBER_SNIFF;
                if !keep && at < sniffed {
                    // A dropped member's first bytes: the scanner looks at them to tell raw
                    // tensor bytes from an array or archive a loader would read.
                    n = take_len(sniffed - at, n);
                    keep = true;
                }
                if at + n as u64 >= *end {
                    *self = ZipWalk::Header(Vec::new());
                }
                (n, keep)
            }
            ZipWalk::Header(buf) => {
                let need = if buf.len() < 30 {
                    30
                } else {
                    let n = u16_le(buf, 26) + u16_le(buf, 28);
                    30 + n
                };
                let n = (need - buf.len().min(need)).min(bytes.len());
                buf.extend_from_slice(bytes.get(..n).unwrap_or_default());
                if buf.len() >= 4 && buf.get(..4) != Some(b"PK\x03\x04") {
                    *self = ZipWalk::Rest;
                    return (n, true);
                }
                if buf.len() >= 30 {
                    let full = 30 + u16_le(buf, 26) + u16_le(buf, 28);
                    if buf.len() >= full {
                        let flags = u16_le(buf, 6);
                        let csize = u32::from_le_bytes(
                            buf.get(18..22)
                                .and_then(|b| b.try_into().ok())
                                .unwrap_or([0; 4]),
                        );
                        let name_end = 30 + u16_le(buf, 26);
                        let name = buf.get(30..name_end).unwrap_or_default();
                        let extra = buf.get(name_end..full).unwrap_or_default();
                        let csize = if csize == u32::MAX {
                            zip64_local_csize(extra)
                        } else {
                            Some(u64::from(csize))
                        };
                        match csize {
                            Some(csize) if flags & 8 == 0 => {
                                let drop = is_torch_storage(name) && csize > DROP_MIN;
                                *self = ZipWalk::Data {
                                    start: at + n as u64,
                                    end: at + n as u64 + csize,
                                    keep: !drop,
                                };
                            }
                            // Sizes only in a data descriptor: the member's end is unknown.
                            _ => *self = ZipWalk::Rest,
                        }
                    }
                }
                (n, true)
            }
        }
    }
}

/// The compressed size from a local header's ZIP64 extra field (id 1), which holds the
/// uncompressed then the compressed size when the header's 32-bit fields are 0xFFFFFFFF
/// (Python's zipfile writes it for members opened for streaming, miniz for members over 4 GiB).
fn zip64_local_csize(mut extra: &[u8]) -> Option<u64> {
    while extra.len() >= 4 {
        let id = u16_le(extra, 0);
        let size = u16_le(extra, 2);
        let body = extra.get(4..4 + size)?;
        if id == 1 {
            return body
                .get(8..16)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes);
        }
        extra = extra.get(4 + size..)?;
    }
    None
}

fn u16_le(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(
        b.get(at..at + 2)
            .and_then(|x| x.try_into().ok())
            .unwrap_or([0; 2]),
    ))
}

struct Sparse<'a> {
    len: u64,
    segments: &'a [(u64, Vec<u8>)],
}

impl Source for Sparse<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, SourceError> {
        let end = offset
            .checked_add(len as u64)
            .filter(|&e| e <= self.len)
            .ok_or(SourceError::OutOfBounds {
                offset,
                len: len as u64,
                size: self.len,
            })?;
        let i = self.segments.partition_point(|(s, _)| *s <= offset);
        let seg = i.checked_sub(1).and_then(|i| self.segments.get(i));
        if let Some((start, data)) = seg {
            let from = usize::try_from(offset - start).unwrap_or(usize::MAX);
            if let Some(slice) = data.get(from..from.saturating_add(len)) {
                return Ok(Cow::Borrowed(slice));
            }
        }
        Err(SourceError::NotCaptured { offset, end })
    }
}

/// The captures of every file hashed in one run; hand it to the hashing hook.
#[derive(Default)]
pub struct CaptureSet {
    files: Mutex<HashMap<String, Arc<Mutex<CapturedFile>>>>,
}

impl CaptureSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Scans every captured file, sorted by name.
    pub fn scan_all(self, policy: &Policy) -> Vec<FileReport> {
        let files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<FileReport> = files
            .into_iter()
            .filter_map(|(name, cap)| {
                let cap = Arc::into_inner(cap)?
                    .into_inner()
                    .unwrap_or_else(|e| e.into_inner());
                Some(cap.scan(&name, policy))
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

impl oms_hashing::HashObserver for CaptureSet {
    /// Takes the bytes of `file` at `offset` as hashing reads them.
    fn observe(&self, file: &ModelFile, offset: u64, bytes: &[u8]) {
        let cap = {
            let mut map = self.files.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(
                map.entry(file.name.clone())
                    .or_insert_with(|| Arc::new(Mutex::new(CapturedFile::new(file.len)))),
            )
        };
        cap.lock()
            .unwrap_or_else(|e| e.into_inner())
            .feed(offset, bytes);
    }
}
