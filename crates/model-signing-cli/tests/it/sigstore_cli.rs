//! `sign sigstore` / `verify sigstore` from the command line, through the loopback Sigstore
//! services of `sigstore-harness`, both ways with the reference CLI.

use crate::common;

use std::path::Path;

use common::models::rich_model;
use common::{tempdir, Run as Cmd};
use sigstore_harness::Harness;

const IDENTITY: &str = "ml-team@example.com";

fn verify_args(
    model: &Path,
    sig: &Path,
    trust: &Path,
    identity: &str,
    issuer: &str,
) -> Vec<String> {
    [
        "verify",
        "sigstore",
        &model.display().to_string(),
        "--signature",
        &sig.display().to_string(),
        "--trust_config",
        &trust.display().to_string(),
        "--identity",
        identity,
        "--identity_provider",
        issuer,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn keyless_round_trips_with_the_reference_on_rekor_v1_and_v2() {
    let harness = Harness::start();
    for rekor in [1, 2] {
        let tmp = tempdir();
        let trust = tmp.path().join("trust_config.json");
        std::fs::write(&trust, harness.trust_config_json(rekor)).unwrap();
        let model = rich_model(tmp.path(), "model");
        let issuer = harness.issuer_url().to_string();

        // Ours signs (the method defaults to sigstore), ours and the reference verify.
        let ours_sig = tmp.path().join("ours.sig");
        Cmd::ours()
            .arg("sign")
            .arg(&model)
            .args(["--signature", ours_sig.to_str().unwrap()])
            .args(["--trust_config", trust.to_str().unwrap()])
            .args(["--identity_token", &harness.mint_token(IDENTITY)])
            .run()
            .signed();
        Cmd::ours()
            .args(verify_args(&model, &ours_sig, &trust, IDENTITY, &issuer))
            .run()
            .verified();
        Cmd::reference()
            .args(verify_args(&model, &ours_sig, &trust, IDENTITY, &issuer))
            .run()
            .verified();

        // The reference signs, ours verifies.
        let ref_sig = tmp.path().join("reference.sig");
        Cmd::reference()
            .args(["sign", "sigstore"])
            .arg(&model)
            .args(["--signature", ref_sig.to_str().unwrap()])
            .args(["--trust_config", trust.to_str().unwrap()])
            .args(["--identity_token", &harness.mint_token(IDENTITY)])
            .run()
            .ok();
        Cmd::ours()
            .args(verify_args(&model, &ref_sig, &trust, IDENTITY, &issuer))
            .run()
            .verified();

        // Another identity or issuer is refused, naming what did not match.
        Cmd::ours()
            .args(verify_args(
                &model,
                &ours_sig,
                &trust,
                "eve@example.com",
                &issuer,
            ))
            .run()
            .failed()
            .stderr_names("Certificate's SANs do not match eve@example.com");
        Cmd::ours()
            .args(verify_args(
                &model,
                &ref_sig,
                &trust,
                IDENTITY,
                "https://evil.example",
            ))
            .run()
            .failed()
            .stderr_names("OIDCIssuer does not match");

        // A tampered model is reported file by file.
        std::fs::write(model.join("config.json"), b"{}").unwrap();
        Cmd::ours()
            .args(verify_args(&model, &ours_sig, &trust, IDENTITY, &issuer))
            .run()
            .failed()
            .stderr_names("changed: config.json");
    }
}

#[test]
fn identity_regexp_matches_the_whole_identity() {
    let harness = Harness::start();
    let tmp = tempdir();
    let trust = tmp.path().join("trust_config.json");
    std::fs::write(&trust, harness.trust_config_json(1)).unwrap();
    let model = rich_model(tmp.path(), "model");
    let sig = tmp.path().join("model.sig");
    Cmd::ours()
        .args(["sign", "sigstore"])
        .arg(&model)
        .args(["--signature", sig.to_str().unwrap()])
        .args(["--trust-config", trust.to_str().unwrap()])
        .args(["--identity-token", &harness.mint_token(IDENTITY)])
        .run()
        .signed();
    let base = |re: &str| {
        Cmd::ours()
            .args(["verify", "sigstore"])
            .arg(&model)
            .args(["--signature", sig.to_str().unwrap()])
            .args(["--trust-config", trust.to_str().unwrap()])
            .args(["--identity-regexp", re])
            .args(["--identity-provider", harness.issuer_url()])
            .run()
    };
    base(r".*@example\.com").verified();
    base(r"ml-team").failed().stderr_names("do not match");
}
