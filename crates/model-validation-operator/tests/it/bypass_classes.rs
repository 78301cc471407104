//! The pod author's bypasses of issue 13, one table per class. Each case failed on the webhook
//! before `mutate::decide` computed one view of the model (see the README's threat model).

use crate::common;

use common::*;
use model_validation_operator::mutate::Decision;
use serde_json::{json, Value};

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

fn index_of(list: &Value, name: &str) -> usize {
    names(list).iter().position(|n| n == name).unwrap()
}

fn with_inits(inits: Value) -> Value {
    let mut p = workshop_pod();
    p["spec"]["initContainers"] = inits;
    p
}

fn sidecar(name: &str, mounts: Value) -> Value {
    json!({"name": name, "image": "busybox", "restartPolicy": "Always", "volumeMounts": mounts})
}

fn plain_init(name: &str, mounts: Value) -> Value {
    json!({"name": name, "image": "alpine", "volumeMounts": mounts})
}

fn model_mount() -> Value {
    json!([{"name": "model-storage", "mountPath": "/data"}])
}

/// The pod as admitted: the decision applied (a denial gives `None`).
fn admitted(p: &Value, m: &Value) -> Option<Value> {
    match decide_json(p, Some(m)) {
        Decision::Allow(_) => Some(p.clone()),
        Decision::Patch(patch) => {
            let mut doc = p.clone();
            json_patch::patch(&mut doc, &patch).unwrap();
            Some(doc)
        }
        Decision::Deny(_) => None,
    }
}

// ---- class 1: order ----

#[test]
fn class1_verifier_starts_before_every_native_sidecar_and_after_downloaders() {
    let p = with_inits(json!([
        plain_init("download", model_mount()),
        sidecar("log-shipper", model_mount()),
        plain_init("migrate", json!([]))
    ]));
    let out = patched(&p, &workshop_mv());
    assert_eq!(
        names(&out["spec"]["initContainers"]),
        ["download", "model-validation", "log-shipper", "migrate"]
    );
}

#[test]
fn class1_native_sidecar_reaching_the_model_before_a_downloader_is_denied() {
    let p = with_inits(json!([
        sidecar("reader", model_mount()),
        plain_init("download", model_mount())
    ]));
    let msg = denial(&p, Some(&workshop_mv()));
    assert!(
        msg.contains("\"reader\"") && msg.contains("restartPolicy: Always"),
        "{msg}"
    );
}

#[test]
fn class1_pod_declared_verifier_is_denied_whatever_its_annotations() {
    let mut forged = with_inits(json!([
        {"name": "model-validation", "image": "busybox", "command": ["true"]}
    ]));
    forged["metadata"]["annotations"] =
        json!({"validation.ml.sigstore.dev/injected-spec-hash": "0000"});
    assert!(denial(&forged, Some(&workshop_mv())).contains("reserved"));
}

#[test]
fn class1_exact_copy_of_the_injection_placed_first_does_not_run_before_the_writer() {
    // The pod author copies the real injection (and its annotations) to the front, so that
    // its own init container writes the model after verification.
    let honest = patched(
        &with_inits(json!([plain_init("writer", model_mount())])),
        &workshop_mv(),
    );
    let mut forged = honest.clone();
    let inits = forged["spec"]["initContainers"].as_array_mut().unwrap();
    inits.reverse();
    assert_eq!(
        names(&forged["spec"]["initContainers"])[0],
        "model-validation"
    );
    if let Some(out) = admitted(&forged, &workshop_mv()) {
        let inits = &out["spec"]["initContainers"];
        assert!(
            index_of(inits, "model-validation") > index_of(inits, "writer"),
            "the verifier runs before the pod's writer: {:?}",
            names(inits)
        );
    }
}

#[test]
fn class1_reinvocation_moves_the_verifier_after_an_appended_init_container() {
    let once = patched(&workshop_pod(), &workshop_mv());
    let mut later = once.clone();
    later["spec"]["initContainers"]
        .as_array_mut()
        .unwrap()
        .push(plain_init("late-writer", model_mount()));
    let out = admitted(&later, &workshop_mv()).expect("reinvocation must converge, not deny");
    assert_eq!(
        names(&out["spec"]["initContainers"]),
        ["late-writer", "model-validation"]
    );
    assert!(matches!(
        decide_json(&out, Some(&workshop_mv())),
        Decision::Allow(_)
    ));
}

// ---- class 2: one view of the model ----

#[test]
fn class2_a_decoy_in_another_container_is_denied_naming_both() {
    let decoy = json!({"name": "decoy", "emptyDir": {}});
    for (where_, p) in [
        ("first container", {
            let mut p = workshop_pod();
            p["spec"]["containers"].as_array_mut().unwrap().insert(
                0,
                json!({"name": "bait", "image": "busybox", "volumeMounts": [{"name": "decoy", "mountPath": "/data"}]}),
            );
            p["spec"]["volumes"]
                .as_array_mut()
                .unwrap()
                .push(decoy.clone());
            p
        }),
        ("init container", {
            let mut p = with_inits(json!([plain_init(
                "bait",
                json!([{"name": "decoy", "mountPath": "/data/bert-base-uncased"}])
            )]));
            p["spec"]["volumes"]
                .as_array_mut()
                .unwrap()
                .push(decoy.clone());
            p
        }),
    ] {
        let msg = denial(&p, Some(&workshop_mv()));
        assert!(
            msg.contains("\"bait\"") && msg.contains("\"inference\"") && msg.contains("decoy"),
            "{where_}: {msg}"
        );
    }
}

#[test]
fn class2_child_mounts_inside_the_model_are_mounted_for_the_verifier() {
    let mut p = workshop_pod();
    p["spec"]["containers"][0]["volumeMounts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "cfg", "mountPath": "/data/bert-base-uncased/config.json", "subPath": "config.json"}));
    p["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "cfg", "configMap": {"name": "evil-config"}}));
    let out = patched(&p, &workshop_mv());
    assert_eq!(
        mounts(&out),
        vec![
            ro("model-storage", "/data", None),
            ro(
                "cfg",
                "/data/bert-base-uncased/config.json",
                Some("config.json")
            )
        ]
    );
}

#[test]
fn class2_paths_are_cleaned_as_the_runtime_cleans_them() {
    for spelling in [
        "/data/./bert-base-uncased",
        "//data/bert-base-uncased",
        "/data/bert-base-uncased/",
        "/data/x/../bert-base-uncased",
    ] {
        let mut p = workshop_pod();
        p["spec"]["containers"][0]["volumeMounts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "decoy", "mountPath": spelling}));
        p["spec"]["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "decoy", "emptyDir": {}}));
        let out = patched(&p, &workshop_mv());
        assert_eq!(
            mounts(&out),
            vec![ro("decoy", "/data/bert-base-uncased", None)],
            "{spelling}"
        );
    }
    // The CR's own spelling is cleaned too.
    let m = set(
        workshop_mv(),
        "/spec/model/path",
        json!("/data//bert-base-uncased/"),
    );
    assert_eq!(
        mounts(&patched(&workshop_pod(), &m)),
        vec![ro("model-storage", "/data", None)]
    );
}

#[test]
fn class2_sub_path_expr_behind_a_plain_mount_is_denied() {
    let mut p = workshop_pod();
    p["spec"]["containers"].as_array_mut().unwrap().insert(
        0,
        json!({"name": "plain", "image": "busybox", "volumeMounts": [{"name": "model-storage", "mountPath": "/data"}]}),
    );
    p["spec"]["containers"][1]["volumeMounts"][0]["subPathExpr"] = json!("$(POD_NAME)");
    let msg = denial(&p, Some(&workshop_mv()));
    assert!(
        msg.contains("subPathExpr") && msg.contains("\"inference\""),
        "{msg}"
    );
}

#[test]
fn class2_same_storage_under_another_volume_name_is_one_view() {
    // Same claim, two volume names, same place: no denial, one verifier mount.
    let mut p = workshop_pod();
    p["spec"]["containers"].as_array_mut().unwrap().push(
        json!({"name": "second", "image": "busybox", "volumeMounts": [{"name": "alias", "mountPath": "/data/bert-base-uncased", "subPath": "bert-base-uncased"}]}),
    );
    p["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "alias", "persistentVolumeClaim": {"claimName": "model-storage"}}));
    let out = patched(&p, &workshop_mv());
    assert_eq!(mounts(&out), vec![ro("model-storage", "/data", None)]);
}

// ---- class 3: read-only by storage ----

#[test]
fn class3_every_mount_of_the_model_storage_after_the_verifier_is_read_only() {
    let mut p = with_inits(json!([
        plain_init("download", model_mount()),
        sidecar(
            "shipper",
            json!([{"name": "model-storage", "mountPath": "/data"}])
        ),
        plain_init(
            "late",
            json!([{"name": "alias", "mountPath": "/ro", "readOnly": true}])
        ),
        sidecar(
            "late-sidecar",
            json!([{"name": "alias", "mountPath": "/rw"}])
        )
    ]));
    p["spec"]["containers"][0]["volumeMounts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "alias", "mountPath": "/also"}));
    p["spec"]["volumes"].as_array_mut().unwrap().extend([
        json!({"name": "alias", "persistentVolumeClaim": {"claimName": "model-storage"}}),
        json!({"name": "scratch", "emptyDir": {}}),
    ]);
    let out = patched(&p, &workshop_mv());
    let inits = &out["spec"]["initContainers"];
    let ro_of = |c: &Value, i: usize| c["volumeMounts"][i]["readOnly"].clone();
    assert_eq!(ro_of(&inits[0], 0), Value::Null, "the downloader writes");
    assert_eq!(ro_of(&inits[index_of(inits, "shipper")], 0), json!(true));
    assert_eq!(ro_of(&inits[index_of(inits, "late")], 0), json!(true));
    assert_eq!(
        ro_of(&inits[index_of(inits, "late-sidecar")], 0),
        json!(true)
    );
    assert_eq!(
        names(inits),
        [
            "download",
            "model-validation",
            "shipper",
            "late",
            "late-sidecar"
        ]
    );
    assert_eq!(ro_of(&out["spec"]["containers"][0], 0), json!(true));
    assert_eq!(ro_of(&out["spec"]["containers"][0], 2), json!(true));
}

#[test]
fn class3_host_paths_overlapping_the_model_are_read_only() {
    let mut p = workshop_pod();
    p["spec"]["volumes"][0] =
        json!({"name": "model-storage", "hostPath": {"path": "/srv/models/"}});
    p["spec"]["volumes"].as_array_mut().unwrap().extend([
        json!({"name": "host", "hostPath": {"path": "/srv"}}),
        json!({"name": "other", "hostPath": {"path": "/srv/cache"}}),
    ]);
    p["spec"]["containers"][0]["volumeMounts"]
        .as_array_mut()
        .unwrap()
        .extend([
            json!({"name": "host", "mountPath": "/host"}),
            json!({"name": "other", "mountPath": "/cache"}),
        ]);
    let out = patched(&p, &workshop_mv());
    let c = &out["spec"]["containers"][0]["volumeMounts"];
    assert_eq!(c[2]["readOnly"], json!(true), "/srv holds the model");
    assert_eq!(c[3]["readOnly"], Value::Null, "/srv/cache does not");
}

// ---- class 5: trust anchors the pod chooses ----

#[test]
fn class5_path_trust_anchors_on_pod_volumes_need_the_cr_to_opt_in() {
    let p = keys_pod();
    let m = set(
        workshop_mv(),
        "/spec/config",
        json!({"publicKeyConfig": {"keyPath": "/keys/pub.pem"}}),
    );
    let msg = denial(&p, Some(&m));
    assert!(
        msg.contains("trustFromPodVolumes") && msg.contains("keyRef"),
        "{msg}"
    );
    let mut opted = m.clone();
    opted["spec"]["trustFromPodVolumes"] = json!(true);
    assert!(mounts(&patched(&p, &opted)).contains(&ro("keys", "/keys", None)));
}

#[test]
fn class5_a_trust_anchor_on_the_model_storage_is_always_denied() {
    for config in [
        json!({"publicKeyConfig": {"keyPath": "/data/pub.pem"}}),
        json!({"pkiConfig": {"certificateAuthority": "/data/bert-base-uncased/ca.pem"}}),
        json!({"sigstoreConfig": {"certificateIdentity": "a", "certificateOidcIssuer": "b"},
               "clientTrustConfig": {"trustConfigPath": "/data/trust.json"}}),
    ] {
        let mut m = set(workshop_mv(), "/spec/config", config.clone());
        m["spec"]["trustFromPodVolumes"] = json!(true);
        let msg = denial(&workshop_pod(), Some(&m));
        assert!(msg.contains("model's storage"), "{config}: {msg}");
    }
}

// ---- classes 6 and 8: the verifier itself ----

#[test]
fn class6_volumes_over_the_verifier_binary_or_termination_log_are_denied() {
    for (mount_path, model) in [
        ("/usr/local", "/usr/local/models/bert"),
        ("/usr", "/usr/models/bert"),
        ("/dev", "/dev/models/bert"),
    ] {
        let mut p = workshop_pod();
        p["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] = json!(mount_path);
        let m = set(workshop_mv(), "/spec/model/path", json!(model));
        let m = set(
            m,
            "/spec/model/signaturePath",
            json!(format!("{model}/model.sig")),
        );
        let msg = denial(&p, Some(&m));
        assert!(msg.contains("verifier"), "{mount_path}: {msg}");
    }
}

#[test]
fn class8_a_root_pod_gets_a_verifier_with_an_explicit_non_root_user() {
    for pod_context in [json!({"runAsUser": 0, "runAsGroup": 0}), json!({})] {
        let mut p = workshop_pod();
        p["spec"]["securityContext"] = pod_context.clone();
        let c = verifier(&patched(&p, &workshop_mv()));
        let sc = c.security_context.unwrap();
        assert!(sc.run_as_user.is_some_and(|u| u != 0), "{pod_context}");
        assert!(sc.run_as_group.is_some_and(|g| g != 0), "{pod_context}");
        assert_eq!(sc.run_as_non_root, Some(true));
    }
    // A pod's own non-root user is kept, so the verifier reads what the workload reads.
    let mut p = workshop_pod();
    p["spec"]["securityContext"] = json!({"runAsUser": 1000, "runAsGroup": 3000});
    let sc = verifier(&patched(&p, &workshop_mv()))
        .security_context
        .unwrap();
    assert_eq!((sc.run_as_user, sc.run_as_group), (Some(1000), Some(3000)));
}

// ---- class 10: smaller holes ----

#[test]
fn class10_enforced_scan_with_unsigned_files_ignored_is_denied() {
    let mut m = workshop_mv();
    m["spec"]["scan"] = json!("Enforce");
    m["spec"]["model"]["ignoreUnsignedFiles"] = json!(true);
    let msg = denial(&workshop_pod(), Some(&m));
    assert!(msg.contains("never be scanned"), "{msg}");
    m["spec"]["scan"] = json!("Warn");
    patched(&workshop_pod(), &m);
}
