//! Verdicts from pod statuses and the CR status they make.

use crate::common;

use common::*;
use k8s_openapi::api::core::v1::Pod;
use model_validation_operator::crd::PodVerdict;
use model_validation_operator::settings::Settings;
use model_validation_operator::status::{
    build_status, new_final_verdicts, verdict_from_pod, verdicts_from_pods, MAX_RECENT_VERDICTS,
};
use serde_json::{json, Value};

fn verdict(p: &Pod) -> PodVerdict {
    verdict_from_pod(p, &mv(workshop_mv()), &Settings::default())
}

fn verdicts(pods: &[Pod]) -> Vec<PodVerdict> {
    verdicts_from_pods(pods, &mv(workshop_mv()), &Settings::default())
}

fn injected_pod(name: &str, uid: &str, init_status: Value) -> Pod {
    let mut p = patched(&workshop_pod(), &workshop_mv());
    p["metadata"]["name"] = json!(name);
    p["metadata"]["uid"] = json!(uid);
    p["metadata"]["creationTimestamp"] = json!("2026-01-01T00:00:00Z");
    p["status"] = json!({"initContainerStatuses": [init_status]});
    pod(p)
}

fn terminated(code: i32, message: &str, finished: &str) -> Value {
    json!({"name": "model-validation", "image": "v", "imageID": "", "ready": false, "restartCount": 0,
           "state": {"terminated": {"exitCode": code, "message": message, "finishedAt": finished, "reason": "Completed"}}})
}

#[test]
fn verified_pod() {
    let v = verdict(&injected_pod(
        "a",
        "u1",
        terminated(0, "Verification succeeded", "2026-01-01T00:01:00Z"),
    ));
    assert_eq!(
        (v.result.as_str(), v.reason.as_str(), v.time.as_str()),
        ("Verified", "Verification succeeded", "2026-01-01T00:01:00Z")
    );
}

#[test]
fn failed_pod_names_the_changed_file() {
    let v = verdict(&injected_pod(
        "a",
        "u1",
        terminated(
            1,
            "Verification failed: config.json changed",
            "2026-01-01T00:01:00Z",
        ),
    ));
    assert_eq!(
        (v.result.as_str(), v.reason.as_str()),
        ("Failed", "config.json changed")
    );
}

#[test]
fn crash_loop_keeps_the_last_failure() {
    let status = json!({"name": "model-validation", "image": "v", "imageID": "", "ready": false, "restartCount": 3,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-01-01T00:02:00Z",
            "message": "some log line\nVerification failed with error: Signature mismatch: the model differs\n"}}});
    let v = verdict(&injected_pod("a", "u1", status));
    assert_eq!(
        (v.result.as_str(), v.reason.as_str()),
        ("Failed", "Signature mismatch: the model differs")
    );
}

#[test]
fn failure_without_message_gives_the_exit_code() {
    let v = verdict(&injected_pod(
        "a",
        "u1",
        terminated(2, "", "2026-01-01T00:01:00Z"),
    ));
    assert_eq!(v.reason, "the verifier exited with code 2");
}

#[test]
fn running_waiting_and_uninjected_pods() {
    let running = json!({"name": "model-validation", "image": "v", "imageID": "", "ready": false, "restartCount": 0, "state": {"running": {}}});
    assert_eq!(verdict(&injected_pod("a", "u", running)).result, "Pending");
    let mut p = injected_pod(
        "a",
        "u",
        json!({"name": "x", "image": "v", "imageID": "", "ready": false, "restartCount": 0}),
    );
    p.status = None;
    assert_eq!(verdict(&p).reason, "waiting for the verifier to run");
    let plain = pod(workshop_pod());
    assert_eq!(verdict(&plain).result, "NotInjected");
}

#[test]
fn status_counts_conditions_and_order() {
    let pods = vec![
        injected_pod(
            "ok",
            "u1",
            terminated(0, "Verification succeeded", "2026-01-01T00:01:00Z"),
        ),
        injected_pod(
            "bad",
            "u2",
            terminated(
                1,
                "Verification failed: config.json changed",
                "2026-01-01T00:03:00Z",
            ),
        ),
    ];
    let found = verdicts(&pods);
    assert_eq!(
        found.iter().map(|v| v.pod.as_str()).collect::<Vec<_>>(),
        ["bad", "ok"]
    );
    let m = mv(workshop_mv());
    let s = build_status(&m, &found, "2026-01-01T00:04:00Z");
    assert_eq!(
        (
            s.verified_pods,
            s.failed_pods,
            s.pending_pods,
            s.uninjected_pods
        ),
        (1, 1, 0, 0)
    );
    assert_eq!(s.auth_method.as_deref(), Some("sigstore"));
    let c = &s.conditions[0];
    assert_eq!(
        (c.type_.as_str(), c.status.as_str(), c.reason.as_str()),
        ("Verified", "False", "VerificationFailed")
    );
    assert_eq!(
        c.message,
        "1 pod(s) failed verification; latest: bad: config.json changed"
    );
    assert_eq!(c.observed_generation, Some(1));
    assert_eq!(s.observed_generation, Some(1));
}

#[test]
fn condition_transition_time_survives_unchanged_status() {
    let pods = vec![injected_pod(
        "ok",
        "u1",
        terminated(0, "Verification succeeded", "2026-01-01T00:01:00Z"),
    )];
    let found = verdicts(&pods);
    let mut m = mv(workshop_mv());
    let first = build_status(&m, &found, "2026-01-01T00:02:00Z");
    assert_eq!(first.conditions[0].status, "True");
    m.status = Some(first);
    let second = build_status(&m, &found, "2026-01-01T09:00:00Z");
    assert_eq!(
        second.conditions[0].last_transition_time,
        "2026-01-01T00:02:00Z"
    );
    // Already announced: no new events.
    assert!(new_final_verdicts(m.status.as_ref(), &found).is_empty());
    assert_eq!(new_final_verdicts(None, &found).len(), 1);
}

#[test]
fn no_pods_and_bounded_list() {
    let m = mv(workshop_mv());
    let s = build_status(&m, &[], "t");
    assert_eq!(
        (
            s.conditions[0].status.as_str(),
            s.conditions[0].reason.as_str()
        ),
        ("Unknown", "NoPods")
    );
    let pods: Vec<Pod> = (0..50)
        .map(|i| {
            injected_pod(
                &format!("p{i:02}"),
                &format!("u{i}"),
                terminated(
                    0,
                    "Verification succeeded",
                    &format!("2026-01-01T00:{i:02}:00Z"),
                ),
            )
        })
        .collect();
    let s = build_status(&m, &verdicts(&pods), "t");
    assert_eq!(s.verified_pods, 50);
    assert_eq!(s.recent_verdicts.len(), MAX_RECENT_VERDICTS);
    assert_eq!(s.recent_verdicts[0].pod, "p49");
}

// ---- issue 13, class 7: verdicts that cannot be forged ----

fn with_verifier_status(mut p: Value, status: Value) -> Pod {
    p["metadata"]["name"] = json!("p");
    p["metadata"]["uid"] = json!("u");
    p["metadata"]["creationTimestamp"] = json!("2026-01-01T00:00:00Z");
    p["status"] = json!({"initContainerStatuses": [status]});
    pod(p)
}

#[test]
fn a_pod_declared_verifier_that_exited_zero_is_not_verified() {
    // Created without the label (no webhook), its own `model-validation` container, labelled later.
    let mut forged = workshop_pod();
    forged["spec"]["initContainers"] =
        json!([{"name": "model-validation", "image": "busybox", "command": ["true"]}]);
    let ok = terminated(0, "Verification succeeded", "2026-01-01T00:01:00Z");
    let v = verdict(&with_verifier_status(forged.clone(), ok.clone()));
    assert_eq!(v.result, "NotInjected", "{v:?}");
    // A forged hash annotation does not help.
    forged["metadata"]["annotations"] =
        json!({"validation.ml.sigstore.dev/injected-spec-hash": "0000"});
    assert_eq!(
        verdict(&with_verifier_status(forged, ok.clone())).result,
        "NotInjected"
    );
    // Nor does an exact copy of the injection placed before the pod's own writer.
    let mut p = workshop_pod();
    p["spec"]["initContainers"] = json!([{"name": "writer", "image": "alpine", "volumeMounts": [{"name": "model-storage", "mountPath": "/data"}]}]);
    let mut copied = patched(&p, &workshop_mv());
    copied["spec"]["initContainers"]
        .as_array_mut()
        .unwrap()
        .reverse();
    assert_eq!(
        verdict(&with_verifier_status(copied, ok)).result,
        "NotInjected"
    );
}

#[test]
fn a_pod_verified_under_an_earlier_spec_is_stale() {
    let earlier = set(
        workshop_mv(),
        "/spec/config/sigstoreConfig/certificateIdentity",
        json!("rotated-away@example.com"),
    );
    let p = with_verifier_status(
        patched(&workshop_pod(), &earlier),
        terminated(0, "Verification succeeded", "2026-01-01T00:01:00Z"),
    );
    let v = verdict(&p);
    assert_eq!(v.result, "Stale", "{v:?}");
    let s = build_status(&mv(workshop_mv()), std::slice::from_ref(&v), "t");
    assert_eq!((s.verified_pods, s.stale_pods), (0, 1));
    assert_eq!(
        (
            s.conditions[0].status.as_str(),
            s.conditions[0].reason.as_str()
        ),
        ("False", "PodsStale")
    );
    assert_eq!(
        new_final_verdicts(None, &[v]).len(),
        1,
        "announced as an Event"
    );
}

#[test]
fn trust_from_pod_volumes_is_a_warning_condition() {
    let mut m = mv(workshop_mv());
    m.spec.trust_from_pod_volumes = Some(true);
    let s = build_status(&m, &[], "t");
    assert!(s
        .conditions
        .iter()
        .any(|c| c.type_ == "TrustFromPodVolumes" && c.status == "True"));
}
