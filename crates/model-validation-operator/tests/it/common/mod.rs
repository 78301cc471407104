//! Pods and ModelValidations for the tests, shaped like the workshop's manifests.
#![allow(dead_code)]

use k8s_openapi::api::core::v1::{Container, Pod};
use model_validation_operator::crd::ModelValidation;
use model_validation_operator::mutate::{decide, Decision};
use model_validation_operator::settings::Settings;
use serde_json::{json, Value};

pub const NS: &str = "ml-workshop";
pub const CR: &str = "workshop-model";

/// The workshop's `ml-workload` pod: container `inference` with PVC `model-storage` at /data.
pub fn workshop_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "ml-workload",
            "namespace": NS,
            "labels": {"validation.ml.sigstore.dev/ml": CR}
        },
        "spec": {
            "containers": [{
                "name": "inference",
                "image": "nginx:alpine",
                "volumeMounts": [
                    {"name": "model-storage", "mountPath": "/data"},
                    {"name": "kube-api-access-abcde", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}
                ]
            }],
            "volumes": [
                {"name": "model-storage", "persistentVolumeClaim": {"claimName": "model-storage"}},
                {"name": "kube-api-access-abcde", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
            ]
        }
    })
}

/// The workshop's CR `workshop-model` with `sigstoreConfig`.
pub fn workshop_mv() -> Value {
    json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1",
        "kind": "ModelValidation",
        "metadata": {"name": CR, "namespace": NS, "generation": 1},
        "spec": {
            "model": {"path": "/data/bert-base-uncased", "signaturePath": "/data/bert-base-uncased/model.sig"},
            "config": {"sigstoreConfig": {
                "certificateIdentity": "user@example.com",
                "certificateOidcIssuer": "https://github.com/login/oauth"
            }}
        }
    })
}

pub fn pod(v: Value) -> Pod {
    serde_json::from_value(v).unwrap()
}

pub fn mv(v: Value) -> ModelValidation {
    serde_json::from_value(v).unwrap()
}

/// Sets `value` at the JSON pointer `path`; the parent must exist, the last key may be new.
pub fn set(mut doc: Value, path: &str, value: Value) -> Value {
    let (parent, key) = path
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("bad pointer {path}"));
    let parent = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match parent {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        other => {
            *other
                .pointer_mut(&format!("/{key}"))
                .unwrap_or_else(|| panic!("no {path}")) = value
        }
    }
    doc
}

pub fn decide_json(pod_v: &Value, mv_v: Option<&Value>) -> Decision {
    let m = mv_v.map(|v| mv(v.clone()));
    decide(&pod(pod_v.clone()), m.as_ref(), &Settings::default())
}

/// Decides, expects a patch, applies it, returns the patched pod JSON.
pub fn patched(pod_v: &Value, mv_v: &Value) -> Value {
    match decide_json(pod_v, Some(mv_v)) {
        Decision::Patch(patch) => {
            let mut doc = pod_v.clone();
            json_patch::patch(&mut doc, &patch).unwrap();
            doc
        }
        other => panic!("expected a patch, got {other:?}"),
    }
}

pub fn denial(pod_v: &Value, mv_v: Option<&Value>) -> String {
    match decide_json(pod_v, mv_v) {
        Decision::Deny(message) => message,
        other => panic!("expected a denial, got {other:?}"),
    }
}

/// The injected container of a patched pod.
pub fn verifier(patched: &Value) -> Container {
    let p = pod(patched.clone());
    p.spec
        .unwrap()
        .init_containers
        .unwrap()
        .into_iter()
        .find(|c| c.name == "model-validation")
        .expect("no model-validation init container")
}

pub fn args(patched: &Value) -> Vec<String> {
    verifier(patched).args.unwrap()
}

pub fn mounts(patched: &Value) -> Vec<(String, String, Option<String>, Option<bool>)> {
    verifier(patched)
        .volume_mounts
        .unwrap()
        .into_iter()
        .map(|m| (m.name, m.mount_path, m.sub_path, m.read_only))
        .collect()
}

/// A verifier mount as `mounts` returns it (always read-only).
pub fn ro(
    name: &str,
    path: &str,
    sub_path: Option<&str>,
) -> (String, String, Option<String>, Option<bool>) {
    (
        name.to_owned(),
        path.to_owned(),
        sub_path.map(str::to_owned),
        Some(true),
    )
}

/// The workshop pod with a ConfigMap of trust files at /keys.
pub fn keys_pod() -> Value {
    let mut p = workshop_pod();
    p["spec"]["containers"][0]["volumeMounts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "keys", "mountPath": "/keys"}));
    p["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "keys", "configMap": {"name": "model-keys"}}));
    p
}

/// splitmix64: a tiny, well-known generator; enough to spread the cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}
