//! CPython's unpickler is the oracle: every global it reaches in a file must be one the
//! scanner reports (and a file it reaches a non-allow-listed global in is never `safe`).
//!
//! Inputs: generated pickles (tests/it/common/pickle_gen.rs, fixed seeds), the fuzz corpora of
//! the scanner's targets, and the generated scanner corpus (scripts/scan-corpus). The oracle
//! (tests/oracle/pickle_reach.py) runs once over all of them; it never imports or calls
//! anything real.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::pickle_gen::{self, Rng};
use oms_scan::{fuzz, Class, Policy, Verdict};
use serde_json::Value;

/// Generated pickles per run; OMS_SCAN_ORACLE_CASES and OMS_SCAN_ORACLE_SEED run more (the
/// numbers of longer runs are in fuzz/README.md).
const GENERATED: usize = 4000;
const SEED: u64 = 0x5eed_0014;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

fn generated() -> usize {
    env_number("OMS_SCAN_ORACLE_CASES", GENERATED as u64) as usize
}

/// Every input, by a file name that says where it comes from.
fn inputs(python: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut rng = Rng::new(env_number("OMS_SCAN_ORACLE_SEED", SEED));
    for i in 0..generated() {
        out.insert(format!("gen-{i:05}"), pickle_gen::pickle(&mut rng));
    }
    for target in ["scan_pickle", "scan_sniff", "scan_capture"] {
        let dir = common::repo().join("fuzz/corpus").join(target);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.insert(
                format!("fuzz-{target}-{name}"),
                std::fs::read(&path).unwrap(),
            );
        }
    }
    let corpus = tempfile::tempdir().unwrap();
    common::generate_corpus(python, corpus.path());
    let mut stack = vec![corpus.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(corpus.path()).unwrap();
                let name = rel.to_string_lossy().replace('/', "~");
                out.insert(format!("corpus-{name}"), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Why this input breaks the promise, if it does.
fn disagreement(bytes: &[u8], reached: &Value) -> Option<String> {
    let (report, imports) = fuzz::scan_reach(bytes);
    let policy = Policy::default();
    let mut problems = Vec::new();
    let both = reached["globals"]
        .as_array()
        .unwrap()
        .iter()
        .chain(reached["python_globals"].as_array().unwrap());
    for g in both {
        let (module, name) = (g[0].as_str().unwrap(), g[1].as_str().unwrap());
        // A module that is not a dotted Python name: no import finds it (the scanner stops
        // there too).
        if !g[2].as_bool().unwrap() {
            continue;
        }
        let full = format!("{module}.{name}");
        if !imports.contains(&full) {
            problems.push(format!("CPython reaches {full}, the scanner does not"));
        }
        if report.verdict == Verdict::Safe && policy.classify(module, name) != Class::Allowed {
            problems.push(format!("safe, but CPython reaches {full}"));
        }
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{}; scanner: {:?} {:?} {:?}; CPython: {}",
            problems.join(", "),
            report.verdict,
            report.format,
            report
                .findings
                .iter()
                .map(|f| &f.detail)
                .collect::<Vec<_>>(),
            reached
        )
    })
}

#[test]
fn cpython_reaches_nothing_the_scanner_does_not_report() {
    let python = common::scan_python();
    let inputs: Vec<(String, Vec<u8>)> = inputs(&python).into_iter().collect();
    let reached = common::oracle(&python, "pickle_reach.py", &inputs);
    let mut failures = Vec::new();
    let mut with_globals = 0;
    for (name, bytes) in &inputs {
        let r = &reached[name.as_str()];
        if !r["globals"].as_array().unwrap().is_empty() {
            with_globals += 1;
        }
        if let Some(why) = disagreement(bytes, r) {
            failures.push(format!("{name} ({} bytes): {why}", bytes.len()));
        }
    }
    // The generator must keep reaching globals, or this test proves nothing.
    assert!(
        with_globals > generated() / 4,
        "only {with_globals} inputs reach a global in CPython"
    );
    assert!(
        failures.is_empty(),
        "{} of {} inputs disagree with CPython:\n{}",
        failures.len(),
        inputs.len(),
        failures
            .iter()
            .take(40)
            .map(|f| f.chars().take(1500).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
