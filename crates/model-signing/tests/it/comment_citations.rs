//! Comments cite only what a reader of a clone can open: every `.md` file a comment names exists in
//! the repository (relative to its root), and every `§N` a comment cites is a numbered heading of the
//! last document that file's comments named (`docs/FORMAT.md §3.2`, then a bare `§6.4` further down).
//! Sections of public standards (`RFC 3161 §2.3`, `OMS v1.0 §6.1`) are the exception.

use std::fs;
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Folders whose files are data, build output or another project's, not our sources.
const SKIPPED_DIRS: [&str; 7] = [
    "target",
    ".git",
    "corpus",
    "fixtures",
    "data",
    "node_modules",
    "oracle",
];

/// Source files whose comments are checked, as paths relative to the repository root.
fn sources(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) && !name.starts_with(".venv") {
                sources(root, &path, out);
            }
        } else if comment_marker(&name).is_some() {
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

/// How a line comment starts in a file of this name, for the kinds of files we write.
fn comment_marker(name: &str) -> Option<&'static str> {
    let extension = name.rsplit_once('.').map(|(_, e)| e);
    match extension {
        Some("rs") => Some("//"),
        Some("sh" | "py" | "toml" | "yaml" | "yml" | "Containerfile") => Some("#"),
        _ if name == "run" || name == "Containerfile" => Some("#"),
        _ => None,
    }
}

/// One problem with a citation: (line number, what is wrong).
type Finding = (usize, String);

/// The citations in `text` that a reader could not follow. `exists` says whether a path relative
/// to the repository root exists; `headings` gives a document's numbered section headings.
fn broken_citations(
    text: &str,
    marker: &str,
    exists: &dyn Fn(&str) -> bool,
    headings: &dyn Fn(&str) -> Vec<String>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut document: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let Some(comment) = line.trim_start().strip_prefix(marker) else {
            continue;
        };
        for (at, c) in comment.char_indices() {
            let before = &comment[..at];
            let after = &comment[at + c.len_utf8()..];
            if c == '§' {
                let digits: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let digits = digits.trim_end_matches('.');
                if digits.is_empty() || public_standard(before) {
                    continue;
                }
                match &document {
                    None => findings.push((number, format!("§{digits} cites no document"))),
                    Some(doc) if !headings(doc).iter().any(|h| h == digits) => {
                        findings.push((number, format!("{doc} has no section {digits}")))
                    }
                    Some(_) => {}
                }
            } else if c == '.'
                && after.starts_with("md")
                && !after[2..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                let start = before
                    .char_indices()
                    .rev()
                    .find(|(_, c)| !(c.is_alphanumeric() || "_-./".contains(*c)))
                    .map_or(0, |(i, c)| i + c.len_utf8());
                let stem = &before[start..];
                // A bare `.md` is an extension, not a file; a web address is a page, not a file.
                if stem.is_empty() || stem.starts_with("//") || before[..start].ends_with(':') {
                    continue;
                }
                let path = format!("{stem}.md");
                if exists(&path) {
                    document = Some(path);
                } else {
                    findings.push((number, format!("{path} is not in the repository")));
                }
            }
        }
    }
    findings
}

/// Whether the text just before a `§` names a public standard rather than a document of ours.
fn public_standard(before: &str) -> bool {
    let words: Vec<&str> = before
        .split_whitespace()
        .rev()
        .take(2)
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric() && c != '.'))
        .collect();
    match words.as_slice() {
        [number, "RFC", ..] => number.chars().all(|c| c.is_ascii_digit()),
        ["v1.0", "OMS", ..] => true,
        _ => false,
    }
}

/// The section numbers of a Markdown document's headings (`## 3. Title`, `### 3.2 Title`).
fn section_numbers(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|line| {
            let title = line.trim_start_matches('#');
            if title.len() == line.len() {
                return None;
            }
            let number = title.split_whitespace().next()?;
            let number = number.trim_end_matches('.');
            (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .then(|| number.to_owned())
        })
        .collect()
}

#[test]
fn every_cited_document_and_section_is_in_the_repository() {
    let root = repository();
    let mut files = Vec::new();
    for dir in [
        "crates", "scripts", ".ci", "bench", "fuzz", "images", "config",
    ] {
        if root.join(dir).is_dir() {
            sources(&root, &root.join(dir), &mut files);
        }
    }
    assert!(files.len() > 100, "found only {} source files", files.len());
    let exists = |path: &str| root.join(path).is_file();
    let headings = |doc: &str| section_numbers(&fs::read_to_string(root.join(doc)).unwrap());
    let mut broken = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        let marker = comment_marker(&name).unwrap();
        let Ok(text) = fs::read_to_string(root.join(file)) else {
            continue;
        };
        for (line, problem) in broken_citations(&text, marker, &exists, &headings) {
            broken.push(format!("{}:{line}: {problem}", file.display()));
        }
    }
    assert!(
        broken.is_empty(),
        "expected every citation in a comment to resolve inside the repository, found:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_refuses_outside_documents_missing_sections_and_orphan_sections() {
    let exists = |path: &str| path == "docs/FORMAT.md" || path == "README.md";
    let headings = |_: &str| vec!["3".to_owned(), "3.2".to_owned()];
    let check = |text: &str| broken_citations(text, "//", &exists, &headings);

    assert_eq!(
        check("//! As OMS.md §3.2 says.\n")[0].1,
        "OMS.md is not in the repository"
    );
    assert_eq!(check("/// See ../notes/spec/OMS.md.\n").len(), 1);
    assert_eq!(
        check("//! docs/FORMAT.md §3.2, then\n/// (§6.4) below.\n"),
        [(2, "docs/FORMAT.md has no section 6.4".to_owned())]
    );
    assert_eq!(
        check("/// Ordered (§1.4).\n")[0].1,
        "§1.4 cites no document"
    );
    // What passes: cited sections that exist, public standards, URLs, code that is not a comment.
    assert!(check("//! docs/FORMAT.md §3, §3.2.\n// §3.2 again\n").is_empty());
    assert!(check("// RFC 3161 §2.3 and (OMS v1.0 §6.1) (RFC 6962 §3.2)\n").is_empty());
    assert!(check("// https://example.com/docs/oid-info.md\n").is_empty());
    assert!(check("let readme = \"model/README.md\"; // README.md\n").is_empty());
}

#[test]
fn section_numbers_come_from_numbered_headings_only() {
    let doc = "# Title\n## 1. One\n### 1.4 Order\n## Notes\n#### 12. Traps\nA §2 line\n";
    assert_eq!(section_numbers(doc), ["1", "1.4", "12"]);
}
