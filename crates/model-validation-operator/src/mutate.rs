//! The webhook's decision for one pod: allow unchanged, patch in the verifier, or deny.
//! Pure: no I/O, no clock; the same pod, CR and settings always give the same answer, and
//! applying the patch and deciding again gives `Allow` (reinvocation is idempotent).

use std::collections::BTreeMap;

use json_patch::Patch;
use k8s_openapi::api::core::v1::{Pod, PodSpec, Volume};
use serde_json::{json, Value};

use crate::crd::ModelValidation;
use crate::init_order;
use crate::injection::{self, Injection};
use crate::scope::Policy;
use crate::settings::Settings;
use crate::{AUTH_METHOD_ANNOTATION, INJECTED_HASH_ANNOTATION, MODEL_LABEL, VERIFIER_CONTAINER};

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Admit unchanged (not labelled, or already carrying exactly our injection).
    Allow(String),
    /// Admit with this JSON patch applied.
    Patch(Patch),
    /// Refuse, with a message for the pod's author.
    Deny(String),
}

/// What the webhook does with a pod being created. `mv` is the `ModelValidation` named by the
/// pod's label, looked up in the pod's namespace (`None` when it does not exist).
pub fn decide(pod: &Pod, mv: Option<&ModelValidation>, settings: &Settings) -> Decision {
    match plan(pod, mv, settings) {
        Ok(Some(ops)) if ops.is_empty() => {
            Decision::Allow("the model-validation init container is already injected".into())
        }
        Ok(Some(ops)) => to_patch(ops),
        Ok(None) => Decision::Allow(format!("pod has no {MODEL_LABEL} label")),
        Err(message) => Decision::Deny(message),
    }
}

/// The JSON patch operations, `None` for an unlabelled pod.
fn plan(
    pod: &Pod,
    mv: Option<&ModelValidation>,
    settings: &Settings,
) -> Result<Option<Vec<Value>>, String> {
    let Some(mv) = labelled_policy(pod, mv)? else {
        return Ok(None);
    };
    plan_for(pod, &Policy::namespaced(mv), settings).map(|planned| Some(planned.ops))
}

/// The `ModelValidation` the pod's label names (`mv`, as looked up), checked as the label path
/// always checked it; `Ok(None)` for a pod without the label.
pub fn labelled_policy<'a>(
    pod: &Pod,
    mv: Option<&'a ModelValidation>,
) -> Result<Option<&'a ModelValidation>, String> {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let Some(cr_name) = labels.get(MODEL_LABEL) else {
        return Ok(None);
    };
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    if cr_name.is_empty() {
        return Err(format!(
            "pod label {MODEL_LABEL} is empty: set it to the name of a ModelValidation in \
             namespace {namespace:?}"
        ));
    }
    check_reserved_names(pod)?;
    let Some(mv) = mv else {
        return Err(format!(
            "ModelValidation {cr_name:?} not found in namespace {namespace:?} (named by the \
             pod's {MODEL_LABEL} label); create it before the pod"
        ));
    };
    let mv_namespace = mv.metadata.namespace.as_deref().unwrap_or_default();
    let mv_name = mv.metadata.name.as_deref().unwrap_or_default();
    if mv_namespace != namespace || mv_name != cr_name.as_str() {
        return Err(format!(
            "the pod in namespace {namespace:?} names ModelValidation {cr_name:?}, but was \
             given {mv_namespace}/{mv_name}: a ModelValidation only governs pods in its own \
             namespace"
        ));
    }
    Ok(Some(mv))
}

/// A pod's containers (regular or ephemeral) may not take the verifier's name.
fn check_reserved_names(pod: &Pod) -> Result<(), String> {
    let spec = pod.spec.as_ref().ok_or("pod has no spec")?;
    let ephemeral = spec.ephemeral_containers.iter().flatten().map(|c| &c.name);
    if spec
        .containers
        .iter()
        .map(|c| &c.name)
        .chain(ephemeral)
        .any(|n| n == VERIFIER_CONTAINER)
    {
        return Err(reserved_name_message());
    }
    Ok(())
}

/// The patch `policy` asks for, and the hash of the verifier it injects.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub ops: Vec<Value>,
    pub hash: String,
}

/// The decision for `pod` under `policy` alone, however the policy reached it (label or
/// selection): the label checks of [`decide`] are left to the caller.
pub fn decide_for(pod: &Pod, policy: &Policy<'_>, settings: &Settings) -> Decision {
    match plan_for(pod, policy, settings) {
        Ok(planned) if planned.ops.is_empty() => {
            Decision::Allow("the model-validation init container is already injected".into())
        }
        Ok(planned) => to_patch(planned.ops),
        Err(message) => Decision::Deny(message),
    }
}

pub(crate) fn to_patch(ops: Vec<Value>) -> Decision {
    match serde_json::from_value::<Patch>(Value::Array(ops)) {
        Ok(patch) => Decision::Patch(patch),
        Err(err) => Decision::Deny(format!("internal error building the patch: {err}")),
    }
}

/// The operations that inject `policy`'s verifier into `pod` (none when it is there already).
pub fn plan_for(pod: &Pod, policy: &Policy<'_>, settings: &Settings) -> Result<Planned, String> {
    check_reserved_names(pod)?;
    let spec = pod.spec.as_ref().ok_or("pod has no spec")?;
    let injection = injection::build_for(pod, policy, settings)?;
    let annotations = pod.metadata.annotations.clone().unwrap_or_default();
    let read_only = policy.spec.read_only_model_mounts != Some(false);
    let mut ops = init_order::ops(spec, &injection, &annotations, read_only)?;
    ops.extend(volume_ops(spec, &injection.volumes)?);
    if read_only {
        ops.extend(read_only_ops(spec, &injection));
    }
    let wanted = BTreeMap::from([
        (INJECTED_HASH_ANNOTATION, injection.hash.as_str()),
        (AUTH_METHOD_ANNOTATION, injection.auth_method),
    ]);
    ops.extend(annotation_ops(
        &annotations,
        pod.metadata.annotations.is_none(),
        &wanted,
    ));
    Ok(Planned {
        ops,
        hash: injection.hash,
    })
}

pub(crate) fn reserved_name_message() -> String {
    format!(
        "the container name {VERIFIER_CONTAINER:?} is reserved for the model verifier that \
         the operator injects; rename the pod's container"
    )
}

/// A trust volume as the operator wrote it: the API server adds `defaultMode` when it stores it.
fn without_defaults(v: &Volume) -> Volume {
    let mut v = v.clone();
    if let Some(c) = v.config_map.as_mut() {
        c.default_mode = None;
    }
    if let Some(s) = v.secret.as_mut() {
        s.default_mode = None;
    }
    v
}

fn volume_ops(spec: &PodSpec, wanted: &[Volume]) -> Result<Vec<Value>, String> {
    let existing = spec.volumes.as_deref().unwrap_or_default();
    let mut missing = Vec::new();
    for volume in wanted {
        match existing.iter().find(|v| v.name == volume.name) {
            Some(v) if without_defaults(v) == *volume => {}
            Some(_) => {
                return Err(format!(
                    "the pod declares a volume named {:?}, which is reserved for the verifier's \
                     trust material",
                    volume.name
                ))
            }
            None => missing.push(serde_json::to_value(volume).map_err(|e| e.to_string())?),
        }
    }
    if missing.is_empty() {
        return Ok(vec![]);
    }
    if spec.volumes.is_none() {
        return Ok(vec![
            json!({"op": "add", "path": "/spec/volumes", "value": missing}),
        ]);
    }
    Ok(missing
        .into_iter()
        .map(|v| json!({"op": "add", "path": "/spec/volumes/-", "value": v}))
        .collect())
}

/// Every regular container's mounts of the model's storage become read-only (they all start
/// after the verifier).
fn read_only_ops(spec: &PodSpec, injection: &Injection) -> Vec<Value> {
    let mut ops = Vec::new();
    for (i, container) in spec.containers.iter().enumerate() {
        for (j, mount) in container.volume_mounts.iter().flatten().enumerate() {
            if mount.read_only != Some(true) && injection.touches(spec, mount) {
                ops.push(json!({
                    "op": "add",
                    "path": format!("/spec/containers/{i}/volumeMounts/{j}/readOnly"),
                    "value": true,
                }));
            }
        }
    }
    ops
}

pub(crate) fn annotation_ops(
    existing: &BTreeMap<String, String>,
    absent: bool,
    wanted: &BTreeMap<&str, &str>,
) -> Vec<Value> {
    let changed: BTreeMap<&str, &str> = wanted
        .iter()
        .filter(|(k, v)| existing.get(**k).map(String::as_str) != Some(**v))
        .map(|(k, v)| (*k, *v))
        .collect();
    if changed.is_empty() {
        return vec![];
    }
    if absent {
        return vec![json!({"op": "add", "path": "/metadata/annotations", "value": changed})];
    }
    changed
        .iter()
        .map(|(k, v)| {
            json!({
                "op": "add",
                "path": format!("/metadata/annotations/{}", escape_pointer(k)),
                "value": v,
            })
        })
        .collect()
}

/// RFC 6901 escaping of one JSON pointer token.
fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
