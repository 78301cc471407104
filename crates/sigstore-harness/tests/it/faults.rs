//! Negative tests: each fault makes the harness misbehave in one way, and
//! both verifiers (and the signers, where they check) must notice.
//!
//! Divergence worth knowing: with Rekor v1, a corrupted RFC 3161 timestamp
//! is rejected by sigstore-verify but ignored by the reference, which still
//! has the SET-backed integrated time as a verified time.

use crate::common;

use common::*;
use sigstore_harness::{Fault, Harness};

/// What each party does with one fault.
struct Case {
    fault: Fault,
    /// Expected end of the reference signer's output (`None`: it succeeds).
    python_sign: Option<&'static str>,
    /// Prefix of sigstore-verify's error (`None`: it accepts).
    rust_verify: Option<&'static str>,
    /// Part of the reference verifier's error (`None`: it accepts).
    python_verify: Option<&'static str>,
}

const EXPIRED_RUST: &str =
    "certificate chain is invalid: certificate chain validation failed: CertExpired";
const EXPIRED_PY: &str = "Verification failed with error: failed to build timestamp certificate chain: validation failed: cert is not valid at validation time";
const SCT_RUST: &str = "invalid signed certificate timestamp: SCT signature verification failed: Verification error: ECDSA_P256_SHA256 signature invalid";
const SCT_PY: &str = "Verification failed with error: failed to verify SCT on signing certificate: SCT verify failed: keyring: invalid signature";
const PROOF_RUST: &str =
    "invalid inclusion proof: inclusion proof verification failed: root hash mismatch";
const PROOF_PY: &str =
    "Verification failed with error: invalid log entry: inclusion proof contains invalid root hash";
const CHECKPOINT_RUST: &str = "invalid checkpoint: No valid Rekor signature found on checkpoint";
const CHECKPOINT_PY: &str = "Verification failed with error: invalid log entry: checkpoint: invalid signature: keyring: invalid signature";
const TIMESTAMP_RUST: &str = "invalid RFC 3161 timestamp: TSA timestamp verification failed: Failed to verify timestamp signature: Verification error: ECDSA_P256_SHA256 signature invalid";

fn common_cases() -> Vec<Case> {
    vec![
        Case {
            fault: Fault::ExpiredCertificate,
            python_sign: Some("Signing failed with error:"),
            rust_verify: Some(EXPIRED_RUST),
            python_verify: Some(EXPIRED_PY),
        },
        Case {
            fault: Fault::CorruptSct,
            python_sign: Some(
                "Signing failed with error: SCT verify failed: keyring: invalid signature",
            ),
            rust_verify: Some(SCT_RUST),
            python_verify: Some(SCT_PY),
        },
        Case {
            fault: Fault::CorruptInclusionProof,
            python_sign: None,
            rust_verify: Some(PROOF_RUST),
            python_verify: Some(PROOF_PY),
        },
        Case {
            fault: Fault::CorruptCheckpoint,
            python_sign: None,
            rust_verify: Some(CHECKPOINT_RUST),
            python_verify: Some(CHECKPOINT_PY),
        },
    ]
}

fn last_line(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let all = format!("{stdout}\n{stderr}");
    all.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

fn check(harness: &Harness, rekor_major: u32, cases: &[Case]) {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let trust = trust_file(harness, dir.path(), rekor_major);
    let reference_sig = dir.path().join("reference.sig");
    assert_ok(
        &py_sign(&trust, &harness.mint_token(EMAIL), &model, &reference_sig),
        "Signing succeeded",
    );
    let statement = payload(&std::fs::read_to_string(&reference_sig).unwrap());
    let mut failures = Vec::new();
    for case in cases {
        harness.inject(case.fault);
        let py_signed = py_sign(
            &trust,
            &harness.mint_token(EMAIL),
            &model,
            &dir.path().join("py.sig"),
        );
        let bundle = rust_sign(harness, rekor_major, EMAIL, &statement);
        harness.clear_faults();
        let name = format!("v{rekor_major} {:?}", case.fault);

        let py_sign_line = last_line(&py_signed);
        match case.python_sign {
            None if py_signed.status.success() => {}
            Some(expected) if !py_signed.status.success() && py_sign_line.trim() == expected => {}
            _ => failures.push(format!("{name}: reference signer: {py_sign_line:?}")),
        }

        let bundle = bundle.unwrap_or_else(|e| panic!("{name}: sigstore-sign failed: {e}"));
        match (rust_verify(harness, &bundle, EMAIL), case.rust_verify) {
            (Ok(()), None) => {}
            (Err(e), Some(prefix)) if e.starts_with(prefix) => {}
            (got, _) => failures.push(format!("{name}: sigstore-verify: {got:?}")),
        }

        let sig = dir.path().join("rust.sig");
        std::fs::write(&sig, &bundle).unwrap();
        let verified = py_verify(&trust, EMAIL, harness.issuer_url(), &model, &sig);
        let line = last_line(&verified);
        match case.python_verify {
            None if verified.status.success() && line == "Verification succeeded" => {}
            Some(expected) if !verified.status.success() && line.contains(expected) => {}
            _ => failures.push(format!("{name}: reference verifier: {line:?}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn rekor_v1_faults_are_caught() {
    let mut cases = common_cases();
    cases.extend([
        Case {
            fault: Fault::ForeignLogEntry,
            python_sign: None,
            rust_verify: Some("log entry does not match the bundle: DSSE payload hash mismatch"),
            python_verify: Some("Verification failed with error: log entry payload hash does not match bundle"),
        },
        Case {
            fault: Fault::CorruptSet,
            python_sign: None,
            rust_verify: Some("invalid inclusion promise: SET verification failed: Verification error: ECDSA_P256_SHA256 signature invalid"),
            python_verify: Some("Verification failed with error: invalid log entry: SET: invalid inclusion promise: keyring: invalid signature"),
        },
        Case {
            fault: Fault::CorruptTimestamp,
            python_sign: None,
            rust_verify: Some(TIMESTAMP_RUST),
            // The reference drops the bad timestamp and relies on the SET.
            python_verify: None,
        },
    ]);
    check(&Harness::start(), 1, &cases);
}

#[test]
fn rekor_v2_faults_are_caught() {
    let mut cases = common_cases();
    cases.push(Case {
        fault: Fault::CorruptTimestamp,
        python_sign: None,
        rust_verify: Some(TIMESTAMP_RUST),
        python_verify: Some("Verification failed with error: not enough sources of verified time"),
    });
    check(&Harness::start(), 2, &cases);
}

#[test]
fn rekor_v2_foreign_entry_is_refused_by_sigstore_sign() {
    let harness = Harness::start();
    harness.inject(Fault::ForeignLogEntry);
    let statement = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{}}"#;
    assert_eq!(
        rust_sign(&harness, 2, EMAIL, statement).unwrap_err(),
        "Rekor error: Invalid response: Rekor v2 response body does not match the submitted entry"
    );
}
