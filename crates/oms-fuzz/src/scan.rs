//! The scanner's targets: every byte of a model file is attacker-chosen before it is verified
//! (and `verify --scan` scans the bytes as hashing delivers them).

use oms_scan::{scan_source, Policy, Verdict};

/// The pickle emulator alone.
pub fn scan_pickle(data: &[u8]) {
    oms_scan::fuzz::fuzz_pickle(data);
}

/// Content sniffing and every format analysis (zip, npy, joblib, safetensors, GGUF, text).
pub fn scan_sniff(data: &[u8]) {
    oms_scan::fuzz::fuzz_sniff(data);
}

/// The capture of `verify --scan`: the first byte picks the chunk size the hashing loop
/// would deliver, the rest is the file. The capture drops what it expects the scanner not to
/// read; it may be wrong only towards caution: whatever it judges safe, a scan of the whole
/// file judges safe too.
pub fn scan_capture(data: &[u8]) {
    let Some((&first, file)) = data.split_first() else {
        return;
    };
    let captured = oms_scan::fuzz::fuzz_capture(file, 1usize << (first % 17));
    if captured.verdict == Verdict::Safe {
        let whole = scan_source("fuzz", &file, &Policy::default());
        assert_eq!(
            whole.verdict,
            Verdict::Safe,
            "the capture judged safe a file whose whole scan finds {:?}",
            whole.findings
        );
    }
}
