//! `model_signing inspect SIGNATURE`: what a signature claims, for people. Nothing is verified
//! and the output says so first. The claims come from [`model_signing::inspect`]; this module
//! only renders them.

use std::fmt::Display;

use model_signing::{escape_controls, SignatureClaims, SignerClaims, StatementClaims};
use oms_format::Method;
use oms_sigstore::{BundleInfo, CertificateClaims, SigstoreError};

use crate::args::InspectArgs;
use crate::output::{self, Status};
use crate::time::utc_text;

pub const NOT_VERIFIED: &str =
    "NOT VERIFIED: this shows what the signature claims; no signature, signer or file was checked.";
pub const INSPECT_FAILED: &str = "Inspecting signature failed";

pub fn run(args: &InspectArgs) -> Status {
    let opened = match model_signing::open_signature(&args.signature) {
        Ok(opened) => opened,
        Err(err) => return output::failure(INSPECT_FAILED, &err),
    };
    match describe(&opened.bytes) {
        Ok(lines) => {
            println!("{NOT_VERIFIED}");
            let path = args.signature.display().to_string();
            println!("{:<18}{}", "Signature:", escape_controls(&path));
            let links = opened.location().links();
            if links > 1 {
                // Another name for these bytes inside a model would be a model file: a verifier
                // reports it as added.
                println!("{:<18}{links} (the file has other names)", "Hard links:");
            }
            for line in lines {
                println!("{line}");
            }
            Status::Success
        }
        Err(err) => output::failure(INSPECT_FAILED, &err),
    }
}

/// The description's lines (everything after the banner and the file name).
pub fn describe(bytes: &[u8]) -> Result<Vec<String>, String> {
    let claims = model_signing::inspect(bytes).map_err(|e| e.to_string())?;
    Ok(render(&claims))
}

/// The claims as `label  value` lines.
fn render(claims: &SignatureClaims) -> Vec<String> {
    let mut lines = Vec::new();
    line(&mut lines, "Bundle:", &claims.media_type);
    render_signer(&mut lines, &claims.signer);
    match &claims.statement {
        Ok(statement) => render_statement(&mut lines, statement),
        Err(err) => line(&mut lines, "Payload:", format!("unreadable: {err}")),
    }
    lines
}

/// One `label  value` line; the value may come from the bundle, so controls are escaped.
fn line(lines: &mut Vec<String>, label: &str, value: impl Display) {
    let value = value.to_string();
    lines.push(format!("{label:<18}{}", escape_controls(&value)));
}

fn render_signer(lines: &mut Vec<String>, signer: &SignerClaims) {
    match signer {
        SignerClaims::PublicKey { hint } => {
            line(
                lines,
                "Method:",
                "key (verify with `model_signing verify key`)",
            );
            let hint = hint.as_deref().unwrap_or("(none: older bundle format)");
            line(lines, "Public key hint:", hint);
        }
        SignerClaims::CertificateChain {
            leaf_sha256,
            length,
            certificate,
        } => {
            line(
                lines,
                "Method:",
                "certificate (verify with `model_signing verify certificate`)",
            );
            if let Some(leaf) = leaf_sha256 {
                line(lines, "Leaf certificate:", format!("sha256 {leaf}"));
            }
            line(lines, "Chain length:", length);
            render_certificate(lines, certificate);
        }
        SignerClaims::Certificate {
            leaf_sha256,
            certificate,
        } => {
            line(
                lines,
                "Method:",
                "sigstore (verify with `model_signing verify sigstore`)",
            );
            line(lines, "Leaf certificate:", format!("sha256 {leaf_sha256}"));
            render_certificate(lines, certificate);
        }
    }
}

/// Leaf claims and log entries, from the lenient Sigstore reader.
fn render_certificate(lines: &mut Vec<String>, certificate: &Result<BundleInfo, SigstoreError>) {
    match certificate {
        Ok(info) => {
            if let Some(claims) = &info.certificate {
                render_claims(lines, claims);
            }
            render_log(lines, info);
        }
        Err(err) => line(lines, "Certificate:", format!("unreadable: {err}")),
    }
}

fn render_claims(lines: &mut Vec<String>, claims: &CertificateClaims) {
    if !claims.sans.is_empty() {
        line(lines, "Identity:", claims.sans.join(", "));
    }
    if let Some(issuer) = claims.issuer() {
        line(lines, "OIDC issuer:", issuer);
    }
    let repository = claims
        .source_repository_uri
        .as_ref()
        .or(claims.github_workflow_repository.as_ref());
    if let Some(repository) = repository {
        line(lines, "Source repository:", repository);
    }
    let git_ref = claims
        .source_repository_ref
        .as_ref()
        .or(claims.github_workflow_ref.as_ref());
    if let Some(git_ref) = git_ref {
        line(lines, "Source ref:", git_ref);
    }
    line(
        lines,
        "Valid:",
        format!(
            "{} to {}",
            utc_text(claims.not_before),
            utc_text(claims.not_after)
        ),
    );
}

fn render_log(lines: &mut Vec<String>, info: &BundleInfo) {
    for entry in &info.tlog_entries {
        let time = match entry.integrated_time {
            Some(seconds) if seconds > 0 => format!(", integrated {}", utc_text(seconds)),
            _ => String::new(),
        };
        line(
            lines,
            "Log entry:",
            format!(
                "index {} ({} {}{time})",
                entry.log_index, entry.kind, entry.version
            ),
        );
    }
    if info.rfc3161_timestamps > 0 {
        line(lines, "Timestamps:", info.rfc3161_timestamps);
    }
}

fn render_statement(lines: &mut Vec<String>, statement: &StatementClaims) {
    let manifest = &statement.manifest;
    line(lines, "Predicate:", statement.predicate_type);
    line(lines, "Model name:", &manifest.model_name);
    let serialization = &manifest.serialization;
    let method = match serialization.method {
        Method::Files => "files".to_owned(),
        Method::Shards { shard_size } => format!("shards of {shard_size} bytes"),
    };
    line(lines, "Serialization:", method);
    line(lines, "Hash:", serialization.hash_type);
    line(lines, "Allow symlinks:", serialization.allow_symlinks);
    if !serialization.ignore_paths.is_empty() {
        line(
            lines,
            "Ignore paths:",
            serialization.ignore_paths.join(", "),
        );
    }
    line(
        lines,
        "Root digest:",
        output::root_digest_line(&statement.root_digest),
    );
    line(lines, "Files:", statement.files);
    if matches!(serialization.method, Method::Shards { .. }) {
        line(lines, "Shards:", manifest.resources.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/model-transparency"
    );

    fn describe_fixture(name: &str) -> Vec<String> {
        let bytes = std::fs::read(format!("{FIXTURES}/{name}/model.sig")).unwrap();
        describe(&bytes).unwrap()
    }

    #[test]
    fn key_bundle() {
        assert_eq!(
            describe_fixture("v1.0.0-elliptic-key"),
            [
                "Bundle:           application/vnd.dev.sigstore.bundle.v0.3+json",
                "Method:           key (verify with `model_signing verify key`)",
                "Public key hint:  (none: older bundle format)",
                "Predicate:        https://model_signing/signature/v1.0",
                "Model name:       signme-1",
                "Serialization:    files",
                "Hash:             sha256",
                "Allow symlinks:   false",
                "Root digest:      sha256:afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b",
                "Files:            1",
            ]
        );
    }

    #[test]
    fn keyless_bundle() {
        let lines = describe_fixture("v1.1.0-sigstore");
        let expected_prefix = [
            "Bundle:           application/vnd.dev.sigstore.bundle.v0.3+json",
            "Method:           sigstore (verify with `model_signing verify sigstore`)",
            "Leaf certificate: sha256 22:C8:C0:13:F7:30:32:8F:07:96:99:A4:60:18:EE:71:C4:2C:E3:30:8A:17:7E:24:09:22:73:C2:29:F0:1F:2F",
            "Identity:         stefanb@us.ibm.com",
            "OIDC issuer:      https://sigstore.verify.ibm.com/oauth2",
            "Valid:            2025-10-10 02:12:19 UTC to 2025-10-10 02:22:19 UTC",
            "Log entry:        index 598151086 (dsse 0.0.1, integrated 2025-10-10 02:12:20 UTC)",
            "Timestamps:       1",
        ];
        assert_eq!(lines[..expected_prefix.len()], expected_prefix);
        assert_eq!(
            lines.last().map(String::as_str),
            Some("Files:            2")
        );
    }

    #[test]
    fn legacy_certificate_bundle() {
        let lines = describe_fixture("v0.2.0-certificate");
        assert!(lines.contains(&"Chain length:     2".to_owned()));
        assert!(lines.contains(&"Predicate:        https://model_signing/Digests/v0.1".to_owned()));
        assert!(lines.contains(&"Model name:       compat-undefined-not-present".to_owned()));
    }

    #[test]
    fn not_a_bundle() {
        assert_eq!(
            describe(b"{}").unwrap_err(),
            "bundle field `mediaType` is missing"
        );
    }

    /// A bundle cannot clear the screen, move the cursor or forge a line: every value it
    /// supplies is printed with its control characters escaped.
    #[test]
    fn hostile_strings_are_escaped() {
        use oms_format::{Digest, Envelope, EnvelopeSignature, Manifest, Resource, Serialization};
        let manifest = Manifest::new(
            "m\x1b[1A\x1b[2K\rVerified!",
            Serialization {
                ignore_paths: vec!["x\x1b]0;title\x07".to_owned()],
                ..Serialization::default()
            },
            vec![Resource {
                name: "w".to_owned(),
                digest: Digest::new("sha256", vec![0; 32]),
            }],
        )
        .unwrap();
        let envelope = Envelope {
            payload: oms_format::statement_bytes(&manifest),
            payload_type: oms_format::PAYLOAD_TYPE.to_owned(),
            signatures: vec![EnvelopeSignature {
                sig: vec![1],
                keyid: None,
            }],
        };
        let bundle = oms_format::key_bundle_json("hint\n\u{202e}", &envelope);
        let lines = describe(&bundle).unwrap();
        assert!(lines.contains(&"Public key hint:  hint\\n\\u{202e}".to_owned()));
        assert!(
            lines.contains(&"Model name:       m\\u{1b}[1A\\u{1b}[2K\\rVerified!".to_owned()),
            "{lines:?}"
        );
        assert!(lines.contains(&"Ignore paths:     x\\u{1b}]0;title\\u{7}".to_owned()));
        assert!(lines.iter().all(|l| !l.chars().any(char::is_control)));
    }
}
