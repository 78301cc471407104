//! Malformed, truncated and mutated bundles and statements give errors, never panics.

use crate::common;

use oms_format::{parse_bundle, parse_statement};

fn fixture_bundles() -> Vec<(String, Vec<u8>)> {
    let root = common::fixtures();
    let mut out = Vec::new();
    for dir in ["model-transparency", "oms-spec/valid"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let sig = if p.is_dir() {
                p.join("model.sig")
            } else {
                p.clone()
            };
            if sig.is_file() {
                out.push((sig.display().to_string(), std::fs::read(&sig).unwrap()));
            }
        }
    }
    assert!(
        out.len() >= 16,
        "expected every fixture bundle, found {}",
        out.len()
    );
    out
}

/// A small deterministic generator, so failures reproduce.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn truncated_bundles_are_errors() {
    for (name, bytes) in fixture_bundles() {
        // Cutting only trailing white space leaves a valid bundle.
        let content = bytes.trim_ascii_end().len();
        let step = (content / 97).max(1);
        for cut in (0..content).step_by(step) {
            assert!(
                parse_bundle(&bytes[..cut]).is_err(),
                "{name} truncated at {cut} was accepted"
            );
        }
    }
}

#[test]
fn mutated_bundles_and_payloads_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for (_, bytes) in fixture_bundles() {
        for _ in 0..300 {
            let mut m = bytes.clone();
            for _ in 0..(next(&mut state) % 4 + 1) {
                let i = (next(&mut state) as usize) % m.len();
                m[i] = (next(&mut state) & 0xff) as u8;
            }
            if let Ok(b) = parse_bundle(&m) {
                let _ = parse_statement(&b.envelope.payload);
            }
        }
        if let Ok(b) = parse_bundle(&bytes) {
            let p = b.envelope.payload;
            for cut in (0..p.len()).step_by((p.len() / 50).max(1)) {
                assert!(
                    parse_statement(&p[..cut]).is_err(),
                    "payload cut at {cut} accepted"
                );
            }
        }
    }
}

#[test]
fn deeply_nested_and_huge_inputs_are_errors() {
    let deep = "[".repeat(100_000);
    assert!(parse_bundle(deep.as_bytes()).is_err());
    assert!(parse_statement(deep.as_bytes()).is_err());
    let huge = vec![b' '; 65 * 1024 * 1024];
    assert!(parse_bundle(&huge).is_err());
}
