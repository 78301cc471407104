//! The generated corpus: benign files made by numpy / scikit-learn / joblib (and torch.save's
//! layouts), malicious files for every primitive and published evasion. Every benign file must
//! be safe; every "dangerous" file dangerous; every "unsafe" file anything but safe; and the
//! capture of `verify --scan` reaches the verdict of a scan of the file.

use crate::common;

use oms_scan::{scan_file, scan_model, CapturedFile, Policy, ScanOptions, Verdict};

#[test]
fn corpus_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    common::generate_corpus(&common::scan_python(), dir.path());
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.path().join("expected.json")).unwrap()).unwrap();
    assert!(expected.len() > 150, "corpus too small: {}", expected.len());
    let mut wrong = Vec::new();
    for (name, label) in &expected {
        let report = scan_file(name, &dir.path().join(name), &Policy::default()).unwrap();
        let ok = match label.as_str().unwrap() {
            "safe" => report.verdict == Verdict::Safe,
            "dangerous" => report.verdict == Verdict::Dangerous,
            "unsafe" => report.verdict != Verdict::Safe,
            other => panic!("bad label {other}"),
        };
        if !ok {
            wrong.push(format!(
                "{name}: expected {label}, got {:?}: {:?}",
                report.verdict, report.findings
            ));
        }
        // `verify --scan` judges the bytes hashing hands it: the same verdict.
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        let mut capture = CapturedFile::new(bytes.len() as u64);
        for (i, part) in bytes.chunks(4096).enumerate() {
            capture.feed((i * 4096) as u64, part);
        }
        if name.starts_with("benign/large_ndarray") || name == "benign/large_legacy.pt" {
            // The array data (2.4 MB) and the storages (3 MiB) streamed past, not held.
            assert!(
                capture.held_bytes() < 164 << 10,
                "{name}: held {} of {} bytes",
                capture.held_bytes(),
                bytes.len()
            );
        }
        let captured = capture.scan(name, &Policy::default());
        if captured.verdict != report.verdict {
            wrong.push(format!(
                "{name}: captured {:?} but the file scans {:?}: {:?}",
                captured.verdict, report.verdict, captured.findings
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Directory mode does not skip files by extension: the .npy_noext payload is found.
    let report = scan_model(&dir.path().join("malicious/names"), &ScanOptions::default()).unwrap();
    assert_eq!(report.files.len(), 4);
    assert!(
        report.files.iter().all(|f| f.verdict == Verdict::Dangerous),
        "{report:#?}"
    );
    let benign = scan_model(&dir.path().join("benign"), &ScanOptions::default()).unwrap();
    assert!(benign.passes(false), "{benign:#?}");
}
