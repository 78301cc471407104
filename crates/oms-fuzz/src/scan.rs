//! The scanner's targets: every byte of a model file is attacker-chosen before it is verified
//! (and `verify --scan` scans the bytes as hashing delivers them).

/// The pickle emulator alone.
pub fn scan_pickle(data: &[u8]) {
    oms_scan::fuzz::fuzz_pickle(data);
}

/// Content sniffing and every format analysis (zip, npy, joblib, safetensors, GGUF, text).
pub fn scan_sniff(data: &[u8]) {
    oms_scan::fuzz::fuzz_sniff(data);
}

/// The capture of `verify --scan`: the first byte picks the chunk size the hashing loop
/// would deliver, the rest is the file.
pub fn scan_capture(data: &[u8]) {
    let Some((&first, file)) = data.split_first() else {
        return;
    };
    let chunk = 1usize << (first % 17);
    oms_scan::fuzz::fuzz_capture(file, chunk);
}
