//! Tampered copies of the real bundles fail, and the error names the check that
//! caught them.

use crate::common;

use common::*;
use oms_sigstore::{verify_bundle, SigstoreError};
use serde_json::Value;

fn verify_tampered(version: &str, tamper: impl FnOnce(&mut Value)) -> SigstoreError {
    let mut bundle = json(&sigstore_bundle(version));
    tamper(&mut bundle);
    verify_bundle(&bytes(&bundle), &public_good(), &policy()).unwrap_err()
}

/// The untouched bundles verify, so each failure below is the tamper's doing.
#[test]
fn baseline_round_trip_through_serde_json_still_verifies() {
    for version in ["v1.0.1", "v1.1.0"] {
        let bundle = json(&sigstore_bundle(version));
        verify_bundle(&bytes(&bundle), &public_good(), &policy()).unwrap();
    }
}

#[test]
fn flipped_set_byte() {
    let err = verify_tampered("v1.1.0", |b| {
        flip_b64(
            &mut entry(b)["inclusionPromise"]["signedEntryTimestamp"],
            10,
        )
    });
    assert!(
        matches!(err, SigstoreError::SignedEntryTimestamp { .. }),
        "{err}"
    );
}

#[test]
fn flipped_inclusion_proof_hash() {
    let err = verify_tampered("v1.1.0", |b| {
        flip_b64(&mut entry(b)["inclusionProof"]["hashes"][0], 0)
    });
    assert!(matches!(err, SigstoreError::InclusionProof { .. }), "{err}");
}

#[test]
fn flipped_checkpoint_signature() {
    let err = verify_tampered("v1.1.0", flip_checkpoint_signature);
    assert!(matches!(err, SigstoreError::Checkpoint { .. }), "{err}");
}

#[test]
fn flipped_tsa_timestamp() {
    let err = verify_tampered("v1.1.0", |b| {
        flip_b64(
            &mut b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
                ["signedTimestamp"],
            -5,
        )
    });
    assert!(matches!(err, SigstoreError::Timestamp { .. }), "{err}");
}

#[test]
fn flipped_certificate_signature_byte() {
    let err = verify_tampered("v1.1.0", |b| {
        flip_b64(
            &mut b["verificationMaterial"]["certificate"]["rawBytes"],
            -5,
        )
    });
    assert!(
        matches!(err, SigstoreError::CertificateChain { .. }),
        "{err}"
    );
}

#[test]
fn edited_payload() {
    for version in ["v1.0.1", "v1.1.0"] {
        let err = verify_tampered(version, |b| {
            edit_payload(b, |p| p["subject"][0]["name"] = "tampered".into())
        });
        assert!(
            matches!(err, SigstoreError::Signature { .. }),
            "{version}: {err}"
        );
    }
}

#[test]
fn flipped_signature_without_tsa() {
    let err = verify_tampered("v1.0.1", |b| {
        flip_b64(&mut b["dsseEnvelope"]["signatures"][0]["sig"], 10)
    });
    assert!(matches!(err, SigstoreError::Signature { .. }), "{err}");
}

/// The TSA timestamp covers the signature bytes, so it is the first check to
/// notice a changed signature.
#[test]
fn flipped_signature_with_tsa() {
    let err = verify_tampered("v1.1.0", |b| {
        flip_b64(&mut b["dsseEnvelope"]["signatures"][0]["sig"], 10)
    });
    assert!(matches!(err, SigstoreError::Timestamp { .. }), "{err}");
}

#[test]
fn moved_integrated_time() {
    let err = verify_tampered("v1.1.0", |b| {
        entry(b)["integratedTime"] = "1760062341".into();
    });
    assert!(
        matches!(err, SigstoreError::SignedEntryTimestamp { .. }),
        "{err}"
    );
}

/// The SET signs the canonicalized body, so a rewritten body fails there before
/// the body/bundle consistency check runs.
#[test]
fn replaced_body_payload_hash() {
    let err = verify_tampered("v1.1.0", |b| {
        edit_body(b, |body| {
            body["spec"]["payloadHash"]["value"] = "00".repeat(32).into();
        })
    });
    assert!(
        matches!(err, SigstoreError::SignedEntryTimestamp { .. }),
        "{err}"
    );
}

#[test]
fn missing_set_and_no_tsa_leaves_no_verified_time() {
    let err = verify_tampered("v1.0.1", |b| {
        entry(b).as_object_mut().unwrap().remove("inclusionPromise");
    });
    assert!(matches!(err, SigstoreError::NoVerifiedTime { .. }), "{err}");
}

#[test]
fn zero_tlog_entries() {
    let err = verify_tampered("v1.1.0", |b| {
        b["verificationMaterial"]["tlogEntries"] = Value::Array(vec![]);
    });
    assert!(
        matches!(err, SigstoreError::TlogEntryCount { found: 0 }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "expected exactly one transparency log entry in the bundle, found 0"
    );
}

#[test]
fn two_tlog_entries() {
    let err = verify_tampered("v1.1.0", |b| {
        let copy = entry(b).clone();
        b["verificationMaterial"]["tlogEntries"]
            .as_array_mut()
            .unwrap()
            .push(copy);
    });
    assert!(
        matches!(err, SigstoreError::TlogEntryCount { found: 2 }),
        "{err}"
    );
}

#[test]
fn duplicate_tsa_timestamps() {
    let err = verify_tampered("v1.1.0", |b| {
        let list = &mut b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"];
        let copy = list[0].clone();
        list.as_array_mut().unwrap().push(copy);
    });
    assert_eq!(
        err.to_string(),
        "RFC 3161 timestamp check failed: RFC 3161 timestamp #0 appears more than once"
    );
}

#[test]
fn not_json() {
    let err = verify_bundle(b"{", &public_good(), &policy()).unwrap_err();
    assert!(matches!(err, SigstoreError::BundleFormat { .. }), "{err}");
}

#[test]
fn payload_without_subject_digest() {
    let err = verify_tampered("v1.1.0", |b| {
        edit_payload(b, |p| p["subject"] = Value::Array(vec![]))
    });
    assert!(matches!(err, SigstoreError::PayloadSubject { .. }), "{err}");
}

/// A valid bundle padded past the size limit is refused before parsing, the same limit the
/// key and certificate paths use.
#[test]
fn bundle_over_the_size_limit_is_refused_unparsed() {
    let limit = oms_format::limits::MAX_BUNDLE_BYTES;
    let mut padded = bytes(&json(&sigstore_bundle("v1.1.0")));
    padded.resize(limit + 1, b' ');
    let err = verify_bundle(&padded, &public_good(), &policy()).unwrap_err();
    assert!(
        matches!(err, SigstoreError::BundleTooLarge { size, limit: l } if size == limit + 1 && l == limit),
        "{err}"
    );
    let err = oms_sigstore::inspect_bundle(&padded).unwrap_err();
    assert!(matches!(err, SigstoreError::BundleTooLarge { .. }), "{err}");
}

/// The payload type is checked by name, not left to the signature check.
#[test]
fn other_payload_type_is_refused_by_name() {
    let err = verify_tampered("v1.1.0", |b| {
        b["dsseEnvelope"]["payloadType"] = Value::from("application/json");
    });
    assert!(
        matches!(&err, SigstoreError::PayloadType { expected, found }
            if *expected == "application/vnd.in-toto+json" && found == "application/json"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "unexpected DSSE payload type \"application/json\": expected \"application/vnd.in-toto+json\""
    );
}
