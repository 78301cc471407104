//! A ZIP reader driven by the central directory, like miniz (what `torch.load` uses): CRCs
//! and flag bits are ignored, the data start comes from the local header's own lengths.
//! Disagreements a stricter reader would reject are reported, never a reason to skip.

mod zipfile;

pub use zipfile::entries as entries_as_zipfile;

use crate::source::{Source, SourceError};

/// One central-directory entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub method: u16,
    pub compressed: u64,
    pub size: u64,
    /// Offset of the member's data in the archive.
    pub data_start: u64,
    /// Where the local header is.
    pub local_offset: u64,
    /// The local header's name, when it differs from the central directory's.
    pub local_name_mismatch: Option<String>,
    /// Why the reader lists the member but cannot open it.
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("no end-of-central-directory record")]
    NoEnd,
    #[error("central directory: {0}")]
    Bad(String),
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// The fixed part of a central-directory entry (after its `PK\x01\x02` signature, which each
/// reader checks with its own words), as both readers (miniz's and `zipfile`'s) decode it.
pub(crate) struct CentralHeader {
    pub(crate) flags: u16,
    pub(crate) method: u16,
    pub(crate) compressed: u64,
    pub(crate) size: u64,
    pub(crate) name_len: usize,
    pub(crate) extra_len: usize,
    pub(crate) comment_len: usize,
    pub(crate) local_offset: u64,
}

/// Bytes of [`CentralHeader`], signature included; the name, extra field and comment follow.
pub(crate) const CENTRAL_HEADER_LEN: usize = 46;

impl CentralHeader {
    /// `None` when `entry` is shorter than [`CENTRAL_HEADER_LEN`].
    pub(crate) fn decode(entry: &[u8]) -> Option<Self> {
        let head = entry.get(..CENTRAL_HEADER_LEN)?;
        Some(Self {
            flags: u16_at(head, 8)?,
            method: u16_at(head, 10)?,
            compressed: u64::from(u32_at(head, 20)?),
            size: u64::from(u32_at(head, 24)?),
            name_len: usize::from(u16_at(head, 28)?),
            extra_len: usize::from(u16_at(head, 30)?),
            comment_len: usize::from(u16_at(head, 32)?),
            local_offset: u64::from(u32_at(head, 42)?),
        })
    }
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

const MAX_ENTRIES: u64 = 1_000_000;

/// Reads the central directory as miniz (`torch.load`) does.
pub fn entries(src: &dyn Source) -> Result<Vec<Entry>, ZipError> {
    let len = src.len();
    let tail_len = len.min(65_557);
    let tail_start = len - tail_len;
    let tail = src.read(tail_start, tail_len as usize)?;
    let eocd = tail
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .ok_or(ZipError::NoEnd)?;
    let bad = |m: &str| ZipError::Bad(m.to_string());
    let mut count = u64::from(u16_at(&tail, eocd + 10).ok_or_else(|| bad("short EOCD"))?);
    let mut cd_size = u64::from(u32_at(&tail, eocd + 12).ok_or_else(|| bad("short EOCD"))?);
    let mut cd_offset = u64::from(u32_at(&tail, eocd + 16).ok_or_else(|| bad("short EOCD"))?);
    if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        let loc = eocd
            .checked_sub(20)
            .filter(|&l| tail.get(l..l + 4) == Some(b"PK\x06\x07"))
            .ok_or_else(|| bad("ZIP64 locator missing"))?;
        let z64_off = u64_at(&tail, loc + 8).ok_or_else(|| bad("short ZIP64 locator"))?;
        let z = src.read(z64_off, 56)?;
        if z.get(..4) != Some(b"PK\x06\x06") {
            return Err(bad("ZIP64 end record missing"));
        }
        count = u64_at(&z, 32).ok_or_else(|| bad("short ZIP64 record"))?;
        cd_size = u64_at(&z, 40).ok_or_else(|| bad("short ZIP64 record"))?;
        cd_offset = u64_at(&z, 48).ok_or_else(|| bad("short ZIP64 record"))?;
    }
    if count > MAX_ENTRIES {
        return Err(bad("too many entries"));
    }
    let cd_len = usize::try_from(cd_size).map_err(|_| bad("central directory too large"))?;
    let cd = src.read(cd_offset, cd_len)?;
    let mut out = Vec::new();
    let mut p = 0usize;
    for _ in 0..count {
        if cd.get(p..p + 4) != Some(b"PK\x01\x02") {
            return Err(bad("bad central directory entry signature"));
        }
        let CentralHeader {
            method,
            mut compressed,
            mut size,
            name_len,
            extra_len,
            comment_len,
            mut local_offset,
            ..
        } = cd
            .get(p..)
            .and_then(CentralHeader::decode)
            .ok_or_else(|| bad("short entry"))?;
        let name_at = p + CENTRAL_HEADER_LEN;
        let name_bytes = cd
            .get(name_at..name_at + name_len)
            .ok_or_else(|| bad("short entry name"))?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        let extra = cd
            .get(name_at + name_len..name_at + name_len + extra_len)
            .ok_or_else(|| bad("short entry extra field"))?;
        read_zip64_extra(extra, &mut size, &mut compressed, &mut local_offset);
        p = name_at + name_len + extra_len + comment_len;

        let (data_start, local_name_mismatch) =
            local_header(src, local_offset, name_bytes, compressed)?;
        out.push(Entry {
            name,
            method,
            compressed,
            size,
            data_start,
            local_offset,
            local_name_mismatch,
            unreadable: None,
        });
    }
    Ok(out)
}

/// A member's local header at `local_offset`: where its data starts, and the header's own
/// name when it differs from `central_name`.
pub(crate) fn local_header(
    src: &dyn Source,
    local_offset: u64,
    central_name: &[u8],
    compressed: u64,
) -> Result<(u64, Option<String>), ZipError> {
    let bad = |m: &str| ZipError::Bad(m.to_string());
    let lh = src.read(local_offset, 30)?;
    if lh.get(..4) != Some(b"PK\x03\x04") {
        return Err(bad("bad local header signature"));
    }
    let lname_len = u16_at(&lh, 26).ok_or_else(|| bad("short local header"))?;
    let lextra_len = u16_at(&lh, 28).ok_or_else(|| bad("short local header"))?;
    let lname = src.read(local_offset + 30, usize::from(lname_len))?;
    let mismatch =
        (lname.as_ref() != central_name).then(|| String::from_utf8_lossy(&lname).into_owned());
    let data_start = local_offset + 30 + u64::from(lname_len) + u64::from(lextra_len);
    if data_start
        .checked_add(compressed)
        .is_none_or(|e| e > src.len())
    {
        return Err(bad("member data runs past the end of the file"));
    }
    Ok((data_start, mismatch))
}

fn read_zip64_extra(extra: &[u8], size: &mut u64, compressed: &mut u64, offset: &mut u64) {
    let mut p = 0;
    while let (Some(id), Some(len)) = (u16_at(extra, p), u16_at(extra, p + 2)) {
        let body = extra
            .get(p + 4..p + 4 + usize::from(len))
            .unwrap_or_default();
        if id == 1 {
            let mut q = 0;
            for field in [size, compressed, offset] {
                if *field == 0xFFFF_FFFF {
                    if let Some(v) = u64_at(body, q) {
                        *field = v;
                        q += 8;
                    }
                }
            }
            return;
        }
        p += 4 + usize::from(len);
    }
}
