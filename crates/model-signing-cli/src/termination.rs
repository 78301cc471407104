//! The verdict `verify --termination-log PATH` writes, for Kubernetes to keep as the init
//! container's termination message: the operator's typed [`Verdict`] (versioned JSON), which
//! its controller parses. The human line stays on stdout/stderr, for `kubectl logs`.

use model_signing::{Error, VerifiedModel};
use verifier_contract::{args_hash, Counts, Verdict};

/// The verdict for a verification's outcome: a mismatch names the files (changed, added,
/// missing), any other error gives the first line of its message.
pub fn verdict(result: &Result<VerifiedModel, Error>, args_hash: Option<String>) -> Verdict {
    match result {
        Ok(_) => Verdict::verified(args_hash),
        Err(Error::Mismatch(report)) => {
            let mut reasons: Vec<String> = Vec::new();
            reasons.extend(report.changed.iter().map(|c| format!("{} changed", c.name)));
            reasons.extend(report.added.iter().map(|n| format!("{n} added")));
            reasons.extend(report.missing.iter().map(|n| format!("{n} missing")));
            let counts = Counts {
                added: report.added.len(),
                missing: report.missing.len(),
                changed: report.changed.len(),
                ignored: report.ignored.len(),
            };
            Verdict::failed(counts, reasons, args_hash)
        }
        Err(err) => failed(&err.to_string(), args_hash),
    }
}

/// A failure for another reason (e.g. a failed `--scan`): its first line.
pub fn failed(reason: &str, args_hash: Option<String>) -> Verdict {
    let line = reason.lines().next().unwrap_or_default().to_owned();
    Verdict::failed(Counts::default(), vec![line], args_hash)
}

/// The hash of the arguments this process was started with (the program name left out), as
/// the operator computes it from the container it injected.
pub fn this_process_args_hash() -> String {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    args_hash(&args)
}

#[cfg(test)]
mod tests {
    use model_signing::{ChangedResource, Digest, VerificationReport};
    use verifier_contract::Verdict;

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

    fn reasons(result: &Result<VerifiedModel, Error>) -> Vec<String> {
        let json = verdict(result, None).to_json();
        Verdict::parse(&json).unwrap().reasons
    }

    #[test]
    fn mismatch_names_the_files_and_counts_them() {
        assert_eq!(
            reasons(&mismatch(&["config.json"], &[], &[])),
            ["config.json changed"]
        );
        let both = verdict(&mismatch(&["a"], &["b.py"], &["c"]), Some("h".into()));
        assert_eq!(both.reasons, ["a changed", "b.py added", "c missing"]);
        assert_eq!(
            (both.counts.changed, both.counts.added, both.counts.missing),
            (1, 1, 1)
        );
        assert_eq!(both.result, verifier_contract::Outcome::Failed);
        assert_eq!(both.args_hash.as_deref(), Some("h"));
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let names: Vec<String> = (0..8).map(|i| format!("f{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let cut = verdict(&mismatch(&refs, &[], &[]), None);
        assert_eq!(cut.reasons.len(), 5);
        assert_eq!(cut.counts.changed, 8);
    }

    #[test]
    fn other_errors_keep_their_first_line() {
        let err = Err(Error::IgnorePath("x\ny".into()));
        assert_eq!(reasons(&err), ["invalid ignore path: x"]);
    }
}
