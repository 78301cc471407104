//! Each auth method's exact verifier arguments (docs/OPERATOR.md §3, in the CLI's hyphenated syntax).

use crate::common;

use common::*;
use serde_json::json;

/// The workshop CR, accepting trust files from the pod's volumes.
fn trusting_mv() -> serde_json::Value {
    set(workshop_mv(), "/spec/trustFromPodVolumes", json!(true))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sigstore_exact_args() {
    let out = patched(&workshop_pod(), &workshop_mv());
    assert_eq!(
        args(&out),
        strings(&[
            "verify",
            "sigstore",
            "--signature=/data/bert-base-uncased/model.sig",
            "--identity",
            "user@example.com",
            "--identity-provider",
            "https://github.com/login/oauth",
            "--termination-log",
            "/dev/termination-log",
            "--offline",
            "/data/bert-base-uncased",
        ])
    );
    let c = verifier(&out);
    assert_eq!(
        c.command.unwrap(),
        strings(&["/usr/local/bin/model_signing"])
    );
}

#[test]
fn sigstore_regexp_github_and_trust_config() {
    let mv = set(
        trusting_mv(),
        "/spec/config",
        json!({
            "sigstoreConfig": {
                "identityRegexp": "^https://github.com/org/.*$",
                "issuerRegexp": "^https://token.actions.githubusercontent.com$",
                "githubWorkflowRepository": "org/repo",
                "githubWorkflowRef": "refs/tags/v1"
            },
            "clientTrustConfig": {"trustConfigPath": "/keys/trust.json"}
        }),
    );
    assert_eq!(
        args(&patched(&keys_pod(), &mv)),
        strings(&[
            "verify",
            "sigstore",
            "--signature=/data/bert-base-uncased/model.sig",
            "--identity-regexp",
            "^https://github.com/org/.*$",
            "--identity-provider-regexp",
            "^https://token.actions.githubusercontent.com$",
            "--github-workflow-repository",
            "org/repo",
            "--github-workflow-ref",
            "refs/tags/v1",
            "--trust-config",
            "/keys/trust.json",
            "--termination-log",
            "/dev/termination-log",
            "--offline",
            "/data/bert-base-uncased",
        ])
    );
}

#[test]
fn public_key_path_exact_args() {
    let mv = set(
        trusting_mv(),
        "/spec/config",
        json!({"publicKeyConfig": {"keyPath": "/keys/pub.pem"}}),
    );
    let out = patched(&keys_pod(), &mv);
    assert_eq!(
        args(&out),
        strings(&[
            "verify",
            "key",
            "--signature=/data/bert-base-uncased/model.sig",
            "--public-key",
            "/keys/pub.pem",
            "--termination-log",
            "/dev/termination-log",
            "/data/bert-base-uncased",
        ])
    );
    assert_eq!(
        out["metadata"]["annotations"]["validation.ml.sigstore.dev/auth-method"],
        "public-key"
    );
}

#[test]
fn private_key_config_is_an_alias_of_public_key_config() {
    let alias = set(
        trusting_mv(),
        "/spec/config",
        json!({"privateKeyConfig": {"keyPath": "/keys/pub.pem"}}),
    );
    let new = set(
        trusting_mv(),
        "/spec/config",
        json!({"publicKeyConfig": {"keyPath": "/keys/pub.pem"}}),
    );
    assert_eq!(patched(&keys_pod(), &alias), patched(&keys_pod(), &new));
}

#[test]
fn certificate_exact_args_and_trust_config_dropped_outside_sigstore() {
    let mv = set(
        trusting_mv(),
        "/spec/config",
        json!({"pkiConfig": {"certificateAuthority": "/keys/ca.pem"}, "clientTrustConfig": {"trustConfigPath": "/keys/t.json"}}),
    );
    let out = patched(&keys_pod(), &mv);
    assert_eq!(
        args(&out),
        strings(&[
            "verify",
            "certificate",
            "--signature=/data/bert-base-uncased/model.sig",
            "--certificate-chain",
            "/keys/ca.pem",
            "--termination-log",
            "/dev/termination-log",
            "/data/bert-base-uncased",
        ])
    );
    assert_eq!(
        out["metadata"]["annotations"]["validation.ml.sigstore.dev/auth-method"],
        "pki"
    );
}

#[test]
fn key_by_reference_is_mounted_for_the_verifier_only() {
    let mv = set(
        workshop_mv(),
        "/spec/config",
        json!({"publicKeyConfig": {"keyRef": {"kind": "ConfigMap", "name": "model-keys", "key": "pub.pem"}}}),
    );
    let out = patched(&workshop_pod(), &mv);
    assert_eq!(
        args(&out)[3..5],
        strings(&["--public-key", "/etc/model-validation/key/pub.pem"])
    );
    assert!(mounts(&out).contains(&(
        "model-validation-key".into(),
        "/etc/model-validation/key".into(),
        None,
        Some(true)
    )));
    let volumes = out["spec"]["volumes"].as_array().unwrap();
    assert_eq!(
        volumes.last().unwrap(),
        &json!({"name": "model-validation-key", "configMap": {"name": "model-keys", "items": [{"key": "pub.pem", "path": "pub.pem"}]}})
    );
    // The workload does not see it.
    let inference = &out["spec"]["containers"][0]["volumeMounts"];
    assert!(!inference.to_string().contains("model-validation-key"));
}

#[test]
fn ca_and_trust_config_by_secret_reference() {
    let mv = set(
        workshop_mv(),
        "/spec/config",
        json!({"pkiConfig": {"caRef": {"kind": "Secret", "name": "pki", "key": "ca.pem"}}}),
    );
    let out = patched(&workshop_pod(), &mv);
    assert_eq!(
        args(&out)[3..5],
        strings(&["--certificate-chain", "/etc/model-validation/ca/ca.pem"])
    );
    let vol = out["spec"]["volumes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(vol["secret"]["secretName"], "pki");

    let mv = set(
        workshop_mv(),
        "/spec/config/clientTrustConfig",
        json!({"trustConfigRef": {"kind": "ConfigMap", "name": "sigstore", "key": "trust.json"}}),
    );
    let a = args(&patched(&workshop_pod(), &mv));
    let i = a.iter().position(|s| s == "--trust-config").unwrap();
    assert_eq!(a[i + 1], "/etc/model-validation/trust-config/trust.json");
}

#[test]
fn ignore_flags_in_order() {
    let mv = set(
        workshop_mv(),
        "/spec/model",
        json!({
            "path": "/data/m", "signaturePath": "/data/m/model.sig",
            "ignorePaths": ["a.txt", "logs"], "ignoreGitPaths": false,
            "ignoreUnsignedFiles": true, "allowSymlinks": true
        }),
    );
    assert_eq!(
        args(&patched(&workshop_pod(), &mv)),
        strings(&[
            "verify",
            "sigstore",
            "--signature=/data/m/model.sig",
            "--identity",
            "user@example.com",
            "--identity-provider",
            "https://github.com/login/oauth",
            "--ignore-paths",
            "a.txt",
            "--ignore-paths",
            "logs",
            "--no-ignore-git-paths",
            "--ignore-unsigned-files",
            "--allow-symlinks",
            "--termination-log",
            "/dev/termination-log",
            "--offline",
            "/data/m",
        ])
    );
}

#[test]
fn scan_modes_become_the_verifier_flags() {
    let with_scan = |scan: serde_json::Value, allow_unknown: serde_json::Value| {
        let mv = set(workshop_mv(), "/spec/scan", scan);
        let mv = set(mv, "/spec/scanAllowUnknown", allow_unknown);
        let all = args(&patched(&workshop_pod(), &mv));
        let start = all
            .iter()
            .position(|a| a == "https://github.com/login/oauth")
            .unwrap()
            + 1;
        let end = all.iter().position(|a| a == "--termination-log").unwrap();
        all[start..end].to_vec()
    };
    assert_eq!(
        with_scan(json!("Enforce"), json!(false)),
        strings(&["--scan"])
    );
    assert_eq!(
        with_scan(json!("Enforce"), json!(true)),
        strings(&["--scan", "--scan-allow-unknown"])
    );
    assert_eq!(
        with_scan(json!("Warn"), json!(false)),
        strings(&["--scan", "--scan-warn-only"])
    );
    assert!(with_scan(json!("Off"), json!(true)).is_empty());
    assert!(with_scan(json!(null), json!(null)).is_empty());
}

#[test]
fn pull_policy_resources_and_security_context() {
    let c = verifier(&patched(&workshop_pod(), &workshop_mv()));
    assert_eq!(c.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(
        c.termination_message_policy.as_deref(),
        Some("FallbackToLogsOnError")
    );
    assert_eq!(
        c.termination_message_path.as_deref(),
        Some("/dev/termination-log")
    );
    let sc = serde_json::to_value(c.security_context.unwrap()).unwrap();
    assert_eq!(
        sc,
        json!({
            "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "privileged": false,
            "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
            "seccompProfile": {"type": "RuntimeDefault"}
        })
    );
    assert_eq!(
        serde_json::to_value(c.resources.unwrap()).unwrap(),
        json!({"limits": {"memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}})
    );

    let mut mv = workshop_mv();
    mv["spec"]["imagePullPolicy"] = json!("Always");
    mv["spec"]["resources"] = json!({"limits": {"cpu": "2", "memory": "1Gi"}});
    let c = verifier(&patched(&workshop_pod(), &mv));
    assert_eq!(c.image_pull_policy.as_deref(), Some("Always"));
    assert_eq!(
        serde_json::to_value(c.resources.unwrap()).unwrap(),
        json!({"limits": {"cpu": "2", "memory": "1Gi"}})
    );
}
