//! `inspect_bundle` reports what a bundle claims, verifying nothing.

use crate::common;

use common::*;
use oms_sigstore::{inspect_bundle, BundleInfo, CertificateClaims, SigstoreError, TlogEntryInfo};

#[test]
fn inspect_v1_1_0() {
    let info = inspect_bundle(&sigstore_bundle("v1.1.0")).unwrap();
    let cert = info.certificate.clone().unwrap();
    assert_eq!(
        info,
        BundleInfo {
            media_type: "application/vnd.dev.sigstore.bundle.v0.3+json".into(),
            payload_type: Some("application/vnd.in-toto+json".into()),
            certificate: Some(CertificateClaims {
                sans: vec![IDENTITY.into()],
                issuer_v1: Some(ISSUER.into()),
                issuer_v2: Some(ISSUER.into()),
                source_repository_uri: None,
                source_repository_ref: None,
                github_workflow_repository: None,
                github_workflow_ref: None,
                digital_signature_usage: true,
                code_signing_usage: true,
                not_before: cert.not_before,
                not_after: cert.not_before + 600,
            }),
            tlog_entries: vec![TlogEntryInfo {
                log_index: 598_151_086,
                kind: "dsse".into(),
                version: "0.0.1".into(),
                integrated_time: Some(1_760_062_340),
                has_inclusion_promise: true,
                has_inclusion_proof: true,
            }],
            rfc3161_timestamps: 1,
        }
    );
    assert!(cert.not_before <= 1_760_062_340 && 1_760_062_340 <= cert.not_after);
}

#[test]
fn inspect_older_bundle_has_no_tsa() {
    let info = inspect_bundle(&sigstore_bundle("v0.3.1")).unwrap();
    assert_eq!(info.rfc3161_timestamps, 0);
    assert_eq!(info.tlog_entries[0].log_index, 206_342_049);
    assert_eq!(info.certificate.unwrap().issuer(), Some(ISSUER));
}

/// Inspection describes bundles that would never verify.
#[test]
fn inspect_does_not_verify() {
    let mut bundle = json(&sigstore_bundle("v1.1.0"));
    flip_b64(
        &mut entry(&mut bundle)["inclusionPromise"]["signedEntryTimestamp"],
        10,
    );
    let copy = entry(&mut bundle).clone();
    bundle["verificationMaterial"]["tlogEntries"]
        .as_array_mut()
        .unwrap()
        .push(copy);
    let info = inspect_bundle(&bytes(&bundle)).unwrap();
    assert_eq!(info.tlog_entries.len(), 2);
}

#[test]
fn inspect_key_bundle_has_no_certificate() {
    let key = std::fs::read(fixtures().join("oms-spec/valid/key.bundle.json")).unwrap();
    let info = inspect_bundle(&key).unwrap();
    assert_eq!(info.certificate, None);
    assert!(info.tlog_entries.is_empty());
}

#[test]
fn inspect_rejects_non_bundles() {
    let err = inspect_bundle(b"{}").unwrap_err();
    assert!(matches!(err, SigstoreError::BundleFormat { .. }), "{err}");
}
