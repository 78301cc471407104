//! What the commands print, in the reference's words where it has them.

use std::fmt::Display;
use std::io::Write;

use model_signing::{escape_controls, CertificateRole, VerificationReport, VerifierNote};

/// Exit status of a command that ran (clap handles usage errors with 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
    /// Bad arguments found after parsing (e.g. an unreadable allow-list): exit 2 like clap.
    Usage,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Usage => 2,
        }
    }
}

pub const SIGN_OK: &str = "Signing succeeded";
pub const VERIFY_OK: &str = "Verification succeeded";
pub const SIGN_FAILED: &str = "Signing failed with error";
pub const VERIFY_FAILED: &str = "Verification failed with error";
pub const DIGEST_FAILED: &str = "Computing digest failed";

/// `<prefix>: <error>` on stderr, the error's control characters escaped (errors quote paths,
/// identities and other strings from the disk or the signature).
pub fn failure(prefix: &str, err: &dyn Display) -> Status {
    eprintln!("{prefix}: {}", error_text(err));
    Status::Failure
}

/// An error as one line with its control characters escaped.
pub fn error_text(err: &dyn Display) -> String {
    escape_controls(&err.to_string()).into_owned()
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

/// Verifier notes: fingerprints are log output (stderr, like the reference's logger); other
/// notes are written like the reference's `print("WARNING: ...")`.
pub fn write_verifier_notes(out: &mut dyn Write, notes: &[VerifierNote]) -> std::io::Result<()> {
    for note in notes {
        match note {
            VerifierNote::CertificateFingerprint { role, sha256 } => {
                tracing::info!("{}", fingerprint_line(*role, sha256));
            }
            other => writeln!(out, "WARNING: {}", warning_text(other))?,
        }
    }
    Ok(())
}

/// The reference's `--log_fingerprints` line.
fn fingerprint_line(role: CertificateRole, sha256: &str) -> String {
    let stage = match role {
        CertificateRole::TrustAnchor => "[  init  ]",
        CertificateRole::BundleChain => "[ verify ]",
    };
    format!("{stage} sha256 Fingerprint: {sha256}")
}

fn warning_text(note: &VerifierNote) -> String {
    match note {
        VerifierNote::CertificateFingerprint { role, sha256 } => fingerprint_line(*role, sha256),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_line() {
        assert_eq!(root_digest_line(&[0xab, 0x01]), "sha256:ab01");
    }

    #[test]
    fn notes_are_written_as_the_reference_words_them() {
        assert_eq!(
            fingerprint_line(CertificateRole::TrustAnchor, "AA:BB"),
            "[  init  ] sha256 Fingerprint: AA:BB"
        );
        assert_eq!(
            fingerprint_line(CertificateRole::BundleChain, "AA:BB"),
            "[ verify ] sha256 Fingerprint: AA:BB"
        );
        let mut out = Vec::new();
        write_verifier_notes(
            &mut out,
            &[
                VerifierNote::IgnoredTimestamps { count: 2 },
                VerifierNote::CertificateFingerprint {
                    role: CertificateRole::TrustAnchor,
                    sha256: "AA".into(),
                },
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "WARNING: 2 RFC 3161 timestamp(s) in the signature were ignored: no timestamp \
             authority of the trusted root signed them\n"
        );
    }
}
