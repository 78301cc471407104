//! The `sigstore-harness` binary: writes the trust config, prints URLs and a
//! token, and serves until killed; the reference signs and verifies with them.

use crate::common;

use common::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_serves_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigstore-harness"))
        .args([
            trust.to_str().unwrap(),
            "--rekor-major",
            "2",
            "--identity",
            EMAIL,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut printed = BTreeMap::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        let (key, value) = line.split_once('=').unwrap();
        printed.insert(key.to_string(), value.to_string());
    }
    let keys: Vec<&str> = printed.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "fulcio",
            "identity",
            "identity_provider",
            "oidc",
            "rekor_v1",
            "rekor_v2",
            "token",
            "trust_config",
            "tsa"
        ]
    );
    let model = write_model(dir.path());
    let sig = dir.path().join("model.sig");
    let signed = py_sign(&trust, &printed["token"], &model, &sig);
    let verified = py_verify(&trust, EMAIL, &printed["identity_provider"], &model, &sig);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_ok(&signed, "Signing succeeded");
    assert_ok(&verified, "Verification succeeded");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&sig).unwrap()).unwrap();
    assert_eq!(
        bundle["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["version"],
        "0.0.2"
    );
}

#[test]
fn binary_without_arguments_prints_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_sigstore-harness"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "usage: sigstore-harness <trust-config-out> [--rekor-major 1|2] [--identity ID]\n"
    );
}
