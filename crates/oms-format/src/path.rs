//! One policy for paths relative to a model root, used wherever such a path is read or
//! written: ignore paths given to a signer, ignore paths recorded in a signature, and the
//! resource names a signer produces. What a verifier would refuse, a signer refuses first.
//!
//! Paths are POSIX: `/` separates components. A `\` is refused rather than read as a
//! separator: on POSIX it is an ordinary file-name character (a file may be named `cache\tmp`)
//! while a Windows signer would write it as a separator, so either reading could widen an
//! ignore path to a tree the signer never meant to leave out.

/// What is wrong with a model-relative path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    #[error("expected a non-empty relative path, found an empty one")]
    Empty,
    #[error("expected a path without NUL characters, found one")]
    Nul,
    #[error(
        "expected `/` as the only separator, found `\\`, which is ambiguous (a separator on Windows, a file-name character on POSIX)"
    )]
    Backslash,
    #[error("expected a path relative to the model root, found an absolute path")]
    Absolute,
    #[error("expected a path inside the model, found a `..` component")]
    ParentComponent,
    #[error(
        "expected a path below the model root, found the root itself (it would ignore every file)"
    )]
    ModelRoot,
}

/// An ignore path that cannot be used, with the path as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ignore path {path:?}: {problem}")]
pub struct IgnorePathError {
    pub path: String,
    pub problem: PathProblem,
}

/// Normalizes an ignore path to `/`-separated components relative to the model root, the
/// way pathlib does (`./a//b/` is `a/b`), refusing what could mean more than one thing or
/// reach outside the model: empty, NUL, `\`, absolute (`/x`, `C:/x`), `..` and the root itself.
pub fn normalize_ignore_path(raw: &str) -> Result<String, IgnorePathError> {
    normalize(raw).map_err(|problem| IgnorePathError {
        path: raw.to_string(),
        problem,
    })
}

fn normalize(raw: &str) -> Result<String, PathProblem> {
    check_characters(raw)?;
    let has_drive =
        matches!(raw.as_bytes(), [letter, b':', b'/', ..] if letter.is_ascii_alphabetic());
    if raw.starts_with('/') || has_drive {
        return Err(PathProblem::Absolute);
    }
    let mut components = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(PathProblem::ParentComponent),
            c => components.push(c),
        }
    }
    if components.is_empty() {
        return Err(PathProblem::ModelRoot);
    }
    Ok(components.join("/"))
}

/// Checks one file or directory name met while walking a model: it will become part of a
/// resource name, so it must be one a verifier accepts.
pub fn check_file_name(name: &str) -> Result<(), PathProblem> {
    check_characters(name)
}

fn check_characters(raw: &str) -> Result<(), PathProblem> {
    if raw.is_empty() {
        Err(PathProblem::Empty)
    } else if raw.contains('\0') {
        Err(PathProblem::Nul)
    } else if raw.contains('\\') {
        Err(PathProblem::Backslash)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(raw: &str) -> PathProblem {
        normalize_ignore_path(raw).unwrap_err().problem
    }

    #[test]
    fn normalizes_like_pathlib() {
        for (raw, want) in [
            (".git/", ".git"),
            ("./a//b/", "a/b"),
            ("c/./d", "c/d"),
            ("sp ace/é", "sp ace/é"),
        ] {
            assert_eq!(normalize_ignore_path(raw).unwrap(), want, "{raw}");
        }
    }

    #[test]
    fn a_backslash_is_refused_not_widened() {
        // `cache\tmp` is one legal POSIX name; read as a separator it would ignore `cache/tmp/`.
        for raw in ["cache\\tmp", "\\abs", "C:\\x", "a\\..", "a\\b/c"] {
            assert_eq!(problem(raw), PathProblem::Backslash, "{raw}");
        }
        assert_eq!(check_file_name("a\\b"), Err(PathProblem::Backslash));
        assert_eq!(check_file_name("a b:c"), Ok(()));
    }

    #[test]
    fn refuses_what_escapes_or_covers_the_model() {
        assert_eq!(problem(""), PathProblem::Empty);
        assert_eq!(problem("a\0b"), PathProblem::Nul);
        assert_eq!(problem("/etc"), PathProblem::Absolute);
        assert_eq!(problem("C:/x"), PathProblem::Absolute);
        for raw in ["..", "../x", "a/../b", "a/.."] {
            assert_eq!(problem(raw), PathProblem::ParentComponent, "{raw}");
        }
        for raw in [".", "./", "./."] {
            assert_eq!(problem(raw), PathProblem::ModelRoot, "{raw}");
        }
        assert_eq!(
            normalize_ignore_path(".").unwrap_err().to_string(),
            "invalid ignore path \".\": expected a path below the model root, found the root itself (it would ignore every file)"
        );
    }
}
