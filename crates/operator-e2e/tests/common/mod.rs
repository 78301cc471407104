//! Shared by the e2e test binaries: one installed cluster + operator per binary, models on local
//! folders standing in for PVCs, and waiting for the operator's status.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, ListParams, PostParams};
use model_validation_operator::crd::{ModelValidation, ModelValidationStatus};
use operator_e2e::cluster::Cluster;
use operator_e2e::kubelet_simulation::KubeletSimulation;
use operator_e2e::operator_process::OperatorProcess;

pub const SIGSTORE_IDENTITY: &str = "stefanb@us.ibm.com";
pub const SIGSTORE_ISSUER: &str = "https://sigstore.verify.ibm.com/oauth2";

pub struct Installed {
    pub cluster: Cluster,
    pub operator: tokio::sync::Mutex<OperatorProcess>,
}

/// The control plane of this test binary with the operator running, or `None` when a developer
/// skipped control-plane tests with KUBE_TESTENV_SKIP.
pub async fn installed() -> Option<&'static Installed> {
    static INSTALLED: tokio::sync::OnceCell<Installed> = tokio::sync::OnceCell::const_new();
    if let Some(reason) = kube_testenv::skip_requested() {
        eprintln!("{reason}");
        return None;
    }
    let installed = INSTALLED
        .get_or_try_init(|| async {
            let started = Instant::now();
            let cluster = Cluster::install().await?;
            let operator = cluster.start_operator(operator_e2e::cluster::WEBHOOK_CONFIG).await?;
            let times = cluster.env.startup_times();
            eprintln!(
                "control plane: etcd ready in {:?}, kube-apiserver in {:?}; installed with the operator in {:?}",
                times.etcd,
                times.kube_apiserver,
                started.elapsed()
            );
            anyhow::Ok(Installed {
                cluster,
                operator: tokio::sync::Mutex::new(operator),
            })
        })
        .await
        .unwrap_or_else(|e| panic!("installing the operator on a real control plane: {e:#}"));
    Some(installed)
}

/// The sigstore-signed model of the fixtures (public-good Sigstore, signed by
/// stefanb@us.ibm.com), copied to `dest`.
pub fn copy_sigstore_model(dest: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore-v1.1.0");
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dest.join(entry.file_name());
        std::fs::copy(entry.path(), &to).unwrap();
        let mut perms = std::fs::metadata(&to).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&to, perms).unwrap();
    }
}

/// A folder standing in for a PVC, under the control plane's temporary directory.
pub fn volume_dir(installed: &Installed, name: &str) -> PathBuf {
    let dir = installed.cluster.work.join("volumes").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn kubelet(installed: &Installed, name: &str) -> KubeletSimulation {
    let sandbox = installed.cluster.work.join("kubelet-simulation").join(name);
    std::fs::create_dir_all(&sandbox).unwrap();
    KubeletSimulation::new(&installed.cluster.bins.model_signing, &sandbox)
}

/// Polls the CR's status until `done` holds (the operator writes it asynchronously).
pub async fn wait_status(
    api: &Api<ModelValidation>,
    name: &str,
    what: &str,
    done: impl Fn(&ModelValidationStatus) -> bool,
) -> ModelValidationStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mv = api.get(name).await.unwrap();
        if let Some(status) = mv.status.as_ref().filter(|s| done(s)) {
            return status.clone();
        }
        assert!(
            Instant::now() < deadline,
            "CR {name}: {what} not reached after 30 s; status now: {}",
            serde_json::to_string_pretty(&mv.status).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Polls until an event with `reason` regarding object `regarding_name` exists; returns its note.
pub async fn wait_event(
    client: &kube::Client,
    ns: &str,
    regarding_kind: &str,
    regarding_name: &str,
    reason: &str,
) -> String {
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = events.list(&ListParams::default()).await.unwrap();
        let found = list.items.iter().find(|e| {
            e.reason.as_deref() == Some(reason)
                && e.regarding.as_ref().is_some_and(|r| {
                    r.kind.as_deref() == Some(regarding_kind)
                        && r.name.as_deref() == Some(regarding_name)
                })
        });
        if let Some(e) = found {
            return e.note.clone().unwrap_or_default();
        }
        assert!(
            Instant::now() < deadline,
            "no {reason} event for {regarding_kind} {regarding_name} in {ns} after 30 s; events: {:?}",
            list.items.iter().map(|e| (&e.reason, &e.note)).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub fn pod_from(json: serde_json::Value) -> Pod {
    serde_json::from_value(json).unwrap()
}

pub fn cr_from(json: serde_json::Value) -> ModelValidation {
    serde_json::from_value(json).unwrap()
}

pub async fn create_cr(
    client: &kube::Client,
    ns: &str,
    cr: &ModelValidation,
) -> Api<ModelValidation> {
    let api: Api<ModelValidation> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), cr).await.unwrap();
    api
}

/// A labelled pod whose container `inference` mounts volume `model-storage` (PVC `model-storage`)
/// at /data: the workshop's shape.
pub fn workshop_pod(name: &str, cr: &str) -> Pod {
    pod_from(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"validation.ml.sigstore.dev/ml": cr}},
        "spec": {
            "containers": [{"name": "inference", "image": "nginx:alpine",
                            "volumeMounts": [{"name": "model-storage", "mountPath": "/data"}]}],
            "volumes": [{"name": "model-storage", "persistentVolumeClaim": {"claimName": "model-storage"}}]
        }
    }))
}

/// A sigstore CR for the fixture model at /data/<dir>.
pub fn sigstore_cr(name: &str, dir: &str, identity: &str) -> ModelValidation {
    cr_from(serde_json::json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
        "metadata": {"name": name},
        "spec": {
            "model": {"path": format!("/data/{dir}"), "signaturePath": format!("/data/{dir}/model.sig")},
            "config": {"sigstoreConfig": {"certificateIdentity": identity, "certificateOidcIssuer": SIGSTORE_ISSUER}}
        }
    }))
}
