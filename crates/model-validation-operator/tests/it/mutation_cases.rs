//! The admission edge cases of docs/OPERATOR.md §4 and the weaknesses of §5, one test each.

use crate::common;

use common::*;
use model_validation_operator::mutate::Decision;
use serde_json::json;

#[test]
fn unlabelled_pod_is_allowed_unchanged() {
    let mut p = workshop_pod();
    p["metadata"]["labels"] = json!({"app": "x"});
    assert!(matches!(decide_json(&p, None), Decision::Allow(_)));
}

#[test]
fn empty_label_is_denied() {
    let p = set(
        workshop_pod(),
        "/metadata/labels",
        json!({"validation.ml.sigstore.dev/ml": ""}),
    );
    assert!(denial(&p, None).contains("is empty"));
}

#[test]
fn missing_cr_is_denied_naming_cr_and_namespace() {
    assert_eq!(
        denial(&workshop_pod(), None),
        "ModelValidation \"workshop-model\" not found in namespace \"ml-workshop\" (named by \
         the pod's validation.ml.sigstore.dev/ml label); create it before the pod"
    );
}

#[test]
fn cr_in_another_namespace_is_denied() {
    let other = set(workshop_mv(), "/metadata/namespace", json!("team-b"));
    let msg = denial(&workshop_pod(), Some(&other));
    assert!(
        msg.contains("only governs pods in its own namespace"),
        "{msg}"
    );
}

#[test]
fn zero_or_two_methods_are_denied() {
    let none = set(workshop_mv(), "/spec/config", json!({}));
    assert!(denial(&workshop_pod(), Some(&none)).contains("exactly one of"));
    let two = set(
        workshop_mv(),
        "/spec/config/publicKeyConfig",
        json!({"keyPath": "/data/pub.pem"}),
    );
    assert!(denial(&workshop_pod(), Some(&two)).contains("found 2"));
}

#[test]
fn predeclared_verifier_init_container_is_denied() {
    // §5 #4: a dummy `model-validation` init container used to skip verification.
    let mut p = workshop_pod();
    p["spec"]["initContainers"] =
        json!([{"name": "model-validation", "image": "busybox", "command": ["true"]}]);
    assert!(denial(&p, Some(&workshop_mv())).contains("reserved"));
}

#[test]
fn verifier_name_on_a_regular_container_is_denied() {
    let mut p = workshop_pod();
    p["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "model-validation", "image": "busybox"}));
    assert!(denial(&p, Some(&workshop_mv())).contains("reserved"));
}

#[test]
fn forged_annotation_does_not_make_a_dummy_ours() {
    // Claiming our annotation does not keep a dummy, nor get it replaced: the pod is refused.
    let mut p = workshop_pod();
    p["spec"]["initContainers"] =
        json!([{"name": "model-validation", "image": "busybox", "command": ["true"]}]);
    p["metadata"]["annotations"] = json!({"validation.ml.sigstore.dev/injected-spec-hash": "0000"});
    assert!(denial(&p, Some(&workshop_mv())).contains("reserved"));
}

#[test]
fn appended_after_existing_init_containers() {
    let mut p = workshop_pod();
    p["spec"]["initContainers"] = json!([
        {"name": "download-model", "image": "alpine", "volumeMounts": [{"name": "model-storage", "mountPath": "/data"}]}
    ]);
    let out = patched(&p, &workshop_mv());
    let names: Vec<&str> = out["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["download-model", "model-validation"]);
    // The downloader keeps writing; the workload gets the model read-only.
    assert_eq!(
        out["spec"]["initContainers"][0]["volumeMounts"][0].get("readOnly"),
        None
    );
    assert_eq!(
        out["spec"]["containers"][0]["volumeMounts"][0]["readOnly"],
        true
    );
}

#[test]
fn only_model_volumes_read_only_never_the_service_account_token() {
    let out = patched(&workshop_pod(), &workshop_mv());
    assert_eq!(mounts(&out), vec![ro("model-storage", "/data", None)]);
}

#[test]
fn multi_container_duplicate_mounts_are_deduplicated() {
    let mut p = workshop_pod();
    p["spec"]["containers"].as_array_mut().unwrap().push(json!({
        "name": "sidecar", "image": "busybox",
        "volumeMounts": [
            {"name": "model-storage", "mountPath": "/data"},
            {"name": "cache", "mountPath": "/cache"},
            {"name": "kube-api-access-abcde", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}
        ]
    }));
    let out = patched(&p, &workshop_mv());
    assert_eq!(mounts(&out), vec![ro("model-storage", "/data", None)]);
    // Both workload containers' model mounts become read-only; the cache stays writable.
    assert_eq!(
        out["spec"]["containers"][0]["volumeMounts"][0]["readOnly"],
        true
    );
    assert_eq!(
        out["spec"]["containers"][1]["volumeMounts"][0]["readOnly"],
        true
    );
    assert_eq!(
        out["spec"]["containers"][1]["volumeMounts"][1].get("readOnly"),
        None
    );
}

#[test]
fn sub_path_is_kept_and_the_deepest_mount_wins() {
    let mut p = workshop_pod();
    p["spec"]["containers"][0]["volumeMounts"] = json!([
        {"name": "model-storage", "mountPath": "/data"},
        {"name": "models", "mountPath": "/data/bert-base-uncased", "subPath": "bert"}
    ]);
    let out = patched(&p, &workshop_mv());
    assert_eq!(
        mounts(&out),
        vec![ro("models", "/data/bert-base-uncased", Some("bert"))]
    );
}

#[test]
fn signature_on_another_volume_is_mounted_too() {
    let mut p = workshop_pod();
    p["spec"]["containers"][0]["volumeMounts"] = json!([
        {"name": "model-storage", "mountPath": "/data"},
        {"name": "sigs", "mountPath": "/sigs"}
    ]);
    let mv = set(
        workshop_mv(),
        "/spec/model/signaturePath",
        json!("/sigs/model.sig"),
    );
    let out = patched(&p, &mv);
    assert_eq!(
        mounts(&out),
        vec![
            ro("model-storage", "/data", None),
            ro("sigs", "/sigs", None)
        ]
    );
}

#[test]
fn model_path_on_no_volume_is_denied() {
    let mv = set(workshop_mv(), "/spec/model/path", json!("/models/bert"));
    assert_eq!(
        denial(&workshop_pod(), Some(&mv)),
        "model path /models/bert is on no volume of the pod: mount the volume that holds it in \
         one of the pod's containers"
    );
    // `/database` is not under `/data`; a mount at `/` is never used.
    let mv = set(workshop_mv(), "/spec/model/path", json!("/database/m"));
    assert!(denial(&workshop_pod(), Some(&mv)).contains("/database/m is on no volume"));
    let mut p = workshop_pod();
    p["spec"]["containers"][0]["volumeMounts"] = json!([{"name": "root", "mountPath": "/"}]);
    assert!(denial(&p, Some(&workshop_mv())).contains("cover the verifier's binary"));
}

#[test]
fn uri_model_paths_are_denied() {
    let mv = set(
        workshop_mv(),
        "/spec/model/path",
        json!("s3://bucket/model"),
    );
    assert!(denial(&workshop_pod(), Some(&mv)).contains("must be an absolute path"));
}

#[test]
fn read_only_workload_mounts_can_be_turned_off() {
    let mut mv = workshop_mv();
    mv["spec"]["readOnlyModelMounts"] = json!(false);
    let out = patched(&workshop_pod(), &mv);
    assert_eq!(
        out["spec"]["containers"][0]["volumeMounts"][0].get("readOnly"),
        None
    );
}

#[test]
fn narrowing_annotations_are_applied() {
    let mut mv = workshop_mv();
    mv["spec"]["model"]["ignorePaths"] = json!(["a", "b"]);
    mv["spec"]["model"]["ignoreUnsignedFiles"] = json!(true);
    let mut p = workshop_pod();
    p["metadata"]["annotations"] = json!({
        "validation.ml.sigstore.dev/ignore-paths": " b , ",
        "validation.ml.sigstore.dev/ignore-unsigned-files": "false",
        "validation.ml.sigstore.dev/ignore-git-paths": "false",
        "validation.ml.sigstore.dev/allow-symlinks": "false"
    });
    let a = args(&patched(&p, &mv));
    let tail: Vec<&str> = a.iter().map(String::as_str).skip(7).collect();
    assert_eq!(
        tail,
        [
            "--ignore-paths",
            "b",
            "--no-ignore-git-paths",
            "--no-ignore-unsigned-files",
            "--termination-log",
            "/dev/termination-log",
            "--offline",
            "/data/bert-base-uncased"
        ]
    );
}

#[test]
fn relaxing_annotations_are_denied() {
    let cases = [
        (
            "validation.ml.sigstore.dev/ignore-unsigned-files",
            "true",
            "ignoreUnsignedFiles",
        ),
        (
            "validation.ml.sigstore.dev/allow-symlinks",
            "TRUE",
            "allowSymlinks",
        ),
        (
            "validation.ml.sigstore.dev/ignore-paths",
            "evil.py",
            "adds \"evil.py\"",
        ),
        (
            "validation.ml.sigstore.dev/ignore-unsigned-files",
            "yes",
            "must be \"true\" or \"false\"",
        ),
    ];
    for (key, value, expected) in cases {
        let mut p = workshop_pod();
        p["metadata"]["annotations"] = json!({ key: value });
        let msg = denial(&p, Some(&workshop_mv()));
        assert!(msg.contains(expected), "{key}={value}: {msg}");
    }
    let mut mv = workshop_mv();
    mv["spec"]["model"]["ignoreGitPaths"] = json!(false);
    let mut p = workshop_pod();
    p["metadata"]["annotations"] = json!({"validation.ml.sigstore.dev/ignore-git-paths": "true"});
    assert!(denial(&p, Some(&mv)).contains("ignoreGitPaths"));
}

#[test]
fn reinvocation_is_idempotent() {
    let once = patched(&workshop_pod(), &workshop_mv());
    match decide_json(&once, Some(&workshop_mv())) {
        Decision::Allow(reason) => assert!(reason.contains("already injected")),
        other => panic!("second pass must not change the pod: {other:?}"),
    }
    // With trust material by reference (extra volume) too.
    let mv = set(
        workshop_mv(),
        "/spec/config",
        json!({"pkiConfig": {"caRef": {"kind": "Secret", "name": "pki", "key": "ca.pem"}}}),
    );
    let mut once = patched(&workshop_pod(), &mv);
    assert!(matches!(decide_json(&once, Some(&mv)), Decision::Allow(_)));
    // As stored: the API server defaults the Secret volume's mode.
    once["spec"]["volumes"][2]["secret"]["defaultMode"] = json!(420);
    assert!(matches!(decide_json(&once, Some(&mv)), Decision::Allow(_)));
}

#[test]
fn reinvocation_after_another_webhook_sees_its_volumes() {
    // A later webhook mounts a volume inside the model folder of the workload: our container is
    // replaced (it now mounts that too), not duplicated, and the pod converges.
    let once = patched(&workshop_pod(), &workshop_mv());
    let mut later = once.clone();
    later["spec"]["containers"][0]["volumeMounts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "extra", "mountPath": "/data/bert-base-uncased/extra"}));
    later["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "extra", "emptyDir": {}}));
    let again = patched(&later, &workshop_mv());
    assert_eq!(again["spec"]["initContainers"].as_array().unwrap().len(), 1);
    assert_eq!(
        mounts(&again),
        vec![
            ro("model-storage", "/data", None),
            ro("extra", "/data/bert-base-uncased/extra", None)
        ]
    );
    assert!(matches!(
        decide_json(&again, Some(&workshop_mv())),
        Decision::Allow(_)
    ));
}

#[test]
fn injected_hash_annotation_is_set() {
    let out = patched(&workshop_pod(), &workshop_mv());
    let hash = out["metadata"]["annotations"]["validation.ml.sigstore.dev/injected-spec-hash"]
        .as_str()
        .unwrap();
    assert_eq!(hash.len(), 64);
    assert_eq!(
        out["metadata"]["annotations"]["validation.ml.sigstore.dev/auth-method"],
        "sigstore"
    );
}
