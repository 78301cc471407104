//! Ignore rules: paths relative to the model root, matched as a lexical component-wise prefix
//! (the reference's `Path.is_relative_to`), so `sub` ignores `sub/x` but not `sub2/x`.

use std::collections::BTreeSet;

/// The paths the reference ignores by default (`ignore_git_paths=True`), at the top level only.
pub const GIT_DEFAULT_PATHS: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// An ignore path that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreRuleError {
    #[error(
        "invalid ignore path {path:?}: expected a non-empty relative path, found an empty one"
    )]
    Empty { path: String },
    #[error(
        "invalid ignore path {path:?}: expected a path below the model root, found the root itself (it would ignore every file)"
    )]
    ModelRoot { path: String },
    #[error("invalid ignore path {path:?}: expected a path relative to the model root, found an absolute path")]
    Absolute { path: String },
    #[error(
        "invalid ignore path {path:?}: expected a path inside the model, found a `..` component"
    )]
    ParentComponent { path: String },
}

/// A set of ignored paths, each held normalized: `/`-separated components, no `.` or empty
/// components (like pathlib, `./a//b/` is `a/b`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreRules {
    paths: BTreeSet<String>,
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
    /// absolute paths and `..` components, which the reference accepts but which would ignore
    /// everything or nothing.
    pub fn add(&mut self, path: &str) -> Result<(), IgnoreRuleError> {
        let normalized = normalize(path)?;
        self.paths.insert(normalized);
        Ok(())
    }

    /// Adds every path of `other`.
    pub fn extend(&mut self, other: &IgnoreRules) {
        self.paths.extend(other.paths.iter().cloned());
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

fn normalize(path: &str) -> Result<String, IgnoreRuleError> {
    let err_path = || path.to_string();
    if path.is_empty() {
        return Err(IgnoreRuleError::Empty { path: err_path() });
    }
    if path.starts_with('/') {
        return Err(IgnoreRuleError::Absolute { path: err_path() });
    }
    let mut components = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(IgnoreRuleError::ParentComponent { path: err_path() }),
            c => components.push(c),
        }
    }
    if components.is_empty() {
        return Err(IgnoreRuleError::ModelRoot { path: err_path() });
    }
    Ok(components.join("/"))
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
        assert_eq!(
            IgnoreRules::from_paths([""]),
            Err(IgnoreRuleError::Empty { path: "".into() })
        );
        for root in [".", "./", "./."] {
            assert_eq!(
                IgnoreRules::from_paths([root]),
                Err(IgnoreRuleError::ModelRoot { path: root.into() })
            );
        }
        assert_eq!(
            IgnoreRules::from_paths(["/etc"]),
            Err(IgnoreRuleError::Absolute {
                path: "/etc".into()
            })
        );
        for up in ["..", "../x", "a/../b", "a/.."] {
            assert_eq!(
                IgnoreRules::from_paths([up]),
                Err(IgnoreRuleError::ParentComponent { path: up.into() })
            );
        }
        assert_eq!(
            IgnoreRules::from_paths(["."]).unwrap_err().to_string(),
            "invalid ignore path \".\": expected a path below the model root, found the root itself (it would ignore every file)"
        );
    }
}
