//! Shared by the corpus and differential tests: the Python that generates the corpus and
//! serves as the oracle (the scan venv of scripts/setup-scan-venv.sh: CPython with numpy,
//! scikit-learn and joblib), and the generated corpus itself.

#![allow(dead_code, reason = "each test binary uses a part")]

pub mod pickle_gen;
pub mod zip_gen;

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The scan venv's python, built on first use. Fails (never skips) without python3: CI
/// installs it (.ci/run).
pub fn scan_python() -> PathBuf {
    let venv = Command::new("bash")
        .arg(repo().join("scripts/setup-scan-venv.sh"))
        .output()
        .expect("run setup-scan-venv.sh");
    assert!(
        venv.status.success(),
        "scripts/setup-scan-venv.sh failed (is python3 with venv installed?): {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    let venv = String::from_utf8(venv.stdout).unwrap();
    Path::new(venv.trim()).join("bin/python")
}

/// Runs `python script args...`; its stdout.
pub fn run_python(python: &Path, script: &Path, args: &[&Path]) -> Vec<u8> {
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Generates the scanner corpus (benign and malicious files, `expected.json`) into `out`.
pub fn generate_corpus(python: &Path, out: &Path) {
    run_python(
        python,
        &repo().join("scripts/scan-corpus/gen_corpus.py"),
        &[out],
    );
}
