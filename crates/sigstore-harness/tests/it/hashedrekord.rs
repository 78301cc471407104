//! Artifact signing (`hashedrekord` 0.0.1 on Rekor v1, 0.0.2 on Rekor v2)
//! through the harness, with the reference `sigstore` CLI and sigstore-sign,
//! verified by both sides.

use crate::common;

use common::*;
use sigstore_harness::Harness;
use std::path::Path;
use std::process::{Command, Output};

fn sigstore_cli(trust: &Path, args: &[&str]) -> Output {
    Command::new(reference_venv().join("bin/sigstore"))
        .args(["--trust-config", trust.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn rust_verify_blob(harness: &Harness, bundle_json: &str, artifact: &[u8]) -> Result<(), String> {
    use sigstore_verify::{VerificationPolicy, Verifier};
    let root = sigstore_trust_root::TrustedRoot::from_json(&harness.trusted_root_json()).unwrap();
    let bundle = sigstore_types::Bundle::from_json(bundle_json).map_err(|e| e.to_string())?;
    Verifier::new(&root)
        .unwrap()
        .verify(
            artifact,
            &bundle,
            &VerificationPolicy::new(EMAIL, harness.issuer_url()),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn rust_sign_blob(harness: &Harness, rekor_major: u32, artifact: &[u8]) -> String {
    use sigstore_sign::oidc::IdentityToken;
    use sigstore_sign::{SigningContext, SigningServices};
    let config =
        sigstore_trust_root::SigningConfig::from_json(&harness.signing_config_json(rekor_major))
            .unwrap();
    let signer = SigningContext::new(SigningServices::from_signing_config(&config).unwrap())
        .signer(IdentityToken::from_jwt(&harness.mint_token(EMAIL)).unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(signer.sign(artifact))
        .unwrap()
        .to_json()
        .unwrap()
}

fn round_trip(rekor_major: u32, expected_version: &str) {
    let harness = Harness::start();
    let dir = tempfile::tempdir().unwrap();
    let trust = trust_file(&harness, dir.path(), rekor_major);
    let artifact = dir.path().join("artifact.txt");
    std::fs::write(&artifact, b"an artifact\n").unwrap();
    let artifact_arg = artifact.to_str().unwrap();

    let py_bundle = dir.path().join("py.sigstore.json");
    let token = harness.mint_token(EMAIL);
    let signed = sigstore_cli(
        &trust,
        &[
            "sign",
            "--identity-token",
            &token,
            "--bundle",
            py_bundle.to_str().unwrap(),
            artifact_arg,
        ],
    );
    assert!(signed.status.success(), "{}", text(&signed));
    let rust_bundle = dir.path().join("rust.sigstore.json");
    std::fs::write(
        &rust_bundle,
        rust_sign_blob(&harness, rekor_major, b"an artifact\n"),
    )
    .unwrap();

    for bundle in [&py_bundle, &rust_bundle] {
        let json = std::fs::read_to_string(bundle).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            value["verificationMaterial"]["tlogEntries"][0]["kindVersion"],
            serde_json::json!({"kind": "hashedrekord", "version": expected_version})
        );
        rust_verify_blob(&harness, &json, b"an artifact\n").unwrap();
        let verified = sigstore_cli(
            &trust,
            &[
                "verify",
                "identity",
                "--bundle",
                bundle.to_str().unwrap(),
                "--cert-identity",
                EMAIL,
                "--cert-oidc-issuer",
                harness.issuer_url(),
                artifact_arg,
            ],
        );
        assert!(verified.status.success(), "{}", text(&verified));
        assert_eq!(
            String::from_utf8_lossy(&verified.stderr),
            format!("OK: {artifact_arg}\n")
        );
    }
}

#[test]
fn hashedrekord_v001_through_rekor_v1() {
    round_trip(1, "0.0.1");
}

#[test]
fn hashedrekord_v002_through_rekor_v2() {
    round_trip(2, "0.0.2");
}
