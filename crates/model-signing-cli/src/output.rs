//! What the commands print, in the reference's words where it has them.

use std::fmt::Display;
use std::io::Write;

use model_signing::VerificationReport;

/// Exit status of a command that ran (clap handles usage errors with 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
        }
    }
}

pub const SIGN_OK: &str = "Signing succeeded";
pub const VERIFY_OK: &str = "Verification succeeded";
pub const SIGN_FAILED: &str = "Signing failed with error";
pub const VERIFY_FAILED: &str = "Verification failed with error";
pub const DIGEST_FAILED: &str = "Computing digest failed";

/// `<prefix>: <error>` on stderr.
pub fn failure(prefix: &str, err: &dyn Display) -> Status {
    eprintln!("{prefix}: {err}");
    Status::Failure
}

pub fn success(message: &str) -> Status {
    println!("{message}");
    Status::Success
}

/// `sha256:<hex>`, the reference's `digest` output.
pub fn root_digest_line(root: &[u8]) -> String {
    format!("sha256:{}", hex::encode(root))
}

/// The JSON report for `--output json`, pretty-printed.
pub fn report_json(report: &VerificationReport) -> String {
    serde_json::to_string_pretty(&report.to_json()).unwrap_or_else(|_| "{}".to_owned())
}

/// Verifier notes: fingerprint lines are log output (stderr, like the reference's logger);
/// other warnings are written like the reference's `print("WARNING: ...")`.
pub fn write_verifier_notes(out: &mut dyn Write, notes: &[String]) -> std::io::Result<()> {
    for note in notes {
        if is_fingerprint_line(note) {
            tracing::info!("{note}");
        } else {
            writeln!(out, "WARNING: {note}")?;
        }
    }
    Ok(())
}

fn is_fingerprint_line(note: &str) -> bool {
    note.starts_with("[  init  ]") || note.starts_with("[ verify ]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_line() {
        assert_eq!(root_digest_line(&[0xab, 0x01]), "sha256:ab01");
    }

    #[test]
    fn fingerprint_lines_are_recognised() {
        assert!(is_fingerprint_line("[  init  ] sha256 Fingerprint: AA:BB"));
        assert!(is_fingerprint_line("[ verify ] sha256 Fingerprint: AA:BB"));
        assert!(!is_fingerprint_line(
            "This model's signature uses an older format"
        ));
    }
}
