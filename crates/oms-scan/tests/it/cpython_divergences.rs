//! Streams CPython's unpickler (3.11, `pickle.loads` with a recording `find_class`) runs to a
//! global, built on each place where the emulator used to read the stream differently. Each
//! is written in protocol 0, so it is also ASCII text: a stop of the emulator before the
//! import used to turn the file into "text" and `safe`.

use oms_scan::{scan_source, FileReport, Format, Policy, Verdict};

fn scan(bytes: &[u8]) -> FileReport {
    scan_source("f", &bytes, &Policy::default())
}

/// `os.system("echo")` in protocol 0, after `prefix`.
fn payload_after(prefix: &[u8]) -> Vec<u8> {
    let mut p = prefix.to_vec();
    p.extend(b"cos\nsystem\n(S'echo'\ntR.");
    p
}

fn assert_dangerous(bytes: &[u8], subject: &str) {
    let r = scan(bytes);
    assert_eq!(
        r.verdict,
        Verdict::Dangerous,
        "{subject} missed: {:?} {:?}",
        r.format,
        r.findings
    );
    assert!(
        r.findings.iter().any(|f| f.subject == subject),
        "{subject} not reported: {:?}",
        r.findings
    );
}

#[test]
fn text_memo_keys_are_decimal() {
    // CPython: PUT `010` is key 10 and overwrites "collections" with "posix"; `011` likewise
    // turns "OrderedDict" into "system". Read base 0 (8 and 9) the names stay allow-listed.
    let p = b"Vcollections\np10\n0Vposix\np010\n0VOrderedDict\np11\n0Vsystem\np011\n0\
g10\ng11\n\x93(Vecho\ntR.";
    assert_dangerous(p, "posix.system");
}

#[test]
fn pop_on_a_mark_drops_the_mark() {
    assert_dangerous(&payload_after(b"(0"), "os.system");
}

#[test]
fn build_with_none_state_on_a_plain_value_is_accepted() {
    assert_dangerous(&payload_after(b"NNb0"), "os.system");
    assert_dangerous(&payload_after(b"N(N}tb0"), "os.system");
}

#[test]
fn a_text_argument_longer_than_64_kib_is_read() {
    let mut prefix = b"S'".to_vec();
    prefix.extend(std::iter::repeat_n(b'a', 70_000));
    prefix.extend(b"'\n0");
    assert_dangerous(&payload_after(&prefix), "os.system");
}

#[test]
fn raw_unicode_escape_keeps_an_escaped_backslash() {
    // `\\uzz`: an escaped backslash, then the letters `uzz` (no \u escape).
    assert_dangerous(&payload_after(b"V\\\\uzz\n0"), "os.system");
    // A lone surrogate is a valid str to CPython.
    assert_dangerous(&payload_after(b"V\\ud800\n0"), "os.system");
}

#[test]
fn additems_on_a_constructed_object_goes_on() {
    // CPython calls the object's own `add` and reads on (the emulator used to stop there).
    let mut p = b"\x80\x04\x8c\x0bcollections\x8c\x0bOrderedDict\x93)R(K\x01\x900".to_vec();
    p.extend(b"\x8c\x02os\x8c\x06system\x93\x8c\x04echo\x85R.");
    assert_dangerous(&p, "os.system");
}

#[test]
fn ordinary_text_that_starts_with_an_opcode_is_still_text() {
    for t in [
        &b"MIT License\n\nCopyright (c) 2024\n"[..],
        b"Copyright 2024 The Authors. All rights reserved.\n",
        b"Note: weights are in model.safetensors\n",
        b"Loss went down.\n",
        b"import os\nimport sys\n",
    ] {
        let r = scan(t);
        assert_eq!(r.format, Format::Text, "{:?}", String::from_utf8_lossy(t));
        assert_eq!(r.verdict, Verdict::Safe);
    }
}

#[test]
fn a_line_that_runs_past_its_frame_is_read_both_ways() {
    // The frame ends inside GLOBAL's name line. Over io.BytesIO (torch.load of a zip) CPython
    // drops the rest of the frame and reads `ge`: torch.ge; read on, it is
    // torch.FloatStorage (allow-listed).
    let body = b"ctorch\nFloatStora";
    let mut p = vec![0x80, 4, 0x95];
    p.extend((body.len() as u64).to_le_bytes());
    p.extend(body);
    p.extend(b"ge\n.");
    let r = scan(&p);
    assert_ne!(r.verdict, Verdict::Safe, "{r:?}");
    assert!(r.findings.iter().any(|f| f.subject == "torch.ge"), "{r:?}");
}

#[test]
fn appends_and_setitems_of_nothing_touch_nothing() {
    // CPython returns before looking at what is below the mark when no items follow it.
    assert_dangerous(&payload_after(b"cbuiltins\nlen\n(u(e0"), "os.system");
}

#[test]
fn names_are_python_identifiers() {
    // `·` (U+00B7) continues a Python identifier: CPython imports the name and reads on.
    let mut p = b"\x80\x04\x8c\x05torch\x8c\x0dFloatS\xc2\xb7orage\x93".to_vec();
    p.extend(b"0\x8c\x02os\x8c\x06system\x93\x8c\x04echo\x85R.");
    assert_dangerous(&p, "os.system");
}

// The pure-Python unpickler, which joblib.load uses, reads on where the C one stops.

#[test]
fn build_with_a_false_state_is_accepted() {
    // `if state:` skips an empty dict: joblib.load goes on to the payload.
    assert_dangerous(&payload_after(b"N}b0"), "os.system");
}

#[test]
fn a_last_line_without_newline_is_still_read() {
    // readline() at the end of the data: the line less its last byte, `system`.
    assert_dangerous(b"cos\nsystemX", "os.system");
}

#[test]
fn a_frame_longer_than_the_data_is_read() {
    let mut p = vec![0x80, 4, 0x95];
    p.extend(u64::MAX.to_le_bytes());
    p.extend(payload_after(b""));
    assert_dangerous(&p, "os.system");
}

#[test]
fn joblib_pads_whenever_the_alignment_is_not_none() {
    // numpy_array_alignment_bytes=True: joblib reads a padding length byte (2), 2 bytes
    // of padding, then the array's 8 bytes. Read without padding, the last array bytes
    // start a SHORT_BINBYTES that swallows the payload. (Checked with joblib 1.x's own
    // NumpyUnpickler and a recording find_class: it reaches os.system.)
    let payload = b"0cos\nsystem\n(S'echo'\ntR";
    let mut p = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(".to_vec();
    p.extend(b"X\x05\x00\x00\x00dtypecnumpy\ndtype\n(X\x02\x00\x00\x00f8\x89\x88tR");
    p.extend(b"X\x05\x00\x00\x00shapeK\x01\x85");
    p.extend(b"X\x05\x00\x00\x00orderX\x01\x00\x00\x00C");
    p.extend(b"X\x08\x00\x00\x00subclasscnumpy\nndarray\n");
    p.extend(b"X\x0a\x00\x00\x00allow_mmap\x89");
    p.extend(b"X\x1b\x00\x00\x00numpy_array_alignment_bytes\x88ub");
    p.extend(b"\x02\x00\x00\x00\x00\x00\x00\x00C");
    p.push(1 + payload.len() as u8);
    p.push(0);
    p.extend(payload);
    p.push(b'.');
    assert_dangerous(&p, "os.system");
}
