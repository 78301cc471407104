//! Python's `zipfile` is the oracle for the archives `np.load` and Keras read: every member
//! it lists, the scanner's zipfile reader lists too, at the same offset. Inputs: generated
//! archives (tests/it/common/zip_gen.rs, fixed seed). And end to end, the archive tricks a
//! loader falls for are not `safe`.

use crate::common;

use common::pickle_gen::Rng;
use common::zip_gen::{self, Member};
use oms_scan::{fuzz, scan_source, Format, Policy, Verdict};

const GENERATED: usize = 3000;

#[test]
fn zipfile_lists_nothing_the_scanner_does_not() {
    let mut rng = Rng::new(0x21b_0014);
    let inputs: Vec<(String, Vec<u8>)> = (0..GENERATED)
        .map(|i| {
            let members = zip_gen::members(&mut rng);
            (format!("zip-{i:05}"), zip_gen::archive(&mut rng, &members))
        })
        .collect();
    let listed = common::oracle(&common::scan_python(), "zip_members.py", &inputs);
    let mut failures = Vec::new();
    let mut read = 0;
    for (name, bytes) in &inputs {
        let Some(members) = listed[name.as_str()].get("members") else {
            continue;
        };
        read += 1;
        let theirs: Vec<(String, u64, u64, u16)> = members
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m[0].as_str().unwrap().to_string(),
                    m[1].as_u64().unwrap(),
                    m[2].as_u64().unwrap(),
                    m[3].as_u64().unwrap() as u16,
                )
            })
            .collect();
        let ours = fuzz::zipfile_members(bytes);
        if ours.as_ref() != Ok(&theirs) {
            failures.push(format!("{name}: zipfile {theirs:?}, scanner {ours:?}"));
        }
    }
    assert!(read > GENERATED / 2, "zipfile read only {read} archives");
    assert!(
        failures.is_empty(),
        "{} of {read} archives listed differently:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn member(name: &str, data: &[u8]) -> Member {
    Member {
        name: name.as_bytes().to_vec(),
        data: data.to_vec(),
        utf8_flag: false,
    }
}

/// A rng whose first choices write a plain archive: no prefix, true count, no comment.
fn plain() -> Rng {
    let mut seed = 1;
    loop {
        let mut probe = Rng::new(seed);
        let prefix = probe.chance(3);
        if !prefix {
            return Rng::new(seed);
        }
        seed += 1;
    }
}

fn os_system_pickle() -> Vec<u8> {
    b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echoq\x01\x85q\x02Rq\x03.".to_vec()
}

fn object_npy(pickle: &[u8]) -> Vec<u8> {
    let mut h = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h.as_bytes());
    out.extend(pickle);
    out
}

#[test]
fn a_data_pkl_member_does_not_hide_an_npz_array() {
    // np.load reads `x/data/arr.npy` (it starts like an array); a `data.pkl` next to it
    // once made the archive "torch" and every `*/data/*` member raw tensor bytes.
    let members = [
        member("x/data.pkl", b"\x80\x02}q\x00."),
        member("x/data/arr.npy", &object_npy(&os_system_pickle())),
    ];
    let zip = zip_gen::archive(&mut plain(), &members);
    let r = scan_source("m.npz", &zip.as_slice(), &Policy::default());
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
}

#[test]
fn torch_finds_data_pkl_without_case() {
    // miniz's lookup ignores case: archive/DATA.PKL is the pickle torch.load runs, and a
    // text pickle in it is never read as text.
    let members = [
        member("archive/DATA.PKL", b"(0cos\nsystem\n(S'echo'\ntR."),
        member("archive/version", b"3\n"),
    ];
    let zip = zip_gen::archive(&mut plain(), &members);
    let r = scan_source("m.pt", &zip.as_slice(), &Policy::default());
    assert_eq!(r.format, Format::PytorchZip, "{r:#?}");
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
}

#[test]
fn a_zip_appended_to_another_format_is_read() {
    // zipfile (Keras' loader) finds an archive from the end of any file: an ONNX-looking
    // prefix once made the whole file "onnx", safe.
    let members = [member(
        "config.json",
        br#"{"class_name": "Lambda", "config": {}}"#,
    )];
    let mut file = b"\x08\x07\x12\x07pytorch\x3a\x00".to_vec();
    file.extend(zip_gen::archive(&mut plain(), &members));
    let r = scan_source("m.keras", &file.as_slice(), &Policy::default());
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
}

#[test]
fn prepended_data_shifts_the_offsets_zipfile_reads() {
    // `cat junk archive.zip`: zipfile shifts every offset by the junk's length; the
    // member's pickle is found either way.
    let mut rng = plain();
    let members = [member("payload.pkl", &os_system_pickle())];
    let zip = zip_gen::archive(&mut rng, &members);
    let mut file = b"PK\x03\x04 not a real header".to_vec();
    file.extend(zip);
    let r = scan_source("m.npz", &file.as_slice(), &Policy::default());
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
}
