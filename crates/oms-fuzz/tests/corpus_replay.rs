//! Replays every file of `fuzz/corpus/<target>/` through its target on stable Rust: the seeds
//! and every input that once crashed a target must run clean.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

use std::path::PathBuf;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

#[test]
fn every_target_has_a_corpus_and_replays_it_without_panicking() {
    for (name, target) in oms_fuzz::TARGETS {
        let dir = corpus_dir(name);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} panicked", path.display());
            count += 1;
        }
        assert!(count > 0, "{name}: empty corpus {}", dir.display());
    }
}

#[test]
fn split_and_join_are_inverse() {
    let parts: [&[u8]; 3] = [b"a", b"", b"bc"];
    assert_eq!(oms_fuzz::split(&oms_fuzz::join(&parts)), parts);
    assert_eq!(oms_fuzz::split(b"whole"), [b"whole"]);
}
