//! Fuzz entry points (no panics, bounded memory on any input). A `cargo fuzz` crate can call
//! these directly; the tests feed them random and truncated inputs.

use crate::pickle;
use crate::policy::Policy;
use crate::scan::{scan_source, scan_source_reach};
use crate::verdict::FileReport;

/// The pickle emulator on arbitrary bytes.
pub fn fuzz_pickle(data: &[u8]) {
    let _ = pickle::analyze(&data, 0, &Policy::default());
}

/// Format sniffing and every format analysis on arbitrary bytes.
pub fn fuzz_sniff(data: &[u8]) {
    let _ = scan_source("fuzz", &data, &Policy::default());
}

/// Bytes captured as the hashing hook delivers them, in chunks of `chunk` bytes, then scanned
/// (a caller may compare the report with a scan of the whole of `data`).
pub fn fuzz_capture(data: &[u8], chunk: usize) -> FileReport {
    let mut cap = crate::capture::CapturedFile::new(data.len() as u64);
    for (i, part) in data.chunks(chunk.max(1)).enumerate() {
        cap.feed((i * chunk.max(1)) as u64, part);
    }
    cap.scan("fuzz", &Policy::default())
}

/// A scan of `data` and every import its pickles reach (`module.name`, allow-listed or not):
/// what the differential test compares with the globals CPython's unpickler asks for.
pub fn scan_reach(data: &[u8]) -> (FileReport, Vec<String>) {
    scan_source_reach("fuzz", &data, &Policy::default())
}

/// The members Python's `zipfile` lists in `data`, as the scanner's reader of that kind
/// lists them: (name, local header offset, compressed size, method).
pub fn zipfile_members(data: &[u8]) -> Result<Vec<(String, u64, u64, u16)>, String> {
    crate::zip::entries_as_zipfile(&data)
        .map(|entries| {
            entries
                .into_iter()
                .map(|e| (e.name, e.local_offset, e.compressed, e.method))
                .collect()
        })
        .map_err(|e| e.to_string())
}

/// A `.npy` header as the scanner reads it: `Ok((object array, data offset))`, or why it
/// cannot tell (the file is then `unknown`).
pub fn npy_header(data: &[u8]) -> Result<(bool, u64), String> {
    crate::formats::npy::parse(data).map(|h| (h.is_object, h.data_start))
}
