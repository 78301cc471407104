//! `verify --scan` scans what hashing read: the capture must reach the verdict a scan of the
//! whole file reaches, whatever the chunking and order, while holding only what the scanner reads.

use oms_scan::{scan_source, CapturedFile, Policy, Verdict};

const MIB: usize = 1 << 20;

/// A stored (uncompressed) zip member, its local header written the way Python's zipfile
/// writes a streamed member: 32-bit sizes 0xFFFFFFFF and the real ones in a ZIP64 extra field.
struct Member {
    name: &'static str,
    data: Vec<u8>,
    zip64_local: bool,
}

fn zip(members: &[Member]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let size = m.data.len() as u32;
        let crc = 0u32; // loaders and the scanner ignore it
        let (size32, extra) = if m.zip64_local {
            let mut e = vec![1, 0, 16, 0];
            e.extend((m.data.len() as u64).to_le_bytes());
            e.extend((m.data.len() as u64).to_le_bytes());
            (u32::MAX, e)
        } else {
            (size, Vec::new())
        };
        out.extend(b"PK\x03\x04");
        out.extend([45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend(crc.to_le_bytes());
        out.extend(size32.to_le_bytes());
        out.extend(size32.to_le_bytes());
        out.extend((m.name.len() as u16).to_le_bytes());
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend(m.name.as_bytes());
        out.extend(&extra);
        out.extend(&m.data);

        central.extend(b"PK\x01\x02");
        central.extend([45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend(crc.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend((m.name.len() as u16).to_le_bytes());
        central.extend([0u8; 8]); // extra, comment lengths, disk, internal attributes
        central.extend([0u8; 4]); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(m.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]);
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend([0u8; 2]);
    out
}

/// A torch.save-style archive: the pickle, then `storages` tensors of `storage_len` bytes.
fn torch_zip(storages: usize, storage_len: usize, zip64_local: bool) -> Vec<u8> {
    // {'w': None} in protocol 2: no imports, so it is safe whatever the allow-list.
    let pickle = b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01Ns.".to_vec();
    let mut members = vec![Member {
        name: "archive/data.pkl",
        data: pickle,
        zip64_local: false,
    }];
    let names = ["archive/data/0", "archive/data/1", "archive/data/2"];
    for (i, name) in names.iter().take(storages).enumerate() {
        members.push(Member {
            name,
            data: vec![i as u8 + 1; storage_len],
            zip64_local,
        });
    }
    zip(&members)
}

fn capture_in_order(file: &[u8], chunk: usize) -> CapturedFile {
    let mut cap = CapturedFile::new(file.len() as u64);
    for (i, part) in file.chunks(chunk).enumerate() {
        cap.feed((i * chunk) as u64, part);
    }
    cap
}

#[test]
fn a_torch_zip_is_safe_through_the_capture_and_its_storages_are_not_held() {
    let policy = Policy::default();
    for zip64_local in [false, true] {
        let file = torch_zip(3, 2 * MIB, zip64_local);
        let whole = scan_source("model.pt", &file.as_slice(), &policy);
        assert_eq!(whole.verdict, Verdict::Safe, "{:?}", whole.findings);
        let cap = capture_in_order(&file, 64 * 1024);
        // The head, the pickle, the headers and the archive's tail: not the 6 MiB of tensors.
        assert!(
            cap.held_bytes() < 300 * 1024,
            "zip64_local={zip64_local}: held {} bytes",
            cap.held_bytes()
        );
        let captured = cap.scan("model.pt", &policy);
        assert_eq!(captured.verdict, Verdict::Safe, "{:?}", captured.findings);
    }
}

#[test]
fn shards_arriving_out_of_order_give_the_verdict_of_the_whole_file() {
    let policy = Policy::default();
    // posix.system('id') in protocol 2, then padding so the shards cross it.
    let mut file =
        b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.".to_vec();
    file.extend(vec![b' '; 200]);
    let whole = scan_source("w.bin", &file.as_slice(), &policy);
    assert_eq!(whole.verdict, Verdict::Dangerous);
    let captured = capture_reversed(&file, 16).scan("w.bin", &policy);
    assert_eq!(captured.verdict, Verdict::Dangerous);
    assert_eq!(captured.findings[0].subject, whole.findings[0].subject);
}

/// A protocol 4 pickle: `arrays` byte strings of `array_len` bytes (BINBYTES8, as NumPy's
/// arrays pickle their data), then, if `payload`, a call of posix.system.
fn bare_pickle(arrays: usize, array_len: usize, payload: bool) -> Vec<u8> {
    let mut p = b"\x80\x04(".to_vec();
    for i in 0..arrays {
        p.push(0x8e);
        p.extend((array_len as u64).to_le_bytes());
        p.extend(vec![i as u8 + 1; array_len]);
    }
    p.push(b'l');
    if payload {
        p.extend(b"\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R0");
    }
    p.push(b'.');
    p
}

fn capture_reversed(file: &[u8], shard: usize) -> CapturedFile {
    let mut cap = CapturedFile::new(file.len() as u64);
    let mut shards: Vec<(usize, &[u8])> = file.chunks(shard).enumerate().collect();
    shards.reverse();
    for (i, part) in shards {
        cap.feed((i * shard) as u64, part);
    }
    cap
}

#[test]
fn a_bare_pickle_of_large_arrays_is_scanned_without_holding_the_arrays() {
    let policy = Policy::default();
    for payload in [false, true] {
        let file = bare_pickle(3, 2 * MIB, payload);
        let whole = scan_source("model.pkl", &file.as_slice(), &policy);
        let expected = if payload {
            Verdict::Dangerous
        } else {
            Verdict::Safe
        };
        assert_eq!(whole.verdict, expected, "{:?}", whole.findings);
        let cap = capture_in_order(&file, 64 * 1024);
        // The first and last 64 KiB (always kept for sniffing, and for a ZIP at the end) and
        // the opcodes: not 6 MiB of arrays.
        assert!(cap.held_bytes() < 164 * 1024, "held {}", cap.held_bytes());
        let captured = cap.scan("model.pkl", &policy);
        assert_eq!(captured.verdict, expected, "{:?}", captured.findings);
        assert_eq!(captured.findings, whole.findings);
    }
}

#[test]
fn a_bare_pickle_hashed_in_shards_out_of_order_reaches_the_same_verdict() {
    let policy = Policy::default();
    let file = bare_pickle(2, 3 * MIB + 5, true);
    let whole = scan_source("model.pkl", &file.as_slice(), &policy);
    let captured = capture_reversed(&file, 1 << 20).scan("model.pkl", &policy);
    assert_eq!(
        captured.verdict,
        Verdict::Dangerous,
        "{:?}",
        captured.findings
    );
    assert_eq!(captured.findings, whole.findings);
}

#[test]
fn a_legacy_torch_file_keeps_its_five_pickles_and_drops_the_storages() {
    let policy = Policy::default();
    // The magic number, protocol version, system info, the model ({'w': None}) and the
    // storage keys, then raw storage bytes.
    let mut file = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e".to_vec();
    file.extend(b"\x80\x02M\xe9\x03.");
    file.extend(b"\x80\x02}q\x00.");
    file.extend(b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01Ns.");
    file.extend(b"\x80\x02]q\x00.");
    file.extend(vec![0x8e; 4 * MIB]);
    let whole = scan_source("model.pt", &file.as_slice(), &policy);
    let cap = capture_in_order(&file, 64 * 1024);
    // The first and the last 64 KiB (and the ZIP64 records' room).
    assert!(cap.held_bytes() <= 129 * 1024, "held {}", cap.held_bytes());
    let captured = cap.scan("model.pt", &policy);
    assert_eq!(captured.verdict, whole.verdict, "{:?}", captured.findings);
    assert_eq!(captured.findings, whole.findings);
}
