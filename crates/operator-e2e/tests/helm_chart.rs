//! The Helm chart (charts/model-validation-operator) renders exactly the objects of the kustomize
//! overlays it stands for: `helm template` with the defaults against `kubectl kustomize
//! config/overlays/production`, and with `tls.mode=selfSigned` against config/overlays/self-signed,
//! object by object. Both tools are the real ones, built from their Go modules like the control
//! plane (scripts/k8s-test-binaries.sh --node).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use operator_e2e::workspace::repo_root;
use serde::Deserialize as _;

const NAMESPACE: &str = "model-validation-operator-system";

/// The directory of the cached kubectl and helm, or `None` when control-plane tests are skipped.
fn bin_dir() -> Option<PathBuf> {
    if let Some(reason) = kube_testenv::skip_requested() {
        eprintln!("{reason}");
        return None;
    }
    if let Some(dir) = std::env::var_os(kube_testenv::BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        if dir.join("helm").is_file() && dir.join("kubectl").is_file() {
            return Some(dir);
        }
    }
    let built = Command::new("bash")
        .arg(repo_root().join("scripts/k8s-test-binaries.sh"))
        .arg("--node")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "scripts/k8s-test-binaries.sh --node: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    Some(PathBuf::from(
        String::from_utf8(built.stdout).unwrap().trim(),
    ))
}

fn run(program: PathBuf, args: &[&str]) -> String {
    let output = Command::new(&program)
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The objects of a multi-document YAML stream by `kind/name`; the Namespace object is left out
/// (Helm installs into a namespace it is given, `--create-namespace`).
fn objects(yaml: &str) -> BTreeMap<String, serde_yaml::Value> {
    let mut out = BTreeMap::new();
    for document in serde_yaml::Deserializer::from_str(yaml) {
        let value = serde_yaml::Value::deserialize(document).unwrap();
        if value.is_null() {
            continue;
        }
        let kind = value["kind"].as_str().unwrap().to_owned();
        if kind == "Namespace" {
            continue;
        }
        let mut value = value;
        normalize_cel(&mut value);
        let name = value["metadata"]["name"].as_str().unwrap();
        let key = format!("{kind}/{name}");
        assert!(out.insert(key.clone(), value).is_none(), "{key} twice");
    }
    out
}

/// CEL does not care about whitespace, and the two YAML libraries disagree on the line breaks of a
/// folded scalar with more-indented lines (config/webhook/manifests.yaml's match conditions): kyaml
/// doubles them. Expressions are compared with runs of whitespace made one space.
fn normalize_cel(value: &mut serde_yaml::Value) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, item) in map.iter_mut() {
                if key == "expression" {
                    if let Some(text) = item.as_str() {
                        *item = text.split_whitespace().collect::<Vec<_>>().join(" ").into();
                    }
                } else {
                    normalize_cel(item);
                }
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(normalize_cel),
        _ => {}
    }
}

fn helm_template(bin: &std::path::Path, set: &[&str]) -> BTreeMap<String, serde_yaml::Value> {
    let mut args = vec![
        "template",
        "model-validation",
        "charts/model-validation-operator",
        "--namespace",
        NAMESPACE,
        "--include-crds",
    ];
    for s in set {
        args.extend(["--set", s]);
    }
    objects(&run(bin.join("helm"), &args))
}

fn assert_same(overlay: &str, chart: &BTreeMap<String, serde_yaml::Value>, kustomized: &str) {
    let kustomized = objects(kustomized);
    let chart_keys: Vec<_> = chart.keys().collect();
    let kustomized_keys: Vec<_> = kustomized.keys().collect();
    assert_eq!(
        chart_keys, kustomized_keys,
        "objects of the chart vs {overlay}"
    );
    for (key, expected) in &kustomized {
        assert_eq!(
            &chart[key],
            expected,
            "{key}: the chart renders\n{}\n{overlay} has\n{}",
            serde_yaml::to_string(&chart[key]).unwrap(),
            serde_yaml::to_string(expected).unwrap()
        );
    }
}

#[test]
fn the_chart_renders_the_objects_of_the_overlays() {
    let Some(bin) = bin_dir() else {
        return;
    };
    for (overlay, set) in [
        ("config/overlays/production", &[][..]),
        ("config/overlays/self-signed", &["tls.mode=selfSigned"][..]),
    ] {
        let kustomized = run(bin.join("kubectl"), &["kustomize", overlay]);
        assert_same(overlay, &helm_template(&bin, set), &kustomized);
    }
}

/// What the values change, and only that: a digest pins the operator's image, the verifier image
/// is passed on, a client CA Secret makes the webhook require client certificates, an unknown TLS
/// mode is refused with the values it accepts.
#[test]
fn values_change_images_and_client_authentication() {
    let Some(bin) = bin_dir() else {
        return;
    };
    let digest = format!("sha256:{}", "ab".repeat(32));
    let chart = helm_template(
        &bin,
        &[
            &format!("image.digest={digest}"),
            "verifierImage=registry.local/verifier@sha256:00",
            "clientCASecret=apiserver-webhook-client-ca",
            "replicas=3",
        ],
    );
    let deployment = &chart["Deployment/model-validation-controller-manager"];
    let pod = &deployment["spec"]["template"]["spec"];
    let manager = &pod["containers"][0];
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(
        manager["image"].as_str().unwrap(),
        format!("ghcr.io/sigstore/model-signing-rs-operator@{digest}")
    );
    let env: Vec<_> = manager["env"].as_sequence().unwrap().iter().collect();
    assert!(env.iter().any(
        |e| e["name"] == "VERIFIER_IMAGE" && e["value"] == "registry.local/verifier@sha256:00"
    ));
    let args: Vec<&str> = manager["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        args.contains(&"--client-ca-file=/etc/model-validation/client-ca/ca.crt"),
        "{args:?}"
    );
    let volumes = serde_yaml::to_string(&pod["volumes"]).unwrap();
    assert!(
        volumes.contains("secretName: apiserver-webhook-client-ca"),
        "{volumes}"
    );

    let refused = Command::new(bin.join("helm"))
        .args([
            "template",
            "x",
            "charts/model-validation-operator",
            "--set",
            "tls.mode=plain",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(r#"tls.mode: expected certManager or selfSigned, found "plain""#),
        "{stderr}"
    );
}
