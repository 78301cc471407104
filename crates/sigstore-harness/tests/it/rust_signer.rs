//! sigstore-sign (the crate our signer uses) signs through the harness, and
//! both sigstore-verify and the Python reference accept the bundles.

use crate::common;

use common::*;
use sigstore_harness::Harness;

/// Sign the reference's statement for `model` with sigstore-sign, write it as
/// the model's signature, and check both verifiers.
fn rust_round_trip(rekor_major: u32, identity: &str) -> serde_json::Value {
    let harness = Harness::start();
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let trust = trust_file(&harness, dir.path(), rekor_major);
    let reference_sig = dir.path().join("reference.sig");
    assert_ok(
        &py_sign(
            &trust,
            &harness.mint_token(identity),
            &model,
            &reference_sig,
        ),
        "Signing succeeded",
    );
    let statement = payload(&std::fs::read_to_string(&reference_sig).unwrap());

    let bundle = rust_sign(&harness, rekor_major, identity, &statement).unwrap();
    rust_verify(&harness, &bundle, identity).unwrap();
    let sig = dir.path().join("rust.sig");
    std::fs::write(&sig, &bundle).unwrap();
    assert_ok(
        &py_verify(&trust, identity, harness.issuer_url(), &model, &sig),
        "Verification succeeded",
    );
    assert_eq!(harness.log_size(rekor_major), 7);
    serde_json::from_str(&bundle).unwrap()
}

#[test]
fn sigstore_sign_through_rekor_v1_verifies_with_both() {
    let bundle = rust_round_trip(1, EMAIL);
    let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(
        entry["kindVersion"],
        serde_json::json!({"kind": "dsse", "version": "0.0.1"})
    );
    assert_eq!(entry["logIndex"], "6");
}

#[test]
fn sigstore_sign_through_rekor_v2_verifies_with_both() {
    let bundle = rust_round_trip(2, EMAIL);
    let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(
        entry["kindVersion"],
        serde_json::json!({"kind": "hashedrekord", "version": "0.0.2"})
    );
}

#[test]
fn sigstore_sign_for_a_uri_subject_verifies_with_both() {
    rust_round_trip(1, URI);
}
