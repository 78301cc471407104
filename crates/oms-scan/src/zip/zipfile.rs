//! The members of a ZIP archive as Python's `zipfile` lists them (what `np.load` of an
//! `.npz` and Keras' `.keras` loader read), which differs from miniz (`torch.load`):
//!
//! * the end record is searched in the last 64 KiB + 22 bytes, and a ZIP64 locator counts
//!   only when it sits right before it;
//! * data prepended to the archive shifts every offset (`concat`);
//! * the central directory is walked entry after entry for its declared size; the entry
//!   count is not used;
//! * names end at a NUL and are UTF-8 only with flag bit 11 (else code page 437).

use super::{
    local_header, u16_at, u32_at, u64_at, CentralHeader, Entry, ZipError, CENTRAL_HEADER_LEN,
};
use crate::source::Source;

/// Code page 437, bytes 0x80-0xFF (the lower half is ASCII).
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

const EOCD: usize = 22;
const ZIP64_LOCATOR: u64 = 20;
const ZIP64_END: u64 = 56;
const MAX_ENTRIES: usize = 1_000_000;

fn cp437(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH
                    .chars()
                    .nth(usize::from(b - 0x80))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            }
        })
        .collect()
}

/// A member name as `zipfile` decodes it: `None` when it cannot (zipfile raises).
fn decode_name(raw: &[u8], utf8: bool) -> Option<String> {
    let name = if utf8 {
        String::from_utf8(raw.to_vec()).ok()?
    } else {
        cp437(raw)
    };
    Some(match name.find('\0') {
        Some(nul) => name.get(..nul).unwrap_or_default().to_string(),
        None => name,
    })
}

/// The end record: (its offset, entry-count-free fields: directory size and offset, and
/// whether the ZIP64 end record replaced them).
fn end_record(src: &dyn Source) -> Result<(u64, u64, u64, bool), ZipError> {
    let len = src.len();
    let bad = |m: &str| ZipError::Bad(m.to_string());
    let tail_len = len.min((1 << 16) + EOCD as u64);
    let tail_start = len - tail_len;
    let tail = src.read(tail_start, tail_len as usize)?;
    let last = tail.len().checked_sub(EOCD);
    let quick = last.filter(|&at| {
        tail.get(at..at + 4) == Some(b"PK\x05\x06") && tail.get(at + 20..at + 22) == Some(&[0, 0])
    });
    let at = match quick {
        Some(at) => at,
        None => tail
            .windows(4)
            .rposition(|w| w == b"PK\x05\x06")
            .filter(|&at| at + EOCD <= tail.len())
            .ok_or(ZipError::NoEnd)?,
    };
    let eocd = tail_start + at as u64;
    let mut cd_size = u64::from(u32_at(&tail, at + 12).ok_or_else(|| bad("short EOCD"))?);
    let mut cd_offset = u64::from(u32_at(&tail, at + 16).ok_or_else(|| bad("short EOCD"))?);
    let mut zip64 = false;
    if let Some(loc_at) = eocd.checked_sub(ZIP64_LOCATOR) {
        let loc = src.read(loc_at, ZIP64_LOCATOR as usize)?;
        if loc.get(..4) == Some(b"PK\x06\x07") {
            let disk = u32_at(&loc, 4).unwrap_or(0);
            let disks = u32_at(&loc, 16).unwrap_or(0);
            if disk != 0 || disks > 1 {
                return Err(bad("archive spans several disks"));
            }
            if let Some(rec_at) = loc_at.checked_sub(ZIP64_END) {
                let rec = src.read(rec_at, ZIP64_END as usize)?;
                if rec.get(..4) == Some(b"PK\x06\x06") {
                    cd_size = u64_at(&rec, 40).ok_or_else(|| bad("short ZIP64 record"))?;
                    cd_offset = u64_at(&rec, 48).ok_or_else(|| bad("short ZIP64 record"))?;
                    zip64 = true;
                }
            }
        }
    }
    Ok((eocd, cd_size, cd_offset, zip64))
}

/// The zip64 extra field (id 1): each listed field replaces the 32-bit one that is maxed.
fn zip64_extra(extra: &[u8], size: &mut u64, compressed: &mut u64, offset: &mut u64) -> bool {
    let mut rest = extra;
    while rest.len() >= 4 {
        let (Some(id), Some(len)) = (u16_at(rest, 0), u16_at(rest, 2)) else {
            return false;
        };
        let len = usize::from(len);
        let Some(data) = rest.get(4..4 + len) else {
            return false;
        };
        if id == 1 {
            let mut q = 0;
            for (field, max) in [
                (&mut *size, 0xFFFF_FFFF),
                (&mut *compressed, 0xFFFF_FFFF),
                (&mut *offset, 0xFFFF_FFFF),
            ] {
                if *field == max {
                    match u64_at(data, q) {
                        Some(v) => *field = v,
                        None => return false,
                    }
                    q += 8;
                }
            }
        }
        rest = rest.get(4 + len..).unwrap_or_default();
    }
    true
}

/// The members `zipfile.ZipFile(...).infolist()` lists, with where each one's data starts.
pub fn entries(src: &dyn Source) -> Result<Vec<Entry>, ZipError> {
    let bad = |m: &str| ZipError::Bad(m.to_string());
    let (eocd, cd_size, cd_offset, zip64) = end_record(src)?;
    let mut concat = i128::from(eocd) - i128::from(cd_size) - i128::from(cd_offset);
    if zip64 {
        concat -= i128::from(ZIP64_END + ZIP64_LOCATOR);
    }
    let start_dir = u64::try_from(i128::from(cd_offset) + concat)
        .map_err(|_| bad("bad offset for the central directory"))?;
    let cd_len = usize::try_from(cd_size).map_err(|_| bad("central directory too large"))?;
    let cd = src.read_upto(start_dir, cd_len)?;
    let mut out = Vec::new();
    let mut p = 0usize;
    while p < cd_len {
        if out.len() >= MAX_ENTRIES {
            return Err(bad("too many entries"));
        }
        let head = cd
            .get(p..p + CENTRAL_HEADER_LEN)
            .ok_or_else(|| bad("truncated central directory"))?;
        if head.get(..4) != Some(b"PK\x01\x02") {
            return Err(bad("bad magic number for central directory"));
        }
        let CentralHeader {
            flags,
            method,
            mut compressed,
            mut size,
            name_len,
            extra_len,
            comment_len,
            local_offset: mut header_offset,
        } = CentralHeader::decode(head).ok_or_else(|| bad("short entry"))?;
        // A short read at the end of the directory is taken as it is, like `fp.read(n)`.
        let clamped = |from: usize, len: usize| {
            let from = from.min(cd.len());
            cd.get(from..(from + len).min(cd.len())).unwrap_or_default()
        };
        let raw_name = clamped(p + CENTRAL_HEADER_LEN, name_len);
        let name = decode_name(raw_name, flags & 0x800 != 0)
            .ok_or_else(|| bad("member name is not UTF-8 although flag bit 11 says so"))?;
        let extra_at = p + CENTRAL_HEADER_LEN + name_len;
        let extra = clamped(extra_at, extra_len);
        if !zip64_extra(extra, &mut size, &mut compressed, &mut header_offset) {
            return Err(bad("corrupt extra field"));
        }
        p += CENTRAL_HEADER_LEN + name_len + extra_len + comment_len;
        let mut entry = Entry {
            name,
            method,
            compressed,
            size,
            data_start: 0,
            local_offset: 0,
            local_name_mismatch: None,
            unreadable: None,
        };
        match u64::try_from(i128::from(header_offset) + concat) {
            Ok(at) => {
                entry.local_offset = at;
                // Where `ZipFile.open` finds the data: after the local header.
                match local_header(src, at, raw_name, entry.compressed) {
                    Ok((start, mismatch)) => {
                        entry.data_start = start;
                        entry.local_name_mismatch = mismatch;
                    }
                    Err(why) => entry.unreadable = Some(why.to_string()),
                }
            }
            Err(_) => entry.unreadable = Some("its offset is before the start of the file".into()),
        }
        out.push(entry);
    }
    Ok(out)
}
