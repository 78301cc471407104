//! The main proof that the harness is right: the Python reference signs
//! through it and both verifiers accept the result.

use crate::common;

use common::*;
use sigstore_harness::Harness;

fn reference_round_trip(rekor_major: u32, identity: &str) -> String {
    let harness = Harness::start();
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let trust = trust_file(&harness, dir.path(), rekor_major);
    let sig = dir.path().join("model.sig");
    assert_ok(
        &py_sign(&trust, &harness.mint_token(identity), &model, &sig),
        "Signing succeeded",
    );
    assert_ok(
        &py_verify(&trust, identity, harness.issuer_url(), &model, &sig),
        "Verification succeeded",
    );
    let bundle = std::fs::read_to_string(&sig).unwrap();
    rust_verify(&harness, &bundle, identity).unwrap();
    assert_eq!(harness.log_size(rekor_major), 6);
    bundle
}

#[test]
fn reference_signs_with_rekor_v1_and_tsa_and_both_verifiers_accept() {
    let bundle: serde_json::Value = serde_json::from_str(&reference_round_trip(1, EMAIL)).unwrap();
    let material = &bundle["verificationMaterial"];
    let entry = &material["tlogEntries"][0];
    assert_eq!(
        entry["kindVersion"],
        serde_json::json!({"kind": "dsse", "version": "0.0.1"})
    );
    assert_eq!(entry["logIndex"], "5");
    assert!(entry["inclusionPromise"]["signedEntryTimestamp"].is_string());
    assert_eq!(entry["inclusionProof"]["treeSize"], "6");
    assert_eq!(
        material["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn reference_signs_with_rekor_v2_and_both_verifiers_accept() {
    let bundle: serde_json::Value = serde_json::from_str(&reference_round_trip(2, EMAIL)).unwrap();
    let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(
        entry["kindVersion"],
        serde_json::json!({"kind": "hashedrekord", "version": "0.0.2"})
    );
    assert!(entry.get("inclusionPromise").is_none());
    assert!(entry.get("integratedTime").is_none());
}

#[test]
fn reference_signs_for_a_uri_subject() {
    reference_round_trip(1, URI);
}

#[test]
fn reference_rejects_a_different_identity_and_issuer() {
    let harness = Harness::start();
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let trust = trust_file(&harness, dir.path(), 1);
    let sig = dir.path().join("model.sig");
    assert_ok(
        &py_sign(&trust, &harness.mint_token(EMAIL), &model, &sig),
        "Signing succeeded",
    );
    let wrong_identity = py_verify(
        &trust,
        "bob@example.com",
        harness.issuer_url(),
        &model,
        &sig,
    );
    assert!(!wrong_identity.status.success());
    assert!(
        text(&wrong_identity).contains("Certificate's SANs do not match bob@example.com"),
        "{}",
        text(&wrong_identity)
    );
    let wrong_issuer = py_verify(&trust, EMAIL, "https://accounts.example.com", &model, &sig);
    assert!(!wrong_issuer.status.success());
    assert!(
        text(&wrong_issuer).contains(&format!(
            "Certificate's OIDCIssuer does not match (got '{}', expected 'https://accounts.example.com')",
            harness.issuer_url()
        )),
        "{}",
        text(&wrong_issuer)
    );
}
