//! Tar archives (NeMo's `.nemo`) as Python's `tarfile` reads them: a contiguous-file member
//! and a member whose size a pax header sets are read, so they are scanned. Each archive is
//! first checked against tarfile itself (tests/oracle/tar_members.py).

use crate::common;

use oms_scan::{scan_source, Policy, Verdict};

const PAYLOAD: &[u8] = b"cos\nsystem\n(S'echo'\ntR.";

/// A ustar header block with a valid checksum.
fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

fn padded(data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    d.resize(data.len().div_ceil(512) * 512, 0);
    d
}

fn contiguous_member() -> Vec<u8> {
    let mut t = header("model_weights.ckpt", PAYLOAD.len(), b'7');
    t.extend(padded(PAYLOAD));
    t.extend(vec![0; 1024]);
    t
}

fn pax_sized_member() -> Vec<u8> {
    // The ustar header says 0 bytes; the pax header before it says how many there are.
    let body = format!(" size={}\n", PAYLOAD.len());
    // The record's length counts its own digits.
    let mut len = body.len() + 1;
    while len != body.len() + len.to_string().len() {
        len = body.len() + len.to_string().len();
    }
    let record = format!("{len}{body}");
    let mut t = header("././@PaxHeader", record.len(), b'x');
    t.extend(padded(record.as_bytes()));
    t.extend(header("model_weights.ckpt", 0, b'0'));
    t.extend(padded(PAYLOAD));
    t.extend(vec![0; 1024]);
    t
}

#[test]
fn members_tarfile_reads_are_scanned() {
    let cases = [
        ("contiguous", contiguous_member()),
        ("pax-size", pax_sized_member()),
    ];
    let inputs: Vec<(String, Vec<u8>)> = cases
        .iter()
        .map(|(n, b)| (n.to_string(), b.clone()))
        .collect();
    let read = common::oracle(&common::scan_python(), "tar_members.py", &inputs);
    for (name, bytes) in &cases {
        // tarfile hands the payload to whoever extracts the member.
        let members = read[*name]["members"].as_array().unwrap();
        let payload = String::from_utf8(PAYLOAD.to_vec()).unwrap();
        assert!(
            members
                .iter()
                .any(|m| m[2].as_str() == Some(payload.as_str())),
            "{name}: tarfile reads {members:?}"
        );
        let r = scan_source("model.nemo", &bytes.as_slice(), &Policy::default());
        assert_eq!(r.verdict, Verdict::Dangerous, "{name}: {r:#?}");
    }
}

#[test]
fn header_types_not_followed_are_unknown() {
    let mut t = header("sparse.bin", 0, b'S');
    t.extend(vec![0; 1024]);
    let r = scan_source("model.nemo", &t.as_slice(), &Policy::default());
    assert_eq!(r.verdict, Verdict::Unknown, "{r:#?}");
}

#[test]
fn a_tar_whose_first_name_is_a_pickle_is_judged_as_one() {
    // np.load(allow_pickle=True) unpickles a file that is neither .npy nor .zip from byte 0:
    // a tar header starts with its first member's name.
    let mut t = header("cos\nsystem\n(S'echo'\ntR.", 1, b'0');
    t.extend(padded(b"x"));
    t.extend(vec![0; 1024]);
    let r = scan_source("model.npy", &t.as_slice(), &Policy::default());
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
}
