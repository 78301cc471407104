//! What differs between a signed manifest and the model on disk.

use std::collections::{HashMap, HashSet};
use std::fmt;

use oms_format::manifest::compare_names;
use oms_format::{Digest, Method, Resource};
use oms_hashing::LinkedDirectory;
use serde_json::{json, Value};

use crate::untrusted::escape_controls;

/// A resource whose digest differs from the signed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedResource {
    pub name: String,
    pub expected: Digest,
    pub actual: Digest,
}

/// A signed resource that is on disk but was left out by an ignore rule when verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredResource {
    pub name: String,
    /// The ignore path that left it out.
    pub rule: String,
}

/// The differences between what was signed and what is on disk, each list in the
/// reference's resource order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerificationReport {
    /// Resources on disk that the signature does not list.
    pub added: Vec<String>,
    /// Resources the signature lists that are not on disk.
    pub missing: Vec<String>,
    pub changed: Vec<ChangedResource>,
    /// Signed resources present on disk but left out by an ignore rule (not in `missing`).
    pub ignored: Vec<IgnoredResource>,
    /// The file lists differed, so contents were not compared (`changed` is empty): nothing
    /// is read from a model that already fails.
    pub listing_only: bool,
    /// Symbolic links to directories found in the model (with symlinks allowed). No signature
    /// covers what is behind one, so each is also in `added`.
    pub linked_directories: Vec<LinkedDirectory>,
}

impl VerificationReport {
    /// Compares the signed resources with the ones hashed from disk.
    pub fn compare(expected: &[Resource], actual: &[Resource], method: Method) -> Self {
        let expected_by_name: HashMap<&str, &Digest> = expected
            .iter()
            .map(|r| (r.name.as_str(), &r.digest))
            .collect();
        let actual_by_name: HashMap<&str, &Digest> = actual
            .iter()
            .map(|r| (r.name.as_str(), &r.digest))
            .collect();
        let mut report = Self::default();
        for r in actual {
            match expected_by_name.get(r.name.as_str()) {
                None => report.added.push(r.name.clone()),
                Some(want) if **want != r.digest => report.changed.push(ChangedResource {
                    name: r.name.clone(),
                    expected: (*want).clone(),
                    actual: r.digest.clone(),
                }),
                Some(_) => {}
            }
        }
        for r in expected {
            if !actual_by_name.contains_key(r.name.as_str()) {
                report.missing.push(r.name.clone());
            }
        }
        report.added.sort_by(|a, b| compare_names(a, b, method));
        report.missing.sort_by(|a, b| compare_names(a, b, method));
        report.missing.dedup();
        report
            .changed
            .sort_by(|a, b| compare_names(&a.name, &b.name, method));
        report
    }

    /// Compares the signed resource names with the names the model on disk would give,
    /// before hashing: a report of added and missing resources only.
    pub fn compare_names(expected: &[Resource], listed: &[String], method: Method) -> Self {
        let expected_names: HashSet<&str> = expected.iter().map(|r| r.name.as_str()).collect();
        let listed_names: HashSet<&str> = listed.iter().map(String::as_str).collect();
        let mut report = Self {
            listing_only: true,
            ..Self::default()
        };
        report.added = listed
            .iter()
            .filter(|n| !expected_names.contains(n.as_str()))
            .cloned()
            .collect();
        report.missing = expected
            .iter()
            .filter(|r| !listed_names.contains(r.name.as_str()))
            .map(|r| r.name.clone())
            .collect();
        report.added.sort_by(|a, b| compare_names(a, b, method));
        report.missing.sort_by(|a, b| compare_names(a, b, method));
        report.missing.dedup();
        report
    }

    /// Adds links to directories: each is an added resource whatever the signature lists,
    /// since nothing behind it was hashed.
    pub fn add_linked_directories(&mut self, links: Vec<LinkedDirectory>, method: Method) {
        if links.is_empty() {
            return;
        }
        self.added.extend(links.iter().map(|l| l.name.clone()));
        self.added.sort_by(|a, b| compare_names(a, b, method));
        self.added.dedup();
        self.linked_directories.extend(links);
    }

    pub fn is_match(&self) -> bool {
        self.added.is_empty()
            && self.missing.is_empty()
            && self.changed.is_empty()
            && self.ignored.is_empty()
    }

    /// The report for pipelines (`--output json`).
    pub fn to_json(&self) -> Value {
        let digest = |d: &Digest| json!({"algorithm": d.algorithm, "digest": d.hex()});
        json!({
            "match": self.is_match(),
            "added": self.added,
            "missing": self.missing,
            "ignored": self.ignored.iter().map(|i| json!({"name": i.name, "rule": i.rule})).collect::<Vec<_>>(),
            "linked_directories": self.linked_directories.iter().map(|l| json!({"name": l.name, "target": l.target.to_string_lossy()})).collect::<Vec<_>>(),
            "changed": self.changed.iter().map(|c| json!({
                "name": c.name,
                "expected": digest(&c.expected),
                "actual": digest(&c.actual),
            })).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for VerificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Signature mismatch: the model differs from what was signed ({} added, {} missing, {} changed",
            self.added.len(),
            self.missing.len(),
            self.changed.len()
        )?;
        if !self.ignored.is_empty() {
            write!(f, ", {} ignored", self.ignored.len())?;
        }
        f.write_str(")")?;
        if self.listing_only {
            f.write_str("; the file lists differ, so contents were not compared")?;
        }
        // Names come from the signature and the disk: escaped, so they cannot forge lines.
        for name in &self.added {
            match self.linked_directories.iter().find(|l| &l.name == name) {
                Some(link) => write!(
                    f,
                    "\n  added:   {} (a symbolic link to the directory {}: nothing behind it is covered by the signature)",
                    escape_controls(name),
                    escape_controls(&link.target.to_string_lossy())
                )?,
                None => write!(f, "\n  added:   {} (not in the signature)", escape_controls(name))?,
            }
        }
        for name in &self.missing {
            let name = escape_controls(name);
            write!(f, "\n  missing: {name} (signed, not found)")?;
        }
        for i in &self.ignored {
            write!(
                f,
                "\n  ignored: {} (signed and present, but left out by the ignore rule `{}`)",
                escape_controls(&i.name),
                escape_controls(&i.rule)
            )?;
        }
        for c in &self.changed {
            write!(
                f,
                "\n  changed: {}\n           expected {}\n           actual   {}",
                escape_controls(&c.name),
                escape_controls(&c.expected.to_string()),
                escape_controls(&c.actual.to_string())
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, byte: u8) -> Resource {
        Resource {
            name: name.into(),
            digest: Digest::new("sha256", vec![byte; 2]),
        }
    }

    #[test]
    fn lists_added_missing_and_changed_in_reference_order() {
        let expected = [r("a-b", 1), r("a/b", 2), r("gone", 3), r("z", 4)];
        let actual = [r("z", 9), r("new", 5), r("a/b", 2), r("a-b", 7)];
        let report = VerificationReport::compare(&expected, &actual, Method::Files);
        assert_eq!(report.added, ["new"]);
        assert_eq!(report.missing, ["gone"]);
        let changed: Vec<_> = report.changed.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(changed, ["a-b", "z"]);
        assert_eq!(
            report.to_string(),
            "Signature mismatch: the model differs from what was signed (1 added, 1 missing, 2 changed)\n  \
             added:   new (not in the signature)\n  missing: gone (signed, not found)\n  \
             changed: a-b\n           expected sha256:0101\n           actual   sha256:0707\n  \
             changed: z\n           expected sha256:0404\n           actual   sha256:0909"
        );
    }

    #[test]
    fn algorithm_string_takes_part_in_equality() {
        let expected = [r("w", 1)];
        let actual = [Resource {
            name: "w".into(),
            digest: Digest::new("SHA256", vec![1; 2]),
        }];
        let report = VerificationReport::compare(&expected, &actual, Method::Files);
        assert_eq!(report.changed.len(), 1);
        assert!(!report.is_match());
    }

    #[test]
    fn identical_manifests_match() {
        let m = [r("a", 1), r("b", 2)];
        let report = VerificationReport::compare(&m, &m, Method::Files);
        assert!(report.is_match());
        assert_eq!(report.to_json()["match"], true);
    }

    #[test]
    fn names_cannot_rewrite_the_terminal() {
        let expected = [r("gone\x1b[1A\x1b[2K", 1), r("w\rOK", 2)];
        let actual = [r("new\nVerification succeeded", 3), r("w\rOK", 4)];
        let text = VerificationReport::compare(&expected, &actual, Method::Files).to_string();
        assert_eq!(
            text,
            "Signature mismatch: the model differs from what was signed (1 added, 1 missing, 1 changed)\n  \
             added:   new\\nVerification succeeded (not in the signature)\n  \
             missing: gone\\u{1b}[1A\\u{1b}[2K (signed, not found)\n  \
             changed: w\\rOK\n           expected sha256:0202\n           actual   sha256:0404"
        );
    }
}
