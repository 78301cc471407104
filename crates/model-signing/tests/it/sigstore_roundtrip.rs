//! Keyless round trips through the loopback harness (Fulcio, Rekor v1 and v2, TSA):
//! we sign and we verify; we sign and the reference verifies; the reference signs and
//! we verify. Needs the reference venv (`/work/.venv-ref` or `$MODEL_SIGNING_REF_VENV`).

#![cfg(feature = "sigstore")]

use crate::sigstore_common as common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use model_signing::{digest_model, no_progress, HashingConfig};
use oms_format::statement::statement_bytes;
use serde_json::json;

/// Our bundle has the reference's shape (docs/FORMAT.md §5.3) and signs our statement verbatim.
fn check_shape(setup: &Setup, bundle: &[u8]) {
    let text = std::str::from_utf8(bundle).unwrap();
    assert!(
        text.starts_with(
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"certificate":{"rawBytes":""#
        ),
        "{text}"
    );
    // Compact separators (the checkpoint text inside has its own spaces).
    assert!(!text.contains("\": ") && !text.contains("\", \"") && !text.ends_with('\n'));
    let v = json(bundle);
    let envelope = &v["dsseEnvelope"];
    // sigstore-python's key order inside the envelope (sigstore-types' differs).
    assert!(text.contains(r#"},"dsseEnvelope":{"payload":""#), "{text}");
    assert!(
        text.contains(r#"","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":""#)
    );
    assert!(text.ends_with(r#""}]}}"#));
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(envelope["signatures"].as_array().unwrap().len(), 1);
    assert!(envelope["signatures"][0].get("keyid").is_none());
    let manifest = digest_model(&setup.model, &HashingConfig::default(), &no_progress).unwrap();
    let payload = STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    assert_eq!(payload, statement_bytes(&manifest));

    let material = &v["verificationMaterial"];
    let entries = material["tlogEntries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let timestamps = material["timestampVerificationData"]["rfc3161Timestamps"]
        .as_array()
        .unwrap();
    assert_eq!(timestamps.len(), 1);
    let entry = &entries[0];
    if setup.rekor_major == 1 {
        assert_eq!(
            entry["kindVersion"],
            json!({"kind": "dsse", "version": "0.0.1"})
        );
        assert!(entry["inclusionPromise"]["signedEntryTimestamp"].is_string());
    } else {
        assert_eq!(
            entry["kindVersion"],
            json!({"kind": "hashedrekord", "version": "0.0.2"})
        );
        assert!(entry.get("inclusionPromise").is_none());
    }
    assert!(entry["inclusionProof"]["checkpoint"]["envelope"].is_string());
}

fn we_sign_and_both_verify(rekor_major: u32, identity: &str) {
    let setup = Setup::new(rekor_major);
    let issuer = setup.harness.issuer_url().to_owned();
    let log_before = setup.harness.log_size(rekor_major);
    let bundle = setup.sign(identity).unwrap();
    assert_eq!(setup.harness.log_size(rekor_major), log_before + 1);
    check_shape(&setup, &bundle);

    let verified = setup.verify(&bundle, identity, &issuer).unwrap();
    assert_eq!(verified.signer, format!("{identity} (issuer {issuer})"));
    assert_eq!(verified.manifest.resources.len(), 3);

    let sig = setup.sig_path("ours.sig");
    std::fs::write(&sig, &bundle).unwrap();
    let out = setup.py_verify(identity, &issuer, &sig);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(last_line(&out), "Verification succeeded");
}

#[test]
fn rekor_v1_we_sign_we_and_the_reference_verify() {
    we_sign_and_both_verify(1, EMAIL);
}

#[test]
fn rekor_v2_we_sign_we_and_the_reference_verify() {
    we_sign_and_both_verify(2, EMAIL);
}

#[test]
fn uri_identity_round_trips() {
    we_sign_and_both_verify(1, URI);
}

fn reference_signs_we_verify(rekor_major: u32) {
    let setup = Setup::new(rekor_major);
    let issuer = setup.harness.issuer_url().to_owned();
    let sig = setup.sig_path("reference.sig");
    let out = setup.py_sign(EMAIL, &sig);
    assert!(out.status.success(), "{}", text(&out));
    let bundle = std::fs::read(&sig).unwrap();
    let verified = setup.verify(&bundle, EMAIL, &issuer).unwrap();
    assert_eq!(verified.signer, format!("{EMAIL} (issuer {issuer})"));

    // The same statement as ours for the same model. Not the same bytes: the reference
    // serializes the predicate (a protobuf Struct) with keys and ignore paths in no fixed
    // order.
    let ours = setup.sign(EMAIL).unwrap();
    assert_eq!(statement(&ours), statement(&bundle));
    // Same shape: the same keys everywhere (values differ: keys, times, indices).
    assert_eq!(key_paths(&json(&ours)), key_paths(&json(&bundle)));
}

/// The statement of a bundle, `ignore_paths` sorted (the reference writes a Python set).
fn statement(bundle: &[u8]) -> serde_json::Value {
    let payload = json(bundle)["dsseEnvelope"]["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut statement: serde_json::Value =
        serde_json::from_slice(&STANDARD.decode(payload).unwrap()).unwrap();
    let paths = statement["predicate"]["serialization"]["ignore_paths"]
        .as_array_mut()
        .unwrap();
    paths.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    statement
}

/// Every key path of a JSON document.
fn key_paths(v: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    let p = format!("{prefix}.{k}");
                    out.push(p.clone());
                    walk(child, &p, out);
                }
            }
            serde_json::Value::Array(items) => {
                for child in items {
                    walk(child, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out.dedup();
    out
}

#[test]
fn rekor_v1_reference_signs_we_verify() {
    reference_signs_we_verify(1);
}

#[test]
fn rekor_v2_reference_signs_we_verify() {
    reference_signs_we_verify(2);
}
