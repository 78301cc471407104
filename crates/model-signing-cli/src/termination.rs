//! The one-line verdict `verify --termination-log PATH` writes, for Kubernetes to show as the
//! init container's termination message (the operator reads it into the CR status).

use model_signing::{Error, VerifiedModel};

/// Kubernetes keeps at most 4096 bytes of a termination message; stay well below.
const MAX_VERDICT_BYTES: usize = 1024;
/// How many file names a mismatch verdict lists before "and N more".
const MAX_NAMES: usize = 5;

pub const VERIFIED: &str = "Verification succeeded";
pub const FAILED: &str = "Verification failed";

/// `Verification succeeded`, `Verification failed: config.json changed`, or
/// `Verification failed: <first line of the error>`.
pub fn verdict_line(result: &Result<VerifiedModel, Error>) -> String {
    let line = match result {
        Ok(_) => VERIFIED.to_owned(),
        Err(Error::Mismatch(report)) => {
            let mut parts: Vec<String> = Vec::new();
            parts.extend(report.changed.iter().map(|c| format!("{} changed", c.name)));
            parts.extend(report.added.iter().map(|n| format!("{n} added")));
            parts.extend(report.missing.iter().map(|n| format!("{n} missing")));
            let more = parts.len().saturating_sub(MAX_NAMES);
            parts.truncate(MAX_NAMES);
            let mut line = format!("{FAILED}: {}", parts.join(", "));
            if more > 0 {
                line.push_str(&format!(" and {more} more"));
            }
            line
        }
        Err(err) => return failed_line(&err.to_string()),
    };
    truncate_on_char(line, MAX_VERDICT_BYTES)
}

/// `Verification failed: <first line of reason>` (e.g. a failed `--scan`).
pub fn failed_line(reason: &str) -> String {
    let line = format!("{FAILED}: {}", reason.lines().next().unwrap_or_default());
    truncate_on_char(line, MAX_VERDICT_BYTES)
}

fn truncate_on_char(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use model_signing::{ChangedResource, Digest, VerificationReport};

    use super::*;

    fn mismatch(
        changed: &[&str],
        added: &[&str],
        missing: &[&str],
    ) -> Result<VerifiedModel, Error> {
        Err(Error::Mismatch(Box::new(VerificationReport {
            added: added.iter().map(|s| s.to_string()).collect(),
            missing: missing.iter().map(|s| s.to_string()).collect(),
            changed: changed
                .iter()
                .map(|n| ChangedResource {
                    name: n.to_string(),
                    expected: Digest::new("sha256", vec![1]),
                    actual: Digest::new("sha256", vec![2]),
                })
                .collect(),
            ignored: Vec::new(),
            listing_only: false,
            linked_directories: Vec::new(),
        })))
    }

    #[test]
    fn mismatch_names_the_files() {
        assert_eq!(
            verdict_line(&mismatch(&["config.json"], &[], &[])),
            "Verification failed: config.json changed"
        );
        assert_eq!(
            verdict_line(&mismatch(&["a"], &["b.py"], &["c"])),
            "Verification failed: a changed, b.py added, c missing"
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let names: Vec<String> = (0..8).map(|i| format!("f{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            verdict_line(&mismatch(&refs, &[], &[])),
            "Verification failed: f0 changed, f1 changed, f2 changed, f3 changed, f4 changed and 3 more"
        );
    }

    #[test]
    fn other_errors_keep_their_first_line() {
        let err = Err(Error::IgnorePath("x\ny".into()));
        assert_eq!(
            verdict_line(&err),
            "Verification failed: invalid ignore path: x"
        );
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = truncate_on_char("é".repeat(600), MAX_VERDICT_BYTES);
        assert!(s.len() <= MAX_VERDICT_BYTES);
        assert!(s.chars().all(|c| c == 'é'));
    }
}
