//! The controller: for each `ModelValidation`, read the verdicts of its labelled pods into the
//! status (server-side apply), announce new verdicts as Events, count them in the metrics.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, ObjectReference, Pod};
use kube::api::{ListParams, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};

use std::collections::BTreeMap;

use crate::audit;
use crate::crd::{ClusterModelValidation, ModelValidation, ModelValidationStatus, PodVerdict};
use crate::metrics::Metrics;
use crate::scope::{self, Policy};
use crate::settings::Settings;
use crate::status::{self, FAILED, STALE, VERIFIED, WOULD_REFUSE};
use crate::{GOVERNED_LABEL, MODEL_LABEL};

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

/// Runs the controllers of both kinds until their streams end (shutdown signal).
pub async fn run(
    client: Client,
    metrics: Arc<Metrics>,
    settings: Arc<Settings>,
    instance: Option<String>,
) {
    futures::join!(
        run_namespaced(
            client.clone(),
            metrics.clone(),
            settings.clone(),
            instance.clone()
        ),
        run_cluster(client, metrics, settings, instance),
    );
}

/// The `ModelValidation` controller.
async fn run_namespaced(
    client: Client,
    metrics: Arc<Metrics>,
    settings: Arc<Settings>,
    instance: Option<String>,
) {
    let mvs: Api<ModelValidation> = Api::all(client.clone());
    let pods: Api<Pod> = Api::all(client.clone());
    let controller = Controller::new(mvs, watcher::Config::default());
    let store = controller.store();
    let selecting = store.clone();
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
        // Pods a policy selected by their claims: the selecting policies of their namespace.
        .watches(
            Api::<Pod>::all(context.client.clone()),
            watcher::Config::default().labels(GOVERNED_LABEL),
            move |pod| {
                let namespace = pod.namespace().unwrap_or_default();
                selecting
                    .state()
                    .iter()
                    .filter(|mv| {
                        mv.spec.governs.is_some()
                            && mv.metadata.namespace.as_deref() == Some(namespace.as_str())
                    })
                    .map(|mv| ObjectRef::from_obj(mv.as_ref()))
                    .collect::<Vec<_>>()
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
    // A selecting policy governs unlabelled pods too: list the namespace and keep its scope.
    let params = match mv.spec.governs {
        Some(_) => ListParams::default(),
        None => ListParams::default().labels(&format!("{MODEL_LABEL}={name}")),
    };
    let listed = pods.list(&params).await?;
    let verdicts = audit::verdicts(
        &Policy::namespaced(&mv),
        &listed.items,
        &BTreeMap::new(),
        &ctx.settings,
    );
    let now = now();
    let new_status = status::build_status(&mv, &verdicts, &now);
    let announce: Vec<PodVerdict> = status::new_final_verdicts(mv.status.as_ref(), &verdicts)
        .into_iter()
        .cloned()
        .collect();
    if mv.status.as_ref() != Some(&new_status) {
        let api: Api<ModelValidation> = Api::namespaced(ctx.client.clone(), &namespace);
        apply_status::<ModelValidation>(&api, &name, &new_status).await?;
    }
    for verdict in &announce {
        ctx.metrics.count_verification(&verdict.result);
        publish(&ctx.recorder, &mv.object_ref(&()), &namespace, verdict).await;
    }
    Ok(Action::requeue(RESYNC))
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn apply_status<K>(
    api: &Api<K>,
    name: &str,
    status: &ModelValidationStatus,
) -> Result<(), Error>
where
    K: Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let body = serde_json::json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "status": status,
    });
    api.patch_status(
        name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await?;
    Ok(())
}

struct ClusterContext {
    client: Client,
    recorder: Recorder,
    metrics: Arc<Metrics>,
    settings: Arc<Settings>,
}

/// The status of a `ClusterModelValidation`: the pods it governs in every namespace its
/// selector picks.
async fn reconcile_cluster(
    cmv: Arc<ClusterModelValidation>,
    ctx: Arc<ClusterContext>,
) -> Result<Action, Error> {
    let Some(name) = cmv.metadata.name.clone() else {
        return Err(Error::Unnamed);
    };
    let policy = Policy::cluster(&cmv);
    let namespaces: Api<Namespace> = Api::all(ctx.client.clone());
    let params = match cmv.spec.namespace_selector.as_ref() {
        Some(selector) => match scope::selector_string(selector) {
            Some(s) => ListParams::default().labels(&s),
            None => ListParams::default(),
        },
        None => ListParams::default(),
    };
    let mut verdicts = Vec::new();
    for ns in namespaces.list_metadata(&params).await?.items {
        let (Some(ns_name), labels) = (ns.metadata.name, ns.metadata.labels.unwrap_or_default())
        else {
            continue;
        };
        if !policy
            .namespace_selector
            .is_none_or(|s| scope::matches(s, &labels))
        {
            continue;
        }
        let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &ns_name);
        let listed = pods.list(&ListParams::default()).await?;
        verdicts.extend(audit::verdicts(
            &policy,
            &listed.items,
            &labels,
            &ctx.settings,
        ));
    }
    verdicts.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.pod.cmp(&b.pod)));
    // build_status reads the policy's spec, name, generation and previous status only.
    let as_namespaced = ModelValidation {
        metadata: kube::api::ObjectMeta {
            name: Some(name.clone()),
            generation: cmv.metadata.generation,
            ..Default::default()
        },
        spec: cmv.spec.policy.clone(),
        status: cmv.status.clone(),
    };
    let new_status = status::build_status(&as_namespaced, &verdicts, &now());
    let announce: Vec<PodVerdict> = status::new_final_verdicts(cmv.status.as_ref(), &verdicts)
        .into_iter()
        .cloned()
        .collect();
    if cmv.status.as_ref() != Some(&new_status) {
        let api: Api<ClusterModelValidation> = Api::all(ctx.client.clone());
        apply_status::<ClusterModelValidation>(&api, &name, &new_status).await?;
    }
    for verdict in &announce {
        ctx.metrics.count_verification(&verdict.result);
        let namespace = verdict
            .pod
            .split_once('/')
            .map(|(ns, _)| ns)
            .unwrap_or("default");
        publish(&ctx.recorder, &cmv.object_ref(&()), namespace, verdict).await;
    }
    Ok(Action::requeue(RESYNC))
}

/// Runs the `ClusterModelValidation` controller until the stream ends.
pub async fn run_cluster(
    client: Client,
    metrics: Arc<Metrics>,
    settings: Arc<Settings>,
    instance: Option<String>,
) {
    let cmvs: Api<ClusterModelValidation> = Api::all(client.clone());
    let pods: Api<Pod> = Api::all(client.clone());
    let controller = Controller::new(cmvs, watcher::Config::default());
    let store = controller.store();
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: MANAGER.to_owned(),
            instance,
        },
    );
    let context = Arc::new(ClusterContext {
        client,
        recorder,
        metrics,
        settings,
    });
    controller
        // Pods a policy selected carry the governed label: every cluster policy may own them.
        .watches(
            pods,
            watcher::Config::default().labels(GOVERNED_LABEL),
            move |_pod| {
                store
                    .state()
                    .iter()
                    .map(|c| ObjectRef::from_obj(c.as_ref()))
                    .collect::<Vec<_>>()
            },
        )
        .shutdown_on_signal()
        .run(reconcile_cluster, cluster_error_policy, context)
        .for_each(|result| async move {
            if let Err(err) = result {
                tracing::warn!("reconcile: {err}");
            }
        })
        .await;
}

fn cluster_error_policy(
    _cmv: Arc<ClusterModelValidation>,
    err: &Error,
    _ctx: Arc<ClusterContext>,
) -> Action {
    tracing::warn!("reconcile failed, retrying: {err}");
    Action::requeue(Duration::from_secs(15))
}

/// `ModelVerified` / `ModelVerificationFailed` / `ModelVerificationStale` on the pod and the CR.
async fn publish(
    recorder: &Recorder,
    policy: &ObjectReference,
    namespace: &str,
    verdict: &PodVerdict,
) {
    let (type_, reason) = match verdict.result.as_str() {
        VERIFIED => (EventType::Normal, "ModelVerified"),
        FAILED => (EventType::Warning, "ModelVerificationFailed"),
        STALE => (EventType::Warning, "ModelVerificationStale"),
        WOULD_REFUSE => (EventType::Warning, "ModelValidationWouldRefuse"),
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
    let pod_name = verdict
        .pod
        .split_once('/')
        .map(|(_, n)| n)
        .unwrap_or(&verdict.pod);
    let pod_ref = ObjectReference {
        api_version: Some("v1".to_owned()),
        kind: Some("Pod".to_owned()),
        name: Some(pod_name.to_owned()),
        namespace: Some(namespace.to_owned()),
        uid: Some(verdict.uid.clone()),
        ..ObjectReference::default()
    };
    for reference in [&pod_ref, policy] {
        if let Err(err) = recorder.publish(&event, reference).await {
            tracing::warn!("cannot publish event {reason}: {err}");
        }
    }
}

fn error_policy(_mv: Arc<ModelValidation>, err: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!("reconcile failed, retrying: {err}");
    Action::requeue(Duration::from_secs(15))
}
