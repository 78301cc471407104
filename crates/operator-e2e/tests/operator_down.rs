//! With the operator stopped, the shipped webhook configuration (failurePolicy Fail, objectSelector
//! on the label) refuses labelled pods and unlabelled pods declaring a claim a policy governs, and
//! lets every other pod through; existing labelled pods can
//! still be updated (finalizers, annotations) and deleted, but not unlabelled. A binary of its own: stopping the operator would break the other tests.

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
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use model_validation_operator::VERIFIER_CONTAINER;
use operator_e2e::cluster::create_namespace;

#[tokio::test]
async fn with_the_operator_stopped_labelled_pods_are_refused_and_unlabelled_ones_are_not_unless_governed(
) {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, "operator-down", &[])
        .await
        .unwrap();
    create_cr(
        &admin,
        "operator-down",
        &sigstore_cr("mv", "model", SIGSTORE_IDENTITY),
    )
    .await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "operator-down");
    let before = pods
        .create(&PostParams::default(), &workshop_pod("before", "mv"))
        .await
        .unwrap();
    let names: Vec<_> = before
        .spec
        .unwrap()
        .init_containers
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, [VERIFIER_CONTAINER]);

    // A policy governing claim "governed-claim": the operator writes it into the webhook
    // configuration, so pods declaring it fail closed while the operator is down.
    let mut governing = sigstore_cr("governing", "model", SIGSTORE_IDENTITY);
    governing.spec.governs = Some(
        serde_json::from_value(serde_json::json!({"claimNames": ["governed-claim"]})).unwrap(),
    );
    create_cr(&admin, "operator-down", &governing).await;
    wait_match_condition(&admin, "'governed-claim'").await;

    installed.operator.lock().await.stop();

    let mut governed = workshop_pod("governed", "mv");
    governed.metadata.labels = None;
    governed.spec.as_mut().unwrap().volumes.as_mut().unwrap()[0]
        .persistent_volume_claim
        .as_mut()
        .unwrap()
        .claim_name = "governed-claim".into();
    let err = pods
        .create(&PostParams::default(), &governed)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert!(
        status.message.contains("failed calling webhook")
            && status
                .message
                .contains("governed-pods.validation.ml.sigstore.dev"),
        "{}",
        status.message
    );

    let err = pods
        .create(&PostParams::default(), &workshop_pod("labelled", "mv"))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert!(
        status.message.contains("failed calling webhook")
            && status.message.contains("pods.validation.ml.sigstore.dev"),
        "{}",
        status.message
    );
    let mut unlabelled = workshop_pod("unlabelled", "mv");
    unlabelled.metadata.labels = None;
    let created = pods
        .create(&PostParams::default(), &unlabelled)
        .await
        .unwrap();
    assert!(
        created.spec.unwrap().init_containers.is_none(),
        "unlabelled pods are not mutated"
    );
    // Updates that keep the label (finalizers, annotations) never reach the webhook
    // (matchConditions), so they pass with the operator down; a label change does not.
    let keep = serde_json::json!({"metadata": {"finalizers": ["example.com/keep"],
                                               "annotations": {"touched": "yes"}}});
    pods.patch("before", &PatchParams::default(), &Patch::Merge(&keep))
        .await
        .unwrap();
    let unkeep = serde_json::json!({"metadata": {"finalizers": null}});
    pods.patch("before", &PatchParams::default(), &Patch::Merge(&unkeep))
        .await
        .unwrap();
    let relabel =
        serde_json::json!({"metadata": {"labels": {"validation.ml.sigstore.dev/ml": null}}});
    let err = pods
        .patch("before", &PatchParams::default(), &Patch::Merge(&relabel))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("pod-updates.validation.ml.sigstore.dev"),
        "{err}"
    );
    // Deleting needs no webhook (DELETE is not registered).
    pods.delete("before", &DeleteParams::default())
        .await
        .unwrap();
    assert!(pods.get_opt("before").await.unwrap().is_none());
}

/// Polls the shipped webhook configuration until its governed-pods match condition contains
/// `needle`.
async fn wait_match_condition(admin: &kube::Client, needle: &str) {
    use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
    let configs: Api<MutatingWebhookConfiguration> = Api::all(admin.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let config = configs
            .get(operator_e2e::cluster::WEBHOOK_CONFIG)
            .await
            .unwrap();
        let text = serde_json::to_string(&config.webhooks).unwrap();
        if text.contains(needle) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{needle} not in the webhook configuration after 30 s: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
