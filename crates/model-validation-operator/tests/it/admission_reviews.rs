//! Whole AdmissionReviews through `webhook::review` with a fake CR lookup: malformed,
//! oversized and other-kind reviews get errors, never an allow of a labelled pod.

use crate::common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use model_validation_operator::crd::ClusterModelValidation;
use model_validation_operator::crd::ModelValidation;
use model_validation_operator::index::{PolicyIndex, PolicyObject};
use model_validation_operator::metrics::Metrics;
use model_validation_operator::settings::Settings;
use model_validation_operator::webhook::{
    review, LabelsFuture, LookupFuture, ModelValidationLookup, WebhookState,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// CRs by (namespace, name); `None` entries make the lookup fail.
pub struct FakeLookup(pub HashMap<(String, String), Option<ModelValidation>>);

impl ModelValidationLookup for FakeLookup {
    fn get<'a>(&'a self, namespace: &'a str, name: &'a str) -> LookupFuture<'a> {
        let found = self
            .0
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned();
        Box::pin(async move {
            match found {
                Some(Some(mv)) => Ok(Some(mv)),
                Some(None) => Err("connection refused".to_owned()),
                None => Ok(None),
            }
        })
    }
}

fn state(crs: Vec<(&str, &str, Option<Value>)>) -> WebhookState {
    let map = crs
        .into_iter()
        .map(|(ns, n, v)| ((ns.to_owned(), n.to_owned()), v.map(mv)))
        .collect();
    WebhookState {
        lookup: Arc::new(FakeLookup(map)),
        settings: Arc::new(Settings::default()),
        metrics: Arc::new(Metrics::default()),
    }
}

fn review_json(operation: &str, object: Value) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": NS,
            "operation": operation,
            "userInfo": {"username": "admin"},
            "object": object,
            "oldObject": null,
            "dryRun": false
        }
    })
}

fn run(state: &WebhookState, body: &[u8]) -> Result<(&'static str, Value), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(review(state, body))
        .map(|(r, review)| (r, serde_json::to_value(review).unwrap()))
}

fn run_json(state: &WebhookState, v: &Value) -> (&'static str, Value) {
    run(state, &serde_json::to_vec(v).unwrap()).unwrap()
}

#[test]
fn labelled_create_is_patched_with_the_uid_echoed() {
    let st = state(vec![(NS, CR, Some(workshop_mv()))]);
    let (result, out) = run_json(&st, &review_json("CREATE", workshop_pod()));
    assert_eq!(result, "patched");
    let resp = &out["response"];
    assert_eq!(out["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(resp["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(resp["allowed"], true);
    assert_eq!(resp["patchType"], "JSONPatch");
    // kube-core serializes the patch bytes as a JSON array of numbers, which the API server's
    // Go decoder accepts for []byte just like base64; either way it must be a JSON Patch.
    let bytes: Vec<u8> = serde_json::from_value(resp["patch"].clone()).unwrap();
    let ops: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    assert!(!ops.is_empty());
    assert!(ops
        .iter()
        .all(|op| op["op"].is_string() && op["path"].is_string()));
}

#[test]
fn pod_without_namespace_takes_the_request_namespace() {
    let st = state(vec![(NS, CR, Some(workshop_mv()))]);
    let mut p = workshop_pod();
    p["metadata"].as_object_mut().unwrap().remove("namespace");
    p["metadata"]["generateName"] = json!("ml-workload-");
    p["metadata"].as_object_mut().unwrap().remove("name");
    let (result, _) = run_json(&st, &review_json("CREATE", p));
    assert_eq!(result, "patched");
}

#[test]
fn missing_cr_is_denied_with_403() {
    let st = state(vec![]);
    let (result, out) = run_json(&st, &review_json("CREATE", workshop_pod()));
    assert_eq!(result, "denied");
    assert_eq!(out["response"]["allowed"], false);
    assert_eq!(out["response"]["status"]["code"], 403);
    assert!(out["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("\"workshop-model\" not found in namespace \"ml-workshop\""));
}

#[test]
fn lookup_failure_is_denied_not_allowed() {
    let st = state(vec![(NS, CR, None)]);
    let (result, out) = run_json(&st, &review_json("CREATE", workshop_pod()));
    assert_eq!(result, "denied");
    assert_eq!(out["response"]["status"]["code"], 500);
    assert_eq!(
        out["response"]["status"]["message"],
        "cannot read ModelValidation ml-workshop/workshop-model: connection refused"
    );
}

#[test]
fn updates_and_deletes_are_allowed_even_without_the_cr() {
    // Deleting a CR must never block its pods' updates (finalizers, labels) or deletion.
    let st = state(vec![]);
    for op in ["UPDATE", "DELETE", "CONNECT"] {
        let mut review = review_json(op, workshop_pod());
        review["request"]["oldObject"] = workshop_pod();
        let (result, out) = run_json(&st, &review);
        assert_eq!(
            (result, out["response"]["allowed"].clone()),
            ("allowed", json!(true)),
            "{op}"
        );
        assert!(out["response"].get("patch").is_none());
    }
}

#[test]
fn other_kinds_are_refused() {
    let st = state(vec![]);
    let mut r = review_json(
        "CREATE",
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}),
    );
    r["request"]["kind"] = json!({"group": "apps", "version": "v1", "kind": "Deployment"});
    let (result, out) = run_json(&st, &r);
    assert_eq!(result, "denied");
    assert_eq!(
        out["response"]["status"]["message"],
        "this webhook admits core/v1 Pods, found apps/v1 Deployment"
    );
}

#[test]
fn create_without_object_or_with_a_broken_pod_is_refused() {
    let st = state(vec![(NS, CR, Some(workshop_mv()))]);
    let mut r = review_json("CREATE", Value::Null);
    r["request"].as_object_mut().unwrap().remove("object");
    let (result, out) = run_json(&st, &r);
    assert_eq!(result, "denied");
    assert_eq!(
        out["response"]["status"]["message"],
        "the CREATE request carries no pod"
    );

    let broken = set(workshop_pod(), "/spec/containers", json!("not a list"));
    let (result, out) = run_json(&st, &review_json("CREATE", broken));
    assert_eq!(result, "denied");
    assert!(out["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .starts_with("the object is not a valid Pod"));
}

#[test]
fn malformed_reviews_are_errors() {
    let st = state(vec![(NS, CR, Some(workshop_mv()))]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not json".to_vec(), "expected an admission.k8s.io/v1 AdmissionReview"),
        (b"{}".to_vec(), "admission.k8s.io/v1"),
        (
            serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": review_json("CREATE", workshop_pod())["request"]})).unwrap(),
            "expected apiVersion admission.k8s.io/v1 kind AdmissionReview, found admission.k8s.io/v1beta1",
        ),
        (
            serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"})).unwrap(),
            "the AdmissionReview has no request",
        ),
        (vec![b' '; 3 * 1024 * 1024 + 1], "exceeds the limit"),
        // Under 3 MiB but a million values (issue 13, class 9): refused before parsing.
        ({
            let mut p = workshop_pod();
            p["spec"]["containers"][0]["args"] = json!(vec![""; 1_000_000]);
            serde_json::to_vec(&review_json("CREATE", p)).unwrap()
        }, "more than 100000 JSON values"),
    ];
    for (body, expected) in cases {
        let err = run(&st, &body).unwrap_err();
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

// ---- issue 13, class 4: after admission ----

fn update_review(old: Value, new: Value, sub_resource: Option<&str>) -> Value {
    let mut review = review_json("UPDATE", new);
    review["request"]["oldObject"] = old;
    if let Some(sub) = sub_resource {
        review["request"]["subResource"] = json!(sub);
    }
    review
}

fn unlabelled() -> Value {
    let mut p = workshop_pod();
    p["metadata"]["labels"] = json!({"app": "x"});
    p
}

#[test]
fn adding_changing_or_removing_the_label_is_denied() {
    let st = state(vec![]);
    let mut relabelled = workshop_pod();
    relabelled["metadata"]["labels"]["validation.ml.sigstore.dev/ml"] = json!("other");
    for (what, old, new) in [
        ("added to", unlabelled(), workshop_pod()),
        ("removed from", workshop_pod(), unlabelled()),
        ("changed on", workshop_pod(), relabelled),
    ] {
        let (result, out) = run_json(&st, &update_review(old, new, None));
        assert_eq!(result, "denied", "{what}");
        let message = out["response"]["status"]["message"].as_str().unwrap();
        assert!(message.contains(what), "{message}");
    }
}

#[test]
fn other_updates_of_labelled_pods_pass() {
    let st = state(vec![]);
    let mut finalized = workshop_pod();
    finalized["metadata"]["finalizers"] = json!(["example.com/keep"]);
    finalized["metadata"]["labels"]["app"] = json!("x");
    for sub in [None, Some("status")] {
        let (result, _) = run_json(&st, &update_review(workshop_pod(), finalized.clone(), sub));
        assert_eq!(result, "allowed");
    }
}

#[test]
fn an_ephemeral_container_may_read_but_not_write_the_model() {
    let st = state(vec![]);
    let running = patched(&workshop_pod(), &workshop_mv());
    let debug = |read_only: bool, volume: &str| {
        let mut p = running.clone();
        p["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox",
            "volumeMounts": [{"name": volume, "mountPath": "/m", "readOnly": read_only}]}]);
        p
    };
    let review = |p: Value| update_review(running.clone(), p, Some("ephemeralcontainers"));
    let (result, out) = run_json(&st, &review(debug(false, "model-storage")));
    assert_eq!(result, "denied");
    assert!(out["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("\"debug\""));
    assert_eq!(
        run_json(&st, &review(debug(true, "model-storage"))).0,
        "allowed"
    );
    // The same claim under another volume name is the same storage.
    let mut aliased = debug(false, "alias");
    aliased["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "alias", "persistentVolumeClaim": {"claimName": "model-storage"}}));
    assert_eq!(run_json(&st, &review(aliased)).0, "denied");
}

/// Selecting policies from an index, as the operator's lookup serves them; namespace labels
/// from a map; label lookups find nothing.
struct IndexedLookup {
    index: PolicyIndex,
    namespace_labels: BTreeMap<String, String>,
}

impl ModelValidationLookup for IndexedLookup {
    fn get<'a>(&'a self, _namespace: &'a str, _name: &'a str) -> LookupFuture<'a> {
        Box::pin(async { Ok(None) })
    }
    fn candidates(&self, namespace: &str, claims: &[&str]) -> Vec<PolicyObject> {
        self.index.candidates(namespace, claims)
    }
    fn namespace_labels<'a>(&'a self, _namespace: &'a str) -> LabelsFuture<'a> {
        let labels = self.namespace_labels.clone();
        Box::pin(async move { Ok(labels) })
    }
}

fn indexed(
    namespaced: Vec<Value>,
    cluster: Vec<Value>,
    ns_labels: &[(&str, &str)],
) -> WebhookState {
    let index = PolicyIndex::build(
        namespaced.into_iter().map(|v| Arc::new(mv(v))),
        cluster
            .into_iter()
            .map(|v| Arc::new(serde_json::from_value::<ClusterModelValidation>(v).unwrap())),
    );
    WebhookState {
        lookup: Arc::new(IndexedLookup {
            index,
            namespace_labels: ns_labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }),
        settings: Arc::new(Settings::default()),
        metrics: Arc::new(Metrics::default()),
    }
}

fn governing_mv(mode: &str) -> Value {
    let mut v = workshop_mv();
    v["spec"]["governs"] = json!({"claimNames": ["model-storage"]});
    v["spec"]["mode"] = json!(mode);
    v
}

/// The verifier container a patch adds (as `/spec/initContainers` or one element of it).
fn injected(out: &Value) -> Option<Value> {
    let bytes: Vec<u8> = serde_json::from_value(out["response"]["patch"].clone()).ok()?;
    let ops: Vec<Value> = serde_json::from_slice(&bytes).ok()?;
    ops.iter()
        .filter(|op| {
            op["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/spec/initContainers"))
        })
        .flat_map(|op| match &op["value"] {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        })
        .find(|c| c["name"] == "model-validation")
}

/// Issue 20: leaving the label off no longer bypasses a policy that governs the claim.
#[test]
fn an_unlabelled_pod_declaring_a_governed_claim_is_patched_through_the_webhook() {
    let st = indexed(vec![governing_mv("Enforce")], vec![], &[]);
    let (result, out) = run_json(&st, &review_json("CREATE", unlabelled()));
    assert_eq!(result, "patched", "{out}");
    assert!(injected(&out).is_some(), "{out}");
    // Another claim: not governed, allowed unchanged.
    let mut other = unlabelled();
    other["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] = json!("datasets");
    assert_eq!(run_json(&st, &review_json("CREATE", other)).0, "allowed");
}

#[test]
fn a_cluster_policy_applies_in_the_namespaces_it_selects() {
    let mut spec = governing_mv("Enforce")["spec"].clone();
    spec["namespaceSelector"] = json!({"matchLabels": {"team": "ml"}});
    let cmv = json!({"apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ClusterModelValidation",
                     "metadata": {"name": "platform"}, "spec": spec});
    let selected = indexed(vec![], vec![cmv.clone()], &[("team", "ml")]);
    assert_eq!(
        run_json(&selected, &review_json("CREATE", unlabelled())).0,
        "patched"
    );
    let not_selected = indexed(vec![], vec![cmv], &[("team", "web")]);
    assert_eq!(
        run_json(&not_selected, &review_json("CREATE", unlabelled())).0,
        "allowed"
    );
}

#[test]
fn warn_mode_answers_with_an_admission_warning() {
    let st = indexed(vec![governing_mv("Warn")], vec![], &[]);
    let (result, out) = run_json(&st, &review_json("CREATE", unlabelled()));
    assert_eq!(result, "patched");
    let warnings = out["response"]["warnings"].as_array().unwrap();
    assert!(
        warnings[0].as_str().unwrap().contains("Warn mode"),
        "{warnings:?}"
    );
    let args = injected(&out).unwrap()["args"].clone();
    assert!(
        args.as_array().unwrap().contains(&json!("--report-only")),
        "{args}"
    );
}

/// A pod a policy selected keeps the promise after admission: the governed label cannot be
/// removed and an ephemeral container may not mount the model writable.
#[test]
fn updates_of_a_selected_pod_keep_the_promise() {
    let st = indexed(vec![governing_mv("Enforce")], vec![], &[]);
    let (_, out) = run_json(&st, &review_json("CREATE", unlabelled()));
    let bytes: Vec<u8> = serde_json::from_value(out["response"]["patch"].clone()).unwrap();
    let patch: json_patch::Patch = serde_json::from_slice(&bytes).unwrap();
    let mut running = unlabelled();
    json_patch::patch(&mut running, &patch).unwrap();

    let mut unlabel = running.clone();
    unlabel["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("validation.ml.sigstore.dev/governed");
    let (result, out) = run_json(&st, &update_review(running.clone(), unlabel, None));
    assert_eq!(result, "denied", "{out}");
    assert!(out["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot be changed on or removed"));

    let mut debug = running.clone();
    debug["spec"]["ephemeralContainers"] = json!([{"name": "rw", "image": "busybox",
        "volumeMounts": [{"name": "model-storage", "mountPath": "/m"}]}]);
    let (result, out) = run_json(
        &st,
        &update_review(running.clone(), debug, Some("ephemeralcontainers")),
    );
    assert_eq!(result, "denied", "{out}");
}
