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

/// Writes `inputs` (file name, bytes) to a directory, runs the oracle script
/// `tests/oracle/<script>` once over it, and returns its JSON report by file name.
/// OMS_SCAN_ORACLE_KEEP=<dir> keeps the inputs for a look at a disagreement.
pub fn oracle(
    python: &Path,
    script: &str,
    inputs: &[(String, Vec<u8>)],
) -> serde_json::Map<String, serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("OMS_SCAN_ORACLE_KEEP");
    for (name, bytes) in inputs {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        if let Some(keep) = &keep {
            std::fs::create_dir_all(keep).unwrap();
            std::fs::write(Path::new(keep).join(name), bytes).unwrap();
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracle")
        .join(script);
    let out = run_python(python, &script, &[dir.path()]);
    let report: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&out).expect("the oracle prints JSON");
    assert_eq!(report.len(), inputs.len(), "the oracle skipped inputs");
    report
}
