//! The controller: for each `ModelValidation`, read the verdicts of its labelled pods into the
//! status (server-side apply), announce new verdicts as Events, count them in the metrics.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ObjectReference, Pod};
use kube::api::{ListParams, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};

use crate::crd::{ModelValidation, PodVerdict};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::status::{self, FAILED, STALE, VERIFIED};
use crate::MODEL_LABEL;

/// The field manager of the status apply.
pub const MANAGER: &str = "model-validation-operator";
const RESYNC: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("ModelValidation without namespace or name")]
    Unnamed,
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
}

struct Context {
    client: Client,
    recorder: Recorder,
    metrics: Arc<Metrics>,
    store: kube::runtime::reflector::Store<ModelValidation>,
    /// The webhook's settings: a verdict counts only for the injection they produce.
    settings: Arc<Settings>,
}

/// Runs until the stream ends (shutdown signal).
pub async fn run(
    client: Client,
    metrics: Arc<Metrics>,
    settings: Arc<Settings>,
    instance: Option<String>,
) {
    let mvs: Api<ModelValidation> = Api::all(client.clone());
    let pods: Api<Pod> = Api::all(client.clone());
    let controller = Controller::new(mvs, watcher::Config::default());
    let store = controller.store();
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: MANAGER.to_owned(),
            instance,
        },
    );
    let context = Arc::new(Context {
        client,
        recorder,
        metrics,
        store,
        settings,
    });
    controller
        // Only labelled pods: the cache never holds the rest of the cluster's pods.
        .watches(
            pods,
            watcher::Config::default().labels(MODEL_LABEL),
            |pod| {
                let name = pod.labels().get(MODEL_LABEL)?.clone();
                Some(ObjectRef::<ModelValidation>::new(&name).within(&pod.namespace()?))
            },
        )
        .shutdown_on_signal()
        .run(reconcile, error_policy, context)
        .for_each(|result| async move {
            if let Err(err) = result {
                tracing::warn!("reconcile: {err}");
            }
        })
        .await;
}

async fn reconcile(mv: Arc<ModelValidation>, ctx: Arc<Context>) -> Result<Action, Error> {
    let (Some(namespace), Some(name)) = (mv.metadata.namespace.clone(), mv.metadata.name.clone())
    else {
        return Err(Error::Unnamed);
    };
    ctx.metrics.set_model_validations(ctx.store.state().len());
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &namespace);
    let listed = pods
        .list(&ListParams::default().labels(&format!("{MODEL_LABEL}={name}")))
        .await?;
    let verdicts = status::verdicts_from_pods(&listed.items, &mv, &ctx.settings);
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let new_status = status::build_status(&mv, &verdicts, &now);
    let announce: Vec<PodVerdict> = status::new_final_verdicts(mv.status.as_ref(), &verdicts)
        .into_iter()
        .cloned()
        .collect();
    if mv.status.as_ref() != Some(&new_status) {
        let api: Api<ModelValidation> = Api::namespaced(ctx.client.clone(), &namespace);
        let body = serde_json::json!({
            "apiVersion": ModelValidation::api_version(&()),
            "kind": ModelValidation::kind(&()),
            "status": new_status,
        });
        api.patch_status(
            &name,
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(&body),
        )
        .await?;
    }
    for verdict in &announce {
        ctx.metrics.count_verification(&verdict.result);
        publish(&ctx, &mv, &namespace, verdict).await;
    }
    Ok(Action::requeue(RESYNC))
}

/// `ModelVerified` / `ModelVerificationFailed` / `ModelVerificationStale` on the pod and the CR.
async fn publish(ctx: &Context, mv: &ModelValidation, namespace: &str, verdict: &PodVerdict) {
    let (type_, reason) = match verdict.result.as_str() {
        VERIFIED => (EventType::Normal, "ModelVerified"),
        FAILED => (EventType::Warning, "ModelVerificationFailed"),
        STALE => (EventType::Warning, "ModelVerificationStale"),
        _ => return,
    };
    let note = match verdict.result.as_str() {
        VERIFIED => format!("pod {}: model verified", verdict.pod),
        _ => format!("pod {}: {}", verdict.pod, verdict.reason),
    };
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note.chars().take(1000).collect()),
        action: "VerifyModel".to_owned(),
        secondary: None,
    };
    let pod_ref = ObjectReference {
        api_version: Some("v1".to_owned()),
        kind: Some("Pod".to_owned()),
        name: Some(verdict.pod.clone()),
        namespace: Some(namespace.to_owned()),
        uid: Some(verdict.uid.clone()),
        ..ObjectReference::default()
    };
    for reference in [pod_ref, mv.object_ref(&())] {
        if let Err(err) = ctx.recorder.publish(&event, &reference).await {
            tracing::warn!("cannot publish event {reason}: {err}");
        }
    }
}

fn error_policy(_mv: Arc<ModelValidation>, err: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!("reconcile failed, retrying: {err}");
    Action::requeue(Duration::from_secs(15))
}
