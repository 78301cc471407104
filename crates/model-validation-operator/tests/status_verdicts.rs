//! Verdicts from pod statuses and the CR status they make.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

mod common;

use common::*;
use k8s_openapi::api::core::v1::Pod;
use model_validation_operator::status::{
    build_status, new_final_verdicts, verdict_from_pod, verdicts_from_pods, MAX_RECENT_VERDICTS,
};
use serde_json::{json, Value};

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
    let v = verdict_from_pod(&injected_pod(
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
    let v = verdict_from_pod(&injected_pod(
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
    let v = verdict_from_pod(&injected_pod("a", "u1", status));
    assert_eq!(
        (v.result.as_str(), v.reason.as_str()),
        ("Failed", "Signature mismatch: the model differs")
    );
}

#[test]
fn failure_without_message_gives_the_exit_code() {
    let v = verdict_from_pod(&injected_pod(
        "a",
        "u1",
        terminated(2, "", "2026-01-01T00:01:00Z"),
    ));
    assert_eq!(v.reason, "the verifier exited with code 2");
}

#[test]
fn running_waiting_and_uninjected_pods() {
    let running = json!({"name": "model-validation", "image": "v", "imageID": "", "ready": false, "restartCount": 0, "state": {"running": {}}});
    assert_eq!(
        verdict_from_pod(&injected_pod("a", "u", running)).result,
        "Pending"
    );
    let mut p = injected_pod(
        "a",
        "u",
        json!({"name": "x", "image": "v", "imageID": "", "ready": false, "restartCount": 0}),
    );
    p.status = None;
    assert_eq!(
        verdict_from_pod(&p).reason,
        "waiting for the verifier to run"
    );
    let plain = pod(workshop_pod());
    assert_eq!(verdict_from_pod(&plain).result, "NotInjected");
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
    let verdicts = verdicts_from_pods(&pods);
    assert_eq!(
        verdicts.iter().map(|v| v.pod.as_str()).collect::<Vec<_>>(),
        ["bad", "ok"]
    );
    let m = mv(workshop_mv());
    let s = build_status(&m, &verdicts, "2026-01-01T00:04:00Z");
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
    let verdicts = verdicts_from_pods(&pods);
    let mut m = mv(workshop_mv());
    let first = build_status(&m, &verdicts, "2026-01-01T00:02:00Z");
    assert_eq!(first.conditions[0].status, "True");
    m.status = Some(first);
    let second = build_status(&m, &verdicts, "2026-01-01T09:00:00Z");
    assert_eq!(
        second.conditions[0].last_transition_time,
        "2026-01-01T00:02:00Z"
    );
    // Already announced: no new events.
    assert!(new_final_verdicts(m.status.as_ref(), &verdicts).is_empty());
    assert_eq!(new_final_verdicts(None, &verdicts).len(), 1);
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
    let s = build_status(&m, &verdicts_from_pods(&pods), "t");
    assert_eq!(s.verified_pods, 50);
    assert_eq!(s.recent_verdicts.len(), MAX_RECENT_VERDICTS);
    assert_eq!(s.recent_verdicts[0].pod, "p49");
}
