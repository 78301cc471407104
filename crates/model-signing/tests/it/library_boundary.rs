//! The library speaks data, the CLI speaks text: the library crates never name a command-line
//! flag in what they print or return (a Python or operator user has no `--flag` to pass), and
//! never read the process's working directory (resolving paths typed on a command line is the
//! CLI's job). These read the library sources whole, outside the items marked `#[cfg(test)]`.
//! And the front ends (CLI, Python binding, fuzzers, operator) depend on `model-signing`, not on the
//! `oms-*` crates below it, except for the edges listed with their reasons. Each crate's
//! integration tests are one binary, except tests that need a process of their own.

use std::fs;
use std::path::{Path, PathBuf};

const LIBRARY_CRATES: [&str; 7] = [
    "model-signing",
    "oms-format",
    "oms-hashing",
    "oms-keys",
    "oms-pkcs11",
    "oms-scan",
    "oms-sigstore",
];

/// Every non-test line of the library crates' sources, as (file, line number, text).
fn library_lines() -> Vec<(PathBuf, usize, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for name in LIBRARY_CRATES {
        collect_sources(&crates.join(name).join("src"), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut lines = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for (number, line) in non_test_lines(&text) {
            lines.push((file.clone(), number, line.to_owned()));
        }
    }
    lines
}

/// The lines of a source file outside the items marked `#[cfg(test)]` (each skipped to the end
/// of its braces, wherever it sits in the file) and outside `//` comments, with line numbers.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    let mut kept = Vec::new();
    let mut skipping = false;
    let mut depth = 0i64;
    let mut opened = false;
    for (index, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if !skipping && code.starts_with("#[cfg(test)]") {
            (skipping, depth, opened) = (true, 0, false);
            continue;
        }
        if skipping {
            depth += brace_balance(line);
            opened |= line.contains('{');
            // The item ends where its braces close, or at its `;` if it has none.
            if (opened && depth <= 0) || (!opened && code.ends_with(';')) {
                skipping = false;
            }
            continue;
        }
        if !code.starts_with("//") {
            kept.push((index + 1, line));
        }
    }
    kept
}

/// `{` minus `}` outside string literals and `//` comments on one line.
fn brace_balance(line: &str) -> i64 {
    let (mut inside, mut escaped, mut balance) = (false, false, 0);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            _ if escaped => escaped = false,
            '\\' if inside => escaped = true,
            '"' => inside = !inside,
            '/' if !inside && chars.peek() == Some(&'/') => break,
            '{' if !inside => balance += 1,
            '}' if !inside => balance -= 1,
            _ => {}
        }
    }
    balance
}

/// Code after a test module (or between two) is read too: the check once stopped at the first
/// `#[cfg(test)]`, so anything below it went unchecked.
#[test]
fn code_after_a_test_module_is_checked() {
    let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn t() { let s = \"}\"; }\n}\nfn b() {}\n#[cfg(test)]\nuse x::y;\nfn c() {}\n";
    let kept: Vec<&str> = non_test_lines(text).into_iter().map(|(_, l)| l).collect();
    assert_eq!(kept, ["fn a() {}", "fn b() {}", "fn c() {}"]);
}

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A `--word` inside a string literal on this line.
fn flag_in_string(line: &str) -> Option<&str> {
    let mut inside = false;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if inside => escaped = true,
            '"' => inside = !inside,
            '-' if inside => {
                let rest = &line[at..];
                if rest.len() > 2
                    && rest.starts_with("--")
                    && rest.as_bytes()[2].is_ascii_lowercase()
                {
                    return Some(rest);
                }
            }
            _ => {}
        }
    }
    None
}

#[test]
fn the_detector_finds_a_flag_in_a_message_and_nothing_in_plain_text() {
    assert!(flag_in_string(r#"    "pass --allow-symlinks to accept it""#).is_some());
    assert!(flag_in_string(r#"    format!("use \"--workers\" {}", n)"#).is_some());
    assert!(flag_in_string(r#"    "a -- b", x -- y, "-1""#).is_none());
    assert!(flag_in_string("    let x = a - -b; // --flag in a comment").is_none());
}

/// Asserts that no library line matches `offends`, listing every one that does.
fn assert_no_line(what: &str, offends: impl Fn(&str) -> bool) {
    let offenders: Vec<String> = library_lines()
        .into_iter()
        .filter(|(_, _, line)| offends(line))
        .map(|(file, number, line)| format!("{}:{number}: {}", file.display(), line.trim()))
        .collect();
    assert!(
        offenders.is_empty(),
        "expected no {what} in the library, found:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn library_messages_name_no_command_line_flags() {
    assert_no_line("CLI flag names in strings", |line| {
        flag_in_string(line).is_some()
    });
}

#[test]
fn the_library_never_reads_or_changes_the_working_directory() {
    assert_no_line("working-directory access", |line| {
        line.contains("current_dir(")
    });
}

// --- Cargo edges: the front ends go through model-signing ------------------------------------

/// The front ends: each parses its own inputs and renders its own outputs, and should reach the
/// signing and verification use cases through `model-signing` only. (The operator's verifier is
/// the CLI binary, so the CLI's edges are the verifier path's too.)
const FRONT_ENDS: [&str; 4] = [
    "model-signing-cli",
    "model-signing-py",
    "oms-fuzz",
    "model-validation-operator",
];

/// Today's direct edges from a front end to an `oms-*` crate, each with the reason it exists.
/// Issue 16 is removing most of them (inspect, the verification plan and the scan move into
/// model-signing); remove an entry with its edge — an entry without an edge fails the test too.
const ALLOWED_EDGES: [(&str, &str, &str); 17] = [
    (
        "model-signing-cli",
        "oms-format",
        "`inspect` renders the library's claims, naming `Method` (and its tests build statements)",
    ),
    (
        "model-signing-cli",
        "oms-hashing",
        "progress bars implement HashObserver; --ignore-paths resolution relative to the cwd",
    ),
    (
        "model-signing-cli",
        "oms-keys",
        "`demo` generates a throwaway key; password prompts match on KeyError",
    ),
    (
        "model-signing-cli",
        "oms-oci",
        "`oci push|pull` and `sign|verify oci://REF`: OCI artifacts are a use case of their own crate",
    ),
    (
        "model-signing-cli",
        "oms-scan",
        "the `scan` command and `verify --scan` call the scanner and render its report",
    ),
    (
        "model-signing-cli",
        "oms-sigstore",
        "the trust-source choice and the `tuf` feature (refreshing the trusted root)",
    ),
    (
        "model-signing-py",
        "oms-format",
        "the reference's Python API exposes bundle errors and manifest serialization types",
    ),
    (
        "model-signing-py",
        "oms-hashing",
        "hash() builds a manifest as the reference's hashing API does; read_verified buffers files with read_listed",
    ),
    (
        "model-signing-py",
        "oms-keys",
        "key and certificate errors mapped to the reference's Python exceptions",
    ),
    (
        "model-signing-py",
        "oms-scan",
        "read_verified(scan=True) renders the scan report of the library's plan as the reference's exceptions",
    ),
    (
        "model-signing-py",
        "oms-sigstore",
        "keyless options, identity policy and the `keyless` feature's signing half",
    ),
    (
        "oms-fuzz",
        "oms-format",
        "fuzz targets drive the bundle, statement and shard-name parsers directly",
    ),
    (
        "oms-fuzz",
        "oms-keys",
        "fuzz targets drive the key and certificate parsers directly",
    ),
    (
        "oms-fuzz",
        "oms-oci",
        "a fuzz target drives the OCI manifest, referrer and index parsers directly",
    ),
    (
        "oms-fuzz",
        "oms-pkcs11",
        "a fuzz target drives the PKCS#11 URI parser directly",
    ),
    (
        "oms-fuzz",
        "oms-scan",
        "fuzz targets drive the pickle, sniffing and capture code directly",
    ),
    (
        "oms-fuzz",
        "oms-sigstore",
        "a fuzz target drives keyless bundle inspection directly",
    ),
];

/// The names of the crates a manifest depends on in its `[dependencies]`, `[build-dependencies]`
/// and target-specific dependency tables (not dev-dependencies: tests may look inside).
fn normal_dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_table = false;
    for line in manifest.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']');
            in_table = header == "dependencies"
                || header == "build-dependencies"
                || (header.starts_with("target.") && header.ends_with(".dependencies"));
            continue;
        }
        if !in_table || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = line.split(['=', '.']).next().unwrap_or("").trim();
        if !key.is_empty() {
            names.push(key.trim_matches('"').to_owned());
        }
    }
    names
}

/// (front end, oms crate) pairs that `manifests` have and the allow-list does not, and allowed
/// pairs whose edge is gone.
fn edge_violations(manifests: &[(&str, String)]) -> (Vec<String>, Vec<String>) {
    let mut unexplained = Vec::new();
    let mut found = Vec::new();
    for (front_end, manifest) in manifests {
        for dependency in normal_dependencies(manifest) {
            if !dependency.starts_with("oms-") {
                continue;
            }
            found.push((front_end.to_string(), dependency.clone()));
            if !ALLOWED_EDGES
                .iter()
                .any(|(from, to, _)| from == front_end && *to == dependency)
            {
                unexplained.push(format!("{front_end} -> {dependency}"));
            }
        }
    }
    let stale = ALLOWED_EDGES
        .iter()
        .filter(|(from, to, _)| {
            manifests.iter().any(|(name, _)| name == from)
                && !found.iter().any(|(f, t)| f == from && t == to)
        })
        .map(|(from, to, _)| format!("{from} -> {to}"))
        .collect();
    (unexplained, stale)
}

#[test]
fn front_ends_reach_the_oms_crates_only_through_model_signing_or_a_stated_exception() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifests: Vec<(&str, String)> = FRONT_ENDS
        .iter()
        .map(|name| {
            let text = fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap();
            (*name, text)
        })
        .collect();
    let (unexplained, stale) = edge_violations(&manifests);
    assert!(
        unexplained.is_empty(),
        "expected front ends to depend on model-signing, not on oms-* crates; found edges with \
         no reason in ALLOWED_EDGES: {unexplained:?}"
    );
    assert!(
        stale.is_empty(),
        "expected every ALLOWED_EDGES entry to be a real edge; these are gone, remove them: {stale:?}"
    );
}

#[test]
fn the_edge_check_finds_a_new_edge_and_a_stale_exception() {
    let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nmodel-signing.workspace = true\n\
                    oms-hashing = { workspace = true }\nclap = \"4\"\n\n[dev-dependencies]\n\
                    oms-format.workspace = true\n";
    assert_eq!(
        normal_dependencies(manifest),
        ["model-signing", "oms-hashing", "clap"]
    );
    let (unexplained, stale) = edge_violations(&[("oms-fuzz", manifest.to_owned())]);
    assert_eq!(unexplained, ["oms-fuzz -> oms-hashing"]);
    assert_eq!(
        stale,
        [
            "oms-fuzz -> oms-format",
            "oms-fuzz -> oms-keys",
            "oms-fuzz -> oms-oci",
            "oms-fuzz -> oms-pkcs11",
            "oms-fuzz -> oms-scan",
            "oms-fuzz -> oms-sigstore"
        ]
    );
}

// --- One integration-test binary per crate ---------------------------------------------------

/// Test files that are binaries of their own beside a crate's `tests/it/main.rs`, each with the
/// reason it needs its own process (the crates' Cargo.toml files say the same).
const OWN_PROCESS_TESTS: [(&str, &str, &str); 4] = [
    (
        "model-signing",
        "sigstore_ambient.rs",
        "sets the CI environment variables that ambient-credential detection reads",
    ),
    (
        "operator-e2e",
        "cluster.rs",
        "one control plane and one operator process shared by its tests",
    ),
    (
        "operator-e2e",
        "operator_down.rs",
        "stops its operator, which would break every test beside it",
    ),
    (
        "operator-e2e",
        "real_node.rs",
        "brings up a real node once, with its own main (harness = false)",
    ),
];

/// The `tests/*.rs` files of a crate that would be binaries of their own beyond the first.
fn extra_test_binaries(crate_name: &str, test_files: &[String], has_it: bool) -> Vec<String> {
    let mut counted = usize::from(has_it);
    let mut extra = Vec::new();
    for file in test_files {
        let allowed = OWN_PROCESS_TESTS
            .iter()
            .any(|(name, own, _)| *name == crate_name && own == file);
        if allowed {
            continue;
        }
        counted += 1;
        if counted > 1 {
            extra.push(format!("crates/{crate_name}/tests/{file}"));
        }
    }
    extra
}

#[test]
fn each_crate_has_one_integration_test_binary_unless_a_test_needs_its_own_process() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut extra = Vec::new();
    for entry in fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let tests = dir.join("tests");
        if !tests.is_dir() {
            continue;
        }
        let mut files: Vec<String> = fs::read_dir(&tests)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".rs"))
            .collect();
        files.sort();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        extra.extend(extra_test_binaries(
            &name,
            &files,
            tests.join("it/main.rs").is_file(),
        ));
    }
    assert!(
        extra.is_empty(),
        "expected one integration-test binary per crate (tests/it/main.rs with one module per \
         file: each binary links every dependency again), found more: {extra:?}; move them into \
         tests/it/ (mod common; becomes use crate::common;) or list them in OWN_PROCESS_TESTS"
    );
}

#[test]
fn a_second_test_file_is_an_extra_binary_unless_it_needs_its_own_process() {
    let files = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert!(extra_test_binaries("oms-fuzz", &files(&["corpus_replay.rs"]), false).is_empty());
    assert_eq!(
        extra_test_binaries("oms-scan", &files(&["pickles.rs"]), true),
        ["crates/oms-scan/tests/pickles.rs"]
    );
    assert!(
        extra_test_binaries("model-signing", &files(&["sigstore_ambient.rs"]), true).is_empty()
    );
    assert_eq!(
        extra_test_binaries(
            "operator-e2e",
            &files(&["a.rs", "b.rs", "cluster.rs"]),
            false
        ),
        ["crates/operator-e2e/tests/b.rs"]
    );
}
