//! The operator against a real kube-apiserver (kube-testenv): CRD validation, the webhook as the API
//! server calls it, RBAC, and verdicts end to end through a KUBELET SIMULATION. One control plane
//! and one operator process (running as the ServiceAccount of config/rbac) for the whole binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

mod common;

use std::io::Write as _;
use std::path::Path;

use common::*;
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use model_validation_operator::crd::{ClusterModelValidation, ModelValidation};
use model_validation_operator::mutate::{decide, Decision};
use model_validation_operator::settings::Settings;
use model_validation_operator::{GOVERNED_LABEL, IGNORE_NAMESPACE_LABEL, VERIFIER_CONTAINER};
use operator_e2e::cluster::{create_namespace, operator_identity, CRD_NAME, WEBHOOK_CONFIG};
use operator_e2e::manifests::apply_all;
use operator_e2e::operator_process::VERIFIER_IMAGE;

fn init_container_names(pod: &Pod) -> Vec<String> {
    pod.spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map(|c| c.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn crd_is_established_and_the_server_rejects_two_methods_or_none() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    // install() waited for Established; check the server serves the kind.
    let crds: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> =
        Api::all(admin.clone());
    assert!(crds.get(CRD_NAME).await.is_ok());
    create_namespace(&admin, "cel", &[]).await.unwrap();
    let api: Api<ModelValidation> = Api::namespaced(admin, "cel");
    let model = serde_json::json!({"path": "/data/m", "signaturePath": "/data/m/model.sig"});
    let two = cr_from(serde_json::json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
        "metadata": {"name": "two"},
        "spec": {"model": model, "config": {
            "sigstoreConfig": {"certificateIdentity": "a@b.c", "certificateOidcIssuer": "https://x"},
            "publicKeyConfig": {"keyPath": "/data/key.pub"}}}
    }));
    let none = cr_from(serde_json::json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
        "metadata": {"name": "none"},
        "spec": {"model": model, "config": {}}
    }));
    for cr in [two, none] {
        let err = api.create(&PostParams::default(), &cr).await.unwrap_err();
        let kube::Error::Api(status) = err else {
            panic!("expected a validation error, got {err}")
        };
        assert_eq!(status.code, 422, "{status:?}");
        assert!(
            status
                .message
                .contains("exactly one validation method must be specified"),
            "{}",
            status.message
        );
    }
    let one = sigstore_cr("one", "m", SIGSTORE_IDENTITY);
    api.create(&PostParams::default(), &one).await.unwrap();
}

#[tokio::test]
async fn the_webhook_mutates_pods_exactly_as_the_pure_function_says() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, "mutation", &[]).await.unwrap();
    create_namespace(
        &admin,
        "mutation-ignored",
        &[(IGNORE_NAMESPACE_LABEL, "true")],
    )
    .await
    .unwrap();
    let cr = sigstore_cr("m", "model", SIGSTORE_IDENTITY);
    let mvs = create_cr(&admin, "mutation", &cr).await;
    let cr = mvs.get("m").await.unwrap();

    // Two containers mounting the same volume, one of them twice, an existing init container.
    let submitted = pod_from(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "multi", "labels": {"validation.ml.sigstore.dev/ml": "m"}},
        "spec": {
            "initContainers": [{"name": "download", "image": "alpine",
                                "volumeMounts": [{"name": "model-storage", "mountPath": "/data"}]}],
            "containers": [
                {"name": "inference", "image": "nginx:alpine",
                 "volumeMounts": [{"name": "model-storage", "mountPath": "/data"},
                                  {"name": "scratch", "mountPath": "/tmp"}]},
                {"name": "sidecar", "image": "busybox",
                 "volumeMounts": [{"name": "model-storage", "mountPath": "/data"}]}],
            "volumes": [{"name": "model-storage", "persistentVolumeClaim": {"claimName": "model-storage"}},
                        {"name": "scratch", "emptyDir": {}}]
        }
    }));
    // What the webhook receives is the decoded, defaulted pod: let the server default it in a
    // namespace the webhook configuration excludes, then run the pure function on that.
    let dry_run = PostParams {
        dry_run: true,
        ..Default::default()
    };
    let ignored: Api<Pod> = Api::namespaced(admin.clone(), "mutation-ignored");
    let mut defaulted = ignored.create(&dry_run, &submitted).await.unwrap();
    assert!(
        init_container_names(&defaulted) == ["download"],
        "ignored namespace must not be mutated"
    );
    defaulted.metadata.namespace = Some("mutation".into());
    let settings = Settings {
        verifier_image: VERIFIER_IMAGE.into(),
        ..Settings::default()
    };
    let Decision::Patch(patch) = decide(&defaulted, Some(&cr), &settings) else {
        panic!("the pure function does not patch this pod")
    };
    let mut expected = serde_json::to_value(&defaulted).unwrap();
    json_patch::patch(&mut expected, &patch).unwrap();
    let expected: Pod = serde_json::from_value(expected).unwrap();
    // Defaults for the injected container come from the server, as for the webhook's patch.
    let mut expected_in_ignored = expected.clone();
    expected_in_ignored.metadata.namespace = Some("mutation-ignored".into());
    expected_in_ignored.metadata.uid = None;
    expected_in_ignored.metadata.creation_timestamp = None;
    expected_in_ignored.metadata.resource_version = None;
    expected_in_ignored.metadata.managed_fields = None;
    expected_in_ignored.metadata.generation = None;
    let expected = ignored
        .create(&dry_run, &expected_in_ignored)
        .await
        .unwrap();

    let pods: Api<Pod> = Api::namespaced(admin, "mutation");
    let stored = pods
        .create(&PostParams::default(), &submitted)
        .await
        .unwrap();
    assert_eq!(
        init_container_names(&stored),
        ["download", VERIFIER_CONTAINER]
    );
    assert_eq!(
        serde_json::to_value(&stored.spec).unwrap(),
        serde_json::to_value(&expected.spec).unwrap(),
        "stored pod spec differs from the pure function's"
    );
    assert_eq!(stored.metadata.annotations, expected.metadata.annotations);
    assert_eq!(stored.metadata.labels, expected.metadata.labels);
}

#[tokio::test]
async fn workshop_manifests_apply_unchanged_and_the_signed_model_verifies() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    // k8s/01-setup.yaml and k8s/03-verify.yaml of the workshop, with the fixture's signer.
    let setup = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: ml-workshop
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: model-storage
  namespace: ml-workshop
spec:
  accessModes: ["ReadWriteOnce"]
  resources:
    requests:
      storage: 1Gi
"#;
    let verify = format!(
        r#"
apiVersion: ml.sigstore.dev/v1alpha1
kind: ModelValidation
metadata:
  name: workshop-model
  namespace: ml-workshop
spec:
  config:
    sigstoreConfig:
      certificateIdentity: "{SIGSTORE_IDENTITY}"
      certificateOidcIssuer: "{SIGSTORE_ISSUER}"
  model:
    path: /data/bert-base-uncased
    signaturePath: /data/bert-base-uncased/model.sig
---
apiVersion: v1
kind: Pod
metadata:
  name: ml-workload
  namespace: ml-workshop
  labels:
    validation.ml.sigstore.dev/ml: "workshop-model"
spec:
  containers:
    - name: inference
      image: nginx:alpine
      ports:
        - containerPort: 80
      volumeMounts:
        - name: model-storage
          mountPath: /data
  volumes:
    - name: model-storage
      persistentVolumeClaim:
        claimName: model-storage
"#
    );
    apply_all(&admin, setup, None).await.unwrap();
    // The CR and the pod in one apply, as in the workshop: the webhook must find the fresh CR.
    apply_all(&admin, &verify, None).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "ml-workshop");
    let pod = pods.get("ml-workload").await.unwrap();
    assert_eq!(init_container_names(&pod), [VERIFIER_CONTAINER]);

    let pvc = volume_dir(installed, "ml-workshop-model-storage");
    copy_sigstore_model(&pvc.join("bert-base-uncased"));
    let runs = kubelet(installed, "ml-workshop")
        .volume("model-storage", &pvc)
        .run_pod(&pods, "ml-workload")
        .await
        .unwrap();
    let run = &runs[0];
    assert_eq!(
        run.exit_code, 0,
        "verifier output: {}\nargs: {:?}",
        run.output, run.local_args
    );
    assert!(
        run.output.contains("Verification succeeded"),
        "{}",
        run.output
    );

    let mvs: Api<ModelValidation> = Api::namespaced(admin.clone(), "ml-workshop");
    let status = wait_status(&mvs, "workshop-model", "verifiedPods == 1", |s| {
        s.verified_pods == 1
    })
    .await;
    let verified = status
        .conditions
        .iter()
        .find(|c| c.type_ == "Verified")
        .expect("Verified condition");
    assert_eq!(
        (verified.status.as_str(), verified.reason.as_str()),
        ("True", "AllVerified")
    );
    wait_event(
        &admin,
        "ml-workshop",
        "ModelValidation",
        "workshop-model",
        "ModelVerified",
    )
    .await;
    wait_event(&admin, "ml-workshop", "Pod", "ml-workload", "ModelVerified").await;
}

/// A key-signed model with the workshop's files, and the workshop's attack on it.
#[tokio::test]
async fn the_backdoor_in_config_json_fails_and_the_status_names_config_json() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, "attack", &[]).await.unwrap();
    let pvc = volume_dir(installed, "attack-model-storage");
    let model = pvc.join("bert-base-uncased");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(
        model.join("config.json"),
        br#"{"model_type": "bert", "hidden_size": 768}"#,
    )
    .unwrap();
    std::fs::write(model.join("vocab.txt"), b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n").unwrap();
    std::fs::write(model.join("model.safetensors"), vec![7u8; 4096]).unwrap();
    sign_with_key(installed, "attack", &model, "attack").await;

    let cr = cr_from(serde_json::json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
        "metadata": {"name": "workshop-model"},
        "spec": {
            "model": {"path": "/data/bert-base-uncased", "signaturePath": "/data/bert-base-uncased/model.sig"},
            "config": {"publicKeyConfig": {"keyRef": {"kind": "ConfigMap", "name": "signing-key", "key": "signing-key.pub"}}}
        }
    }));
    let mvs = create_cr(&admin, "attack", &cr).await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "attack");
    pods.create(
        &PostParams::default(),
        &workshop_pod("before", "workshop-model"),
    )
    .await
    .unwrap();
    let sim = kubelet(installed, "attack").volume("model-storage", &pvc);
    let runs = sim.run_pod(&pods, "before").await.unwrap();
    assert_eq!(runs[0].exit_code, 0, "untampered model: {}", runs[0].output);
    wait_status(&mvs, "workshop-model", "verifiedPods == 1", |s| {
        s.verified_pods == 1
    })
    .await;

    // echo "BACKDOOR INJECTION" >> config.json
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(model.join("config.json"))
        .unwrap();
    writeln!(config, "BACKDOOR INJECTION").unwrap();
    drop(config);
    pods.create(
        &PostParams::default(),
        &workshop_pod("after", "workshop-model"),
    )
    .await
    .unwrap();
    let runs = sim.run_pod(&pods, "after").await.unwrap();
    assert_eq!(
        runs[0].exit_code, 1,
        "tampered model must fail: {}",
        runs[0].output
    );
    assert!(
        runs[0].output.contains("Verification failed"),
        "{}",
        runs[0].output
    );
    assert!(
        runs[0].termination_message.contains("config.json"),
        "{}",
        runs[0].termination_message
    );

    let status = wait_status(&mvs, "workshop-model", "failedPods == 1", |s| {
        s.failed_pods == 1
    })
    .await;
    let verdict = status
        .recent_verdicts
        .iter()
        .find(|v| v.pod == "after")
        .expect("verdict for pod after");
    assert_eq!(verdict.result, "Failed");
    assert!(verdict.reason.contains("config.json"), "{verdict:?}");
    let condition = status
        .conditions
        .iter()
        .find(|c| c.type_ == "Verified")
        .unwrap();
    assert_eq!(
        (condition.status.as_str(), condition.reason.as_str()),
        ("False", "VerificationFailed")
    );
    assert!(
        condition.message.contains("config.json"),
        "{}",
        condition.message
    );
    let note = wait_event(
        &admin,
        "attack",
        "ModelValidation",
        "workshop-model",
        "ModelVerificationFailed",
    )
    .await;
    assert!(note.contains("config.json"), "{note}");
}

/// Signs `model` with a fresh key whose public half goes to `<pvc>/keys/signing-key.pub`.
/// Signs `model` with a fresh key and publishes the public key as ConfigMap `signing-key`
/// (key `signing-key.pub`) in `namespace`, for `keyRef`: a key on the model's own volume is
/// refused (whoever writes the model would choose it).
async fn sign_with_key(installed: &Installed, namespace: &str, model: &Path, name: &str) {
    let key = rcgen::KeyPair::generate().unwrap();
    let private = installed
        .cluster
        .work
        .join(format!("{name}-signing-key.pem"));
    std::fs::write(&private, key.serialize_pem()).unwrap();
    let admin = installed.cluster.admin().await.unwrap();
    let config_maps: Api<k8s_openapi::api::core::v1::ConfigMap> = Api::namespaced(admin, namespace);
    let cm = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "signing-key"},
        "data": {"signing-key.pub": key.public_key_pem()}
    }))
    .unwrap();
    config_maps
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
    let signed = std::process::Command::new(&installed.cluster.bins.model_signing)
        .args(["sign", "key", "--private-key"])
        .arg(&private)
        .arg("--signature")
        .arg(model.join("model.sig"))
        .arg(model)
        .output()
        .unwrap();
    assert!(
        signed.status.success(),
        "signing: {}",
        String::from_utf8_lossy(&signed.stderr)
    );
}

/// `spec.scan: Enforce`: a correctly signed model whose `.bin` is a pickle that runs a command
/// never starts, and the status says the scan failed; `Warn` lets it start.
#[tokio::test]
async fn a_signed_pickle_payload_is_refused_when_the_cr_enforces_the_scan() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, "scan", &[]).await.unwrap();
    let pvc = volume_dir(installed, "scan-model-storage");
    let model = pvc.join("bert-base-uncased");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("config.json"), br#"{"model_type": "bert"}"#).unwrap();
    // pickle protocol 2: posix.system("id") on load.
    std::fs::write(
        model.join("pytorch_model.bin"),
        b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.",
    )
    .unwrap();
    sign_with_key(installed, "scan", &model, "scan").await;

    let cr = |name: &str, mode: &str| {
        cr_from(serde_json::json!({
            "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
            "metadata": {"name": name},
            "spec": {
                "model": {"path": "/data/bert-base-uncased", "signaturePath": "/data/bert-base-uncased/model.sig"},
                "config": {"publicKeyConfig": {"keyRef": {"kind": "ConfigMap", "name": "signing-key", "key": "signing-key.pub"}}},
                "scan": mode
            }
        }))
    };
    let enforced = create_cr(&admin, "scan", &cr("enforced", "Enforce")).await;
    create_cr(&admin, "scan", &cr("warned", "Warn")).await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "scan");
    let sim = kubelet(installed, "scan").volume("model-storage", &pvc);

    pods.create(
        &PostParams::default(),
        &workshop_pod("warned-pod", "warned"),
    )
    .await
    .unwrap();
    let runs = sim.run_pod(&pods, "warned-pod").await.unwrap();
    assert_eq!(
        runs[0].exit_code, 0,
        "Warn lets it start: {}",
        runs[0].output
    );
    assert!(
        runs[0].output.contains("DANGEROUS pytorch_model.bin"),
        "{}",
        runs[0].output
    );

    pods.create(
        &PostParams::default(),
        &workshop_pod("enforced-pod", "enforced"),
    )
    .await
    .unwrap();
    let runs = sim.run_pod(&pods, "enforced-pod").await.unwrap();
    assert_eq!(
        runs[0].exit_code, 1,
        "Enforce refuses it: {}",
        runs[0].output
    );
    // The verifier's typed verdict, as the controller reads it.
    let written = verifier_contract::Verdict::parse(&runs[0].termination_message).unwrap();
    assert_eq!(written.result, verifier_contract::Outcome::Failed);
    assert_eq!(
        written.reasons,
        ["the model failed the scan: 1 dangerous and 0 unknown file(s)"]
    );
    let status = wait_status(&enforced, "enforced", "failedPods == 1", |s| {
        s.failed_pods == 1
    })
    .await;
    let verdict = status
        .recent_verdicts
        .iter()
        .find(|v| v.pod == "enforced-pod")
        .expect("verdict for enforced-pod");
    assert_eq!(verdict.result, "Failed");
    assert!(verdict.reason.contains("failed the scan"), "{verdict:?}");
}

async fn failing_sigstore_case(
    ns: &str,
    identity: &str,
    remove_signature: bool,
) -> (String, String) {
    let installed = installed().await.unwrap();
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, ns, &[]).await.unwrap();
    let pvc = volume_dir(installed, ns);
    copy_sigstore_model(&pvc.join("model"));
    if remove_signature {
        std::fs::remove_file(pvc.join("model/model.sig")).unwrap();
    }
    let mvs = create_cr(&admin, ns, &sigstore_cr("mv", "model", identity)).await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), ns);
    pods.create(&PostParams::default(), &workshop_pod("workload", "mv"))
        .await
        .unwrap();
    let runs = kubelet(installed, ns)
        .volume("model-storage", &pvc)
        .run_pod(&pods, "workload")
        .await
        .unwrap();
    assert_eq!(runs[0].exit_code, 1, "{}", runs[0].output);
    let status = wait_status(&mvs, "mv", "failedPods == 1", |s| s.failed_pods == 1).await;
    let reason = status
        .recent_verdicts
        .first()
        .map(|v| v.reason.clone())
        .unwrap_or_default();
    (reason, runs[0].output.clone())
}

#[tokio::test]
async fn a_missing_signature_fails_with_its_reason() {
    if installed().await.is_none() {
        return;
    }
    let (reason, output) =
        failing_sigstore_case("missing-signature", SIGSTORE_IDENTITY, true).await;
    assert!(
        reason.contains("model.sig"),
        "reason: {reason}\noutput: {output}"
    );
}

#[tokio::test]
async fn a_wrong_identity_fails_with_its_reason() {
    if installed().await.is_none() {
        return;
    }
    let (reason, output) =
        failing_sigstore_case("wrong-identity", "nobody@example.com", false).await;
    assert!(
        reason.contains("nobody@example.com") || reason.to_lowercase().contains("identity"),
        "reason: {reason}\noutput: {output}"
    );
}

#[tokio::test]
async fn deleting_a_cr_does_not_block_deleting_its_pods() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, "cr-deletion", &[]).await.unwrap();
    let mvs = create_cr(
        &admin,
        "cr-deletion",
        &sigstore_cr("mv", "model", SIGSTORE_IDENTITY),
    )
    .await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "cr-deletion");
    let pod = pods
        .create(&PostParams::default(), &workshop_pod("workload", "mv"))
        .await
        .unwrap();
    assert_eq!(init_container_names(&pod), [VERIFIER_CONTAINER]);
    assert!(
        pod.metadata.finalizers.unwrap_or_default().is_empty(),
        "no finalizer on pods"
    );
    mvs.delete("mv", &DeleteParams::default()).await.unwrap();
    pods.delete("workload", &DeleteParams::default())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pods.get_opt("workload").await.unwrap().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "pod still present 10 s after deletion"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A new labelled pod for the deleted CR is refused, naming the CR and namespace.
    let err = pods
        .create(&PostParams::default(), &workshop_pod("again", "mv"))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err}")
    };
    assert!(
        status.message.contains("mv") && status.message.contains("cr-deletion"),
        "{}",
        status.message
    );
}

/// Issue 13, class 4: the label cannot be added to or removed from a running pod, and an
/// ephemeral container may mount the model's storage read-only but not writable; other updates
/// of labelled pods pass. Through the API server: the UPDATE entry's matchConditions and
/// objectSelector decide which updates reach the webhook.
#[tokio::test]
async fn updates_cannot_undo_the_promise_but_other_updates_pass() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    create_namespace(&admin, "updates", &[]).await.unwrap();
    create_cr(
        &admin,
        "updates",
        &sigstore_cr("mv", "model", SIGSTORE_IDENTITY),
    )
    .await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "updates");
    let denied = |err: kube::Error, wanted: &str| {
        let kube::Error::Api(status) = err else {
            panic!("expected a refusal, got {err}")
        };
        assert!(
            status.code == 403 && status.message.contains(wanted),
            "{}",
            status.message
        );
    };
    let pp = PatchParams::default();

    // Labelled later: refused.
    let mut plain = workshop_pod("plain", "mv");
    plain.metadata.labels = Some([("app".to_owned(), "x".to_owned())].into());
    pods.create(&PostParams::default(), &plain).await.unwrap();
    let label =
        serde_json::json!({"metadata": {"labels": {"validation.ml.sigstore.dev/ml": "mv"}}});
    denied(
        pods.patch("plain", &pp, &Patch::Merge(&label))
            .await
            .unwrap_err(),
        "cannot be added to",
    );

    // Labelled at creation: other updates pass, removing or changing the label does not.
    pods.create(&PostParams::default(), &workshop_pod("verified", "mv"))
        .await
        .unwrap();
    let other =
        serde_json::json!({"metadata": {"labels": {"app": "y"}, "annotations": {"a": "b"}}});
    pods.patch("verified", &pp, &Patch::Merge(&other))
        .await
        .unwrap();
    let unlabel =
        serde_json::json!({"metadata": {"labels": {"validation.ml.sigstore.dev/ml": null}}});
    denied(
        pods.patch("verified", &pp, &Patch::Merge(&unlabel))
            .await
            .unwrap_err(),
        "cannot be removed from",
    );

    // Ephemeral containers: read-only passes, writable is refused.
    let writable = with_debug_container(&pods, "verified", "rw", false).await;
    denied(
        pods.replace_ephemeral_containers("verified", &PostParams::default(), &writable)
            .await
            .unwrap_err(),
        "ephemeral container \"rw\"",
    );
    let readable = with_debug_container(&pods, "verified", "ro", true).await;
    pods.replace_ephemeral_containers("verified", &PostParams::default(), &readable)
        .await
        .unwrap();
}

/// The pod with one more ephemeral container mounting the model's claim.
async fn with_debug_container(pods: &Api<Pod>, pod: &str, name: &str, read_only: bool) -> Pod {
    let mut pod = pods.get(pod).await.unwrap();
    let spec = pod.spec.as_mut().unwrap();
    spec.ephemeral_containers.get_or_insert_with(Vec::new).push(
        serde_json::from_value(serde_json::json!({
            "name": name, "image": "busybox", "terminationMessagePolicy": "File",
            "volumeMounts": [{"name": "model-storage", "mountPath": "/m", "readOnly": read_only}]
        }))
        .unwrap(),
    );
    pod
}

/// The operator process authenticates as the ServiceAccount bound by config/rbac: what it may do
/// is exactly what those manifests grant (least privilege: no pod writes, no secrets).
#[tokio::test]
async fn the_operator_runs_under_the_rbac_of_config_rbac_not_as_admin() {
    let Some(installed) = installed().await else {
        return;
    };
    let sa = installed
        .cluster
        .env
        .client(&operator_identity())
        .await
        .unwrap();
    let reviews: Api<SelfSubjectAccessReview> = Api::all(sa);
    let can = |verb: &str, group: &str, resource: &str, sub: &str| {
        let review: SelfSubjectAccessReview = serde_json::from_value(serde_json::json!({
            "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource,
                                            "subresource": sub, "namespace": "ml-workshop"}}
        }))
        .unwrap();
        let reviews = reviews.clone();
        async move {
            let answer = reviews
                .create(&PostParams::default(), &review)
                .await
                .unwrap();
            answer.status.map(|s| s.allowed).unwrap_or(false)
        }
    };
    assert!(can("watch", "ml.sigstore.dev", "modelvalidations", "").await);
    assert!(can("patch", "ml.sigstore.dev", "modelvalidations", "status").await);
    assert!(can("list", "", "pods", "").await);
    assert!(can("create", "events.k8s.io", "events", "").await);
    assert!(
        !can("update", "", "pods", "").await,
        "the operator must not update pods"
    );
    assert!(
        !can("patch", "", "pods", "").await,
        "the operator must not patch pods"
    );
    assert!(
        !can("get", "", "secrets", "").await,
        "the operator must not read secrets"
    );
    assert!(
        !can("update", "ml.sigstore.dev", "modelvalidations", "").await,
        "spec is the user's"
    );
    let who = installed.operator.lock().await.log();
    assert!(
        !who.contains("forbidden"),
        "the operator hit RBAC denials:\n{who}"
    );
}

/// Replicas of the self-signed mode started together race to create the TLS Secret: every one of
/// them serves a certificate at once (the losers read the winner's Secret after their 409), none
/// waits for its next check, an hour away here. Several rounds, so that the race really happens.
#[tokio::test]
async fn replicas_racing_for_the_self_signed_secret_all_serve_at_once() {
    use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
    use k8s_openapi::api::core::v1::Secret;
    use model_validation_operator::self_signed::{self, SelfSignedConfig};
    use model_validation_operator::tls::ReloadingResolver;
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    let namespace = "self-signed-race";
    create_namespace(&admin, namespace, &[]).await.unwrap();
    const REPLICAS: usize = 3;
    for round in 0..4 {
        let webhook_config_name = format!("self-signed-race-{round}");
        let config: MutatingWebhookConfiguration = serde_json::from_value(serde_json::json!({
            "metadata": {"name": webhook_config_name}, "webhooks": []
        }))
        .unwrap();
        Api::<MutatingWebhookConfiguration>::all(admin.clone())
            .create(&PostParams::default(), &config)
            .await
            .unwrap();
        let config = SelfSignedConfig {
            namespace: namespace.to_owned(),
            secret_name: format!("webhook-tls-{round}"),
            service_name: "model-validation-webhook".to_owned(),
            webhook_config_name,
        };
        let resolvers: Vec<_> = (0..REPLICAS)
            .map(|_| ReloadingResolver::new(None))
            .collect();
        let tasks: Vec<_> = resolvers
            .iter()
            .map(|resolver| {
                tokio::spawn(self_signed::run(
                    admin.clone(),
                    config.clone(),
                    resolver.clone(),
                    std::time::Duration::from_secs(3600),
                ))
            })
            .collect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while resolvers.iter().any(|r| !r.is_ready()) {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: {} of {REPLICAS} replicas serve no certificate a minute after start",
                resolvers.iter().filter(|r| !r.is_ready()).count()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for task in tasks {
            task.abort();
        }
        let secret = Api::<Secret>::namespaced(admin.clone(), namespace)
            .get(&config.secret_name)
            .await
            .unwrap();
        assert!(secret.data.unwrap().contains_key("tls.crt"));
    }
}

// ---- issue 20: policies that select the pods ----

/// A sigstore CR for the fixture model that governs claim `model-storage` in `mode`.
fn governing_cr(name: &str, dir: &str, mode: &str) -> ModelValidation {
    let mut cr = sigstore_cr(name, dir, SIGSTORE_IDENTITY);
    cr.spec.governs =
        Some(serde_json::from_value(serde_json::json!({"claimNames": ["model-storage"]})).unwrap());
    cr.spec.mode = Some(serde_json::from_value(serde_json::json!(mode)).unwrap());
    cr
}

/// The workshop pod without the validation label.
fn unlabelled_pod(name: &str) -> Pod {
    let mut pod = workshop_pod(name, "unused");
    pod.metadata.labels = Some([("app".to_owned(), "inference".to_owned())].into());
    pod
}

/// Waits until the operator has written `claim` into the governed-pods entry of the webhook
/// configuration, then until the API server applies it (a dry run of `probe` gets the
/// verifier, or under Audit the governed label).
async fn wait_governed(admin: &kube::Client, ns: &str, probe: &Pod) {
    use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
    use model_validation_operator::webhook_scope::GOVERNED_WEBHOOK;
    let configs: Api<MutatingWebhookConfiguration> = Api::all(admin.clone());
    let pods: Api<Pod> = Api::namespaced(admin.clone(), ns);
    let dry_run = PostParams {
        dry_run: true,
        ..Default::default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let config = configs.get(WEBHOOK_CONFIG).await.unwrap();
        let expression = config
            .webhooks
            .iter()
            .flatten()
            .find(|w| w.name == GOVERNED_WEBHOOK)
            .and_then(|w| w.match_conditions.clone())
            .unwrap_or_default()
            .first()
            .map(|c| c.expression.clone())
            .unwrap_or_default();
        if expression.contains("'model-storage'") {
            let created = pods.create(&dry_run, probe).await.unwrap();
            let governed = created
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(GOVERNED_LABEL));
            if governed {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the governed claim did not reach the webhook after 30 s; match condition: {expression}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Issue 20: leaving the label off no longer bypasses a policy that governs the storage. An
/// unlabelled pod declaring the governed claim gets the verifier and is verified; the status
/// counts it.
#[tokio::test]
async fn an_unlabelled_pod_mounting_a_governed_pvc_is_verified() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    let ns = "governed";
    create_namespace(&admin, ns, &[]).await.unwrap();
    let mvs = create_cr(&admin, ns, &governing_cr("platform", "model", "Enforce")).await;
    wait_governed(&admin, ns, &unlabelled_pod("probe")).await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), ns);
    let pod = pods
        .create(&PostParams::default(), &unlabelled_pod("workload"))
        .await
        .unwrap();
    assert_eq!(init_container_names(&pod), [VERIFIER_CONTAINER]);

    let pvc = volume_dir(installed, ns);
    copy_sigstore_model(&pvc.join("model"));
    let runs = kubelet(installed, ns)
        .volume("model-storage", &pvc)
        .run_pod(&pods, "workload")
        .await
        .unwrap();
    assert_eq!(runs[0].exit_code, 0, "{}", runs[0].output);
    let status = wait_status(&mvs, "platform", "verifiedPods == 1", |s| {
        s.verified_pods == 1
    })
    .await;
    assert_eq!(status.recent_verdicts[0].pod, "workload");
}

/// A ClusterModelValidation governs the claim in the namespaces it selects; a label naming a
/// weaker (Audit) namespaced policy does not keep its verifier out.
#[tokio::test]
async fn a_cluster_policy_verifies_pods_in_selected_namespaces_whatever_their_label() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    let ns = "cluster-governed";
    create_namespace(&admin, ns, &[("team", "ml")])
        .await
        .unwrap();
    create_namespace(&admin, "cluster-ungoverned", &[])
        .await
        .unwrap();
    let policy = governing_cr("platform-models", "model", "Enforce");
    let cmv: ClusterModelValidation = serde_json::from_value(serde_json::json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ClusterModelValidation",
        "metadata": {"name": "platform-models"},
        "spec": {"namespaceSelector": {"matchLabels": {"team": "ml"}},
                 "model": policy.spec.model, "config": policy.spec.config,
                 "governs": policy.spec.governs}
    }))
    .unwrap();
    Api::<ClusterModelValidation>::all(admin.clone())
        .create(&PostParams::default(), &cmv)
        .await
        .unwrap();
    create_cr(&admin, ns, &governing_cr("weak", "model", "Audit")).await;
    wait_governed(&admin, ns, &unlabelled_pod("probe")).await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), ns);
    let labelled_weak = workshop_pod("labelled-weak", "weak");
    let pod = pods
        .create(&PostParams::default(), &labelled_weak)
        .await
        .unwrap();
    assert_eq!(init_container_names(&pod), [VERIFIER_CONTAINER]);
    // Outside the selected namespaces the claim is not governed.
    let other: Api<Pod> = Api::namespaced(admin.clone(), "cluster-ungoverned");
    let pod = other
        .create(&PostParams::default(), &unlabelled_pod("free"))
        .await
        .unwrap();
    assert!(init_container_names(&pod).is_empty());
}

/// Warn: admitted with a warning that kubectl prints; the verifier reports a tampered model
/// and exits 0 (the workload starts); the status says it failed.
#[tokio::test]
async fn warn_admits_with_a_warning_kubectl_prints_and_reports_without_blocking() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    let ns = "warned";
    create_namespace(&admin, ns, &[]).await.unwrap();
    let mvs = create_cr(&admin, ns, &governing_cr("warn-policy", "model", "Warn")).await;
    wait_governed(&admin, ns, &unlabelled_pod("probe")).await;

    let kubeconfig = installed.cluster.work.join("admin.kubeconfig");
    installed
        .cluster
        .env
        .write_kubeconfig(&kube_testenv::Identity::Admin, &kubeconfig)
        .unwrap();
    let mut pod = serde_json::to_value(unlabelled_pod("workload")).unwrap();
    pod["metadata"]["namespace"] = serde_json::json!(ns);
    let kubectl = std::env::var_os("KUBE_TESTENV_BIN_DIR")
        .map(|d| Path::new(&d).join("kubectl"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| "kubectl".into());
    let mut child = std::process::Command::new(&kubectl)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        // Its discovery cache beside the kubeconfig, not in ~/.kube/cache.
        .arg(format!(
            "--cache-dir={}",
            kubeconfig.with_file_name("kube-cache").display()
        ))
        .args(["create", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", kubectl.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pod.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kubectl: {stderr}");
    assert!(
        stderr.contains("Warning: ModelValidation warned/warn-policy is in Warn mode"),
        "kubectl printed: {stderr}"
    );

    let pvc = volume_dir(installed, ns);
    copy_sigstore_model(&pvc.join("model"));
    let mut signed = std::fs::OpenOptions::new()
        .append(true)
        .open(pvc.join("model/signme-1"))
        .unwrap();
    writeln!(signed, "BACKDOOR").unwrap();
    drop(signed);
    let pods: Api<Pod> = Api::namespaced(admin.clone(), ns);
    let runs = kubelet(installed, ns)
        .volume("model-storage", &pvc)
        .run_pod(&pods, "workload")
        .await
        .unwrap();
    assert_eq!(
        runs[0].exit_code, 0,
        "Warn does not block: {}",
        runs[0].output
    );
    assert!(
        runs[0].termination_message.contains("signme-1"),
        "{}",
        runs[0].termination_message
    );
    let status = wait_status(&mvs, "warn-policy", "failedPods == 1", |s| {
        s.failed_pods == 1
    })
    .await;
    assert!(
        status.recent_verdicts[0]
            .reason
            .contains("pod started anyway (Warn)"),
        "{:?}",
        status.recent_verdicts
    );
}

/// Audit: nothing is injected; the status and an Event say which pods in scope admission
/// under Enforce would refuse, and why.
#[tokio::test]
async fn audit_reports_without_injecting() {
    let Some(installed) = installed().await else {
        return;
    };
    let admin = installed.cluster.admin().await.unwrap();
    let ns = "audited";
    create_namespace(&admin, ns, &[]).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(admin.clone(), ns);
    // Running before the policy exists: one a policy would admit, one it would refuse (a decoy
    // volume where the model should be).
    pods.create(&PostParams::default(), &unlabelled_pod("fine"))
        .await
        .unwrap();
    let mut decoy = serde_json::to_value(unlabelled_pod("decoy")).unwrap();
    decoy["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "decoy", "image": "busybox",
            "volumeMounts": [{"name": "scratch", "mountPath": "/data"}]}));
    decoy["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "scratch", "emptyDir": {}}));
    pods.create(&PostParams::default(), &pod_from(decoy))
        .await
        .unwrap();
    let mvs = create_cr(&admin, ns, &governing_cr("audit-policy", "model", "Audit")).await;
    wait_governed(&admin, ns, &unlabelled_pod("probe")).await;
    let after = pods
        .create(&PostParams::default(), &unlabelled_pod("after"))
        .await
        .unwrap();
    assert!(
        init_container_names(&after).is_empty(),
        "Audit injects nothing"
    );
    let status = wait_status(&mvs, "audit-policy", "1 would refuse, 2 unverified", |s| {
        s.would_refuse_pods == 1 && s.unverified_pods == 2
    })
    .await;
    let refused = status
        .recent_verdicts
        .iter()
        .find(|v| v.pod == "decoy")
        .unwrap();
    assert_eq!(refused.result, "WouldRefuse");
    assert!(refused.reason.contains("\"decoy\""), "{refused:?}");
    let note = wait_event(&admin, ns, "Pod", "decoy", "ModelValidationWouldRefuse").await;
    assert!(note.contains("decoy"), "{note}");
}
