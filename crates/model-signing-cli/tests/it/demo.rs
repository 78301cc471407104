//! The README's first command: `model_signing demo` runs the whole story and leaves nothing in
//! the directory it was started from.

use std::process::Command;

#[test]
fn demo_passes_every_step_and_writes_nothing_in_the_working_directory() {
    let cwd = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_model_signing"))
        .arg("demo")
        .current_dir(cwd.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Demo finished: every step behaved as expected."),
        "{stdout}"
    );
    assert!(!stdout.contains("UNEXPECTED"), "{stdout}");
    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
    assert!(left.is_empty(), "the demo left files behind: {left:?}");
}
