//! Ignore rules: paths relative to the model root, matched as a lexical component-wise prefix
//! (the reference's `Path.is_relative_to`), so `sub` ignores `sub/x` but not `sub2/x`.

use std::collections::BTreeSet;
use std::fs::Metadata;

use oms_format::path::normalize_ignore_path;

use crate::identity::FileId;

/// The paths the reference ignores by default (`ignore_git_paths=True`), at the top level only.
pub const GIT_DEFAULT_PATHS: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// An ignore path that cannot be used (the one path policy of [`oms_format::path`]).
pub use oms_format::path::IgnorePathError as IgnoreRuleError;

/// A set of ignored paths, each held normalized: `/`-separated components, no `.` or empty
/// components (like pathlib, `./a//b/` is `a/b`); and the signature file, left out at its own
/// path only while that path holds the file that was read as the signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreRules {
    paths: BTreeSet<String>,
    signature: Option<SignatureEntry>,
}

/// The signature's place in the model: its relative path and the identity of the file read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignatureEntry {
    rel: String,
    id: FileId,
}

impl IgnoreRules {
    /// No ignored paths.
    pub fn new() -> Self {
        Self::default()
    }

    /// `.git`, `.gitattributes`, `.github`, `.gitignore` at the top level.
    pub fn git_defaults() -> Self {
        Self {
            paths: GIT_DEFAULT_PATHS.iter().map(|p| p.to_string()).collect(),
            signature: None,
        }
    }

    /// Validates and collects paths (see [`IgnoreRules::add`]).
    pub fn from_paths<I, S>(paths: I) -> Result<Self, IgnoreRuleError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut rules = Self::new();
        for p in paths {
            rules.add(p.as_ref())?;
        }
        Ok(rules)
    }

    /// Adds a path relative to the model root. Rejects empty paths, the root itself (`.`),
    /// absolute paths, `..` components and `\` (see [`oms_format::path`]), which the
    /// reference accepts but which would ignore everything, nothing, or not what was meant.
    pub fn add(&mut self, path: &str) -> Result<(), IgnoreRuleError> {
        let normalized = normalize_ignore_path(path)?;
        self.paths.insert(normalized);
        Ok(())
    }

    /// Leaves out the signature file: the entry at the model-relative path `rel` (`/`-separated,
    /// `.` for a single-file model), and only while it is the file with identity `id` (the one
    /// read as the signature). Any other name for that file (a hard link, or an allowed
    /// symlink) is listed like any file, so it shows up as added; and a different file put at
    /// `rel` is listed too. It is not an ignore path, so it is not recorded.
    pub fn exclude_signature(&mut self, rel: &str, id: FileId) {
        self.signature = Some(SignatureEntry {
            rel: rel.to_string(),
            id,
        });
    }

    /// Whether the entry at `rel` described by `meta` is the signature file left out.
    pub(crate) fn excludes(&self, rel: Option<&str>, meta: &Metadata) -> bool {
        self.signature
            .as_ref()
            .is_some_and(|s| rel == Some(s.rel.as_str()) && s.id == FileId::of(meta))
    }

    /// Adds every path of `other` (and its signature entry, if this has none).
    pub fn extend(&mut self, other: &IgnoreRules) {
        self.paths.extend(other.paths.iter().cloned());
        if self.signature.is_none() {
            self.signature.clone_from(&other.signature);
        }
    }

    /// The ignore path that leaves out the `/`-separated relative path `rel`, if any.
    pub fn matching_rule(&self, rel: &str) -> Option<&str> {
        let components: Vec<&str> = rel
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        self.paths
            .iter()
            .find(|p| {
                let mut given = components.iter();
                p.split('/').all(|c| given.next() == Some(&c))
            })
            .map(String::as_str)
    }

    /// Whether the path with these components (relative to the model root) is ignored: some
    /// ignored path is a component-wise prefix of it.
    pub fn is_ignored(&self, rel_components: &[&str]) -> bool {
        self.paths.iter().any(|p| {
            let mut given = rel_components.iter();
            p.split('/').all(|c| given.next() == Some(&c))
        })
    }

    /// [`IgnoreRules::is_ignored`] for a `/`-separated relative path.
    pub fn is_ignored_path(&self, rel: &str) -> bool {
        let components: Vec<&str> = rel
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        self.is_ignored(&components)
    }

    /// Whether this exact normalized path is ignored. The walker uses it: it never enters an
    /// ignored directory, so a prefix match can only be an exact match there.
    pub(crate) fn contains_exact(&self, rel: &str) -> bool {
        self.paths.contains(rel)
    }

    /// The normalized paths, sorted (what a signer records as `ignore_paths`).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_component_wise() {
        let rules = IgnoreRules::from_paths(["sub"]).unwrap();
        assert!(rules.is_ignored(&["sub"]));
        assert!(rules.is_ignored(&["sub", "x"]));
        assert!(rules.is_ignored(&["sub", "x", "y"]));
        assert!(!rules.is_ignored(&["sub2", "x"]));
        assert!(!rules.is_ignored(&["su"]));
        assert!(!rules.is_ignored(&["a", "sub"]));
        assert!(!rules.is_ignored(&[]));
    }

    #[test]
    fn nested_rule_needs_all_components() {
        let rules = IgnoreRules::from_paths(["a/b"]).unwrap();
        assert!(rules.is_ignored_path("a/b"));
        assert!(rules.is_ignored_path("a/b/c"));
        assert!(!rules.is_ignored_path("a"));
        assert!(!rules.is_ignored_path("a/bc"));
        assert!(!rules.is_ignored_path("b"));
    }

    #[test]
    fn git_defaults_are_top_level_only() {
        let rules = IgnoreRules::git_defaults();
        assert_eq!(
            rules.paths().collect::<Vec<_>>(),
            [".git", ".gitattributes", ".github", ".gitignore"]
        );
        assert!(rules.is_ignored_path(".git/HEAD"));
        assert!(rules.is_ignored_path(".github/workflows/ci.yml"));
        assert!(!rules.is_ignored_path("sub/.git/HEAD"));
        assert!(!rules.is_ignored_path("sub/.gitignore"));
        assert!(!rules.is_ignored_path(".gitmodules"));
        assert!(!rules.is_ignored_path(".gitkeep"));
    }

    #[test]
    fn paths_are_normalized_like_pathlib() {
        let rules = IgnoreRules::from_paths([".git/", "./a//b/", "c/./d"]).unwrap();
        assert_eq!(rules.paths().collect::<Vec<_>>(), [".git", "a/b", "c/d"]);
    }

    #[test]
    fn bad_paths_are_rejected_with_a_reason() {
        use oms_format::path::PathProblem;
        let problem = |p: &str| IgnoreRules::from_paths([p]).unwrap_err().problem;
        assert_eq!(problem(""), PathProblem::Empty);
        for root in [".", "./", "./."] {
            assert_eq!(problem(root), PathProblem::ModelRoot);
        }
        assert_eq!(problem("/etc"), PathProblem::Absolute);
        for up in ["..", "../x", "a/../b", "a/.."] {
            assert_eq!(problem(up), PathProblem::ParentComponent);
        }
        assert_eq!(problem("cache\\tmp"), PathProblem::Backslash);
        assert_eq!(
            IgnoreRules::from_paths(["."]).unwrap_err().to_string(),
            "invalid ignore path \".\": expected a path below the model root, found the root itself (it would ignore every file)"
        );
    }

    #[test]
    fn the_matching_rule_is_named() {
        let rules = IgnoreRules::from_paths(["a/b", ".git"]).unwrap();
        assert_eq!(rules.matching_rule(".git/HEAD"), Some(".git"));
        assert_eq!(rules.matching_rule("a/b/c"), Some("a/b"));
        assert_eq!(rules.matching_rule("a/bc"), None);
    }
}
