//! The library speaks data, the CLI speaks text: the library crates never name a command-line
//! flag in what they print or return (a Python or operator user has no `--flag` to pass), and
//! never read the process's working directory (resolving paths typed on a command line is the
//! CLI's job). These read the library sources whole, outside the items marked `#[cfg(test)]`.

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
