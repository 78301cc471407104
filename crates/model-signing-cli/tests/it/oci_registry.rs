//! `model_signing` with models in a real OCI registry (CNCF distribution, loopback): push a
//! folder, sign the artifact by its manifest, verify it by digest from its referrers; the
//! folder pulled from it verifies with the same `model.sig` using `verify` of a folder, ours
//! and the Python reference's. Needs the registry binary (scripts/k8s-test-binaries.sh --node,
//! which scripts/test-all.sh runs) and the reference venv (scripts/setup-reference.sh).

use crate::common;

use std::path::Path;

use common::models::{rich_model, write};
use common::pki::{ec_key, pki, Curve, KeyFormat};
use common::{tempdir, Run};
use oci_registry_harness::LocalRegistry;

fn digest_of(stdout: &str) -> String {
    let at = stdout.rfind("@sha256:").expect(stdout);
    stdout[at + 1..].trim().to_string()
}

fn push(registry: &LocalRegistry, model: &Path, repo_tag: &str) -> String {
    let out = Run::ours()
        .args(["oci", "push"])
        .arg(model)
        .arg(format!("oci://{}/{repo_tag}", registry.host()))
        .run();
    out.ok();
    digest_of(&out.stdout)
}

#[test]
fn a_signed_artifact_verifies_by_manifest_and_its_pulled_folder_with_ours_and_the_reference() {
    let Some(registry) = LocalRegistry::start().unwrap() else {
        return;
    };
    let dir = tempdir();
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let model = rich_model(dir.path(), "tiny");
    let digest = push(&registry, &model, "models/tiny:v1");
    let sig = dir.path().join("model.sig");

    let signed = Run::ours()
        .args(["sign", "key", "--private_key"])
        .arg(&key.private)
        .arg("--signature")
        .arg(&sig)
        .arg(format!("oci://{}/models/tiny:v1", registry.host()))
        .run();
    signed
        .signed()
        .stderr_names("checked by manifest (no layer pulled)")
        .stderr_names(&digest);

    let by_digest = format!("oci://{}/models/tiny@{digest}", registry.host());
    let verified = Run::ours()
        .args(["verify", "key", "--public_key"])
        .arg(&key.public)
        .arg(&by_digest)
        .run();
    verified.verified();
    assert!(
        verified
            .stdout
            .contains("checked by manifest (no layer pulled)"),
        "{}",
        verified.stdout
    );

    // With --output json, stdout is one JSON document (the report), as for a folder.
    let json = Run::ours()
        .args(["verify", "key", "--output", "json", "--public_key"])
        .arg(&key.public)
        .arg(&by_digest)
        .run();
    json.ok().stderr_names("checked by manifest");
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(report.is_object(), "{}", json.stdout);

    // The same bundle also verifies the artifact when given as a local file.
    Run::ours()
        .args(["verify", "key", "--public_key"])
        .arg(&key.public)
        .arg("--signature")
        .arg(&sig)
        .arg(&by_digest)
        .run()
        .verified();

    // The pulled folder verifies with the same model.sig: ours, and the reference's.
    let pulled = dir.path().join("pulled/tiny");
    let pulled_sig = dir.path().join("pulled.sig");
    Run::ours()
        .args(["oci", "pull", &by_digest])
        .arg(&pulled)
        .arg("--signature")
        .arg(&pulled_sig)
        .run()
        .ok();
    assert_eq!(
        std::fs::read(&sig).unwrap(),
        std::fs::read(&pulled_sig).unwrap()
    );
    for run in [Run::ours(), Run::reference()] {
        run.args(["verify", "key", "--public_key"])
            .arg(&key.public)
            .arg("--signature")
            .arg(&sig)
            .arg(&pulled)
            .run()
            .verified();
    }
    // So does the folder that was pushed (the signature does not depend on the registry).
    Run::reference()
        .args(["verify", "key", "--public_key"])
        .arg(&key.public)
        .arg("--signature")
        .arg(&sig)
        .arg(&model)
        .run()
        .verified();
}

#[test]
fn certificate_signatures_verify_by_manifest_and_a_changed_model_does_not() {
    let Some(registry) = LocalRegistry::start().unwrap() else {
        return;
    };
    let dir = tempdir();
    let chain = pki(dir.path(), Curve::P256);
    let model = rich_model(dir.path(), "cert");
    push(&registry, &model, "models/cert:v1");
    let sig = dir.path().join("model.sig");
    Run::ours()
        .args(["sign", "certificate", "--private_key"])
        .arg(&chain.leaf.private)
        .arg("--signing_certificate")
        .arg(&chain.leaf_cert)
        .arg("--certificate_chain")
        .arg(&chain.intermediate_cert)
        .arg("--signature")
        .arg(&sig)
        .arg(format!("oci://{}/models/cert:v1", registry.host()))
        .run()
        .signed();
    let verify = |reference: &str| {
        Run::ours()
            .args(["verify", "certificate", "--certificate_chain"])
            .arg(&chain.root_cert)
            .arg(reference)
            .run()
    };
    verify(&format!("oci://{}/models/cert:v1", registry.host())).verified();

    // A changed file pushed under the same tag: the tag now names an unsigned manifest.
    write(&model, "weights.bin", b"changed");
    push(&registry, &model, "models/cert:v1");
    verify(&format!("oci://{}/models/cert:v1", registry.host()))
        .failed()
        .stderr_names("no signature");
    // The old signature given as a file names the changed file.
    Run::ours()
        .args(["verify", "certificate", "--certificate_chain"])
        .arg(&chain.root_cert)
        .arg("--signature")
        .arg(&sig)
        .arg(format!("oci://{}/models/cert:v1", registry.host()))
        .run()
        .failed()
        .stderr_names("weights.bin");
}

#[test]
fn keyless_signatures_verify_by_manifest_offline_and_the_pulled_folder_with_the_reference() {
    let Some(registry) = LocalRegistry::start().unwrap() else {
        return;
    };
    let harness = sigstore_harness::Harness::start();
    let dir = tempdir();
    let trust = dir.path().join("trust_config.json");
    std::fs::write(&trust, harness.trust_config_json(2)).unwrap();
    let issuer = harness.issuer_url().to_string();
    let model = rich_model(dir.path(), "keyless");
    let digest = push(&registry, &model, "models/keyless:v1");
    let sig = dir.path().join("model.sig");
    Run::ours()
        .args(["sign", "sigstore", "--signature"])
        .arg(&sig)
        .args(["--trust_config", trust.to_str().unwrap()])
        .args([
            "--identity_token",
            &harness.mint_token("ml-team@example.com"),
        ])
        .arg(format!("oci://{}/models/keyless:v1", registry.host()))
        .run()
        .signed();
    let verify = |run: Run, target: &str, signature: Option<&Path>| {
        let run = run
            .args([
                "verify",
                "sigstore",
                "--trust_config",
                trust.to_str().unwrap(),
            ])
            .args([
                "--identity",
                "ml-team@example.com",
                "--identity_provider",
                &issuer,
            ]);
        let run = match signature {
            Some(sig) => run.arg("--signature").arg(sig),
            None => run.arg("--offline"),
        };
        run.arg(target).run()
    };
    verify(
        Run::ours(),
        &format!("oci://{}/models/keyless@{digest}", registry.host()),
        None,
    )
    .verified();
    let pulled = dir.path().join("pulled");
    Run::ours()
        .args([
            "oci",
            "pull",
            &format!("oci://{}/models/keyless@{digest}", registry.host()),
        ])
        .arg(&pulled)
        .run()
        .ok();
    let pulled = pulled.to_str().unwrap().to_string();
    verify(Run::ours(), &pulled, Some(&sig)).verified();
    verify(Run::reference(), &pulled, Some(&sig)).verified();
}
