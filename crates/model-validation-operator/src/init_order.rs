//! Where the verifier goes among the pod's init containers, and what runs after it.
//!
//! Regular init containers run one by one to completion; a native sidecar (an init container
//! with `restartPolicy: Always`) starts in its turn and keeps running. So the verifier goes
//! right after the last regular init container that mounts the model's storage writable (a
//! downloader writes the model first), or else before the first native sidecar; a native
//! sidecar reaching the model's storage before that point is refused, and every init
//! container after the verifier gets the model's storage read-only.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde_json::{json, Value};

use crate::injection::Injection;
use crate::mutate::reserved_name_message;
use crate::{INJECTED_HASH_ANNOTATION, VERIFIER_CONTAINER};

fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// The patch operations on `/spec/initContainers`: insert the verifier, or keep, replace and
/// move one the operator injected before (reinvocation). A `model-validation` init container
/// that is not the operator's injection is refused, whatever the pod's annotations say.
pub fn ops(
    spec: &PodSpec,
    injection: &Injection,
    annotations: &BTreeMap<String, String>,
    read_only: bool,
) -> Result<Vec<Value>, String> {
    let inits = spec.init_containers.as_deref().unwrap_or_default();
    let mut named = inits
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name == VERIFIER_CONTAINER);
    let existing = named.next();
    if named.next().is_some() {
        return Err(reserved_name_message());
    }
    if let Some((_, c)) = existing {
        let recorded = annotations
            .get(INJECTED_HASH_ANNOTATION)
            .map(String::as_str);
        let same_spec = c.image == injection.container.image
            && c.command == injection.container.command
            && c.args == injection.container.args;
        let ours = injection.is(c) || (same_spec && Injection::is_earlier(c, recorded));
        if !ours {
            return Err(reserved_name_message());
        }
    }
    let others: Vec<&Container> = inits
        .iter()
        .filter(|c| c.name != VERIFIER_CONTAINER)
        .collect();
    let touches = |c: &Container| {
        c.volume_mounts
            .iter()
            .flatten()
            .any(|m| injection.touches(spec, m))
    };
    let writes = |c: &Container| {
        c.volume_mounts
            .iter()
            .flatten()
            .any(|m| m.read_only != Some(true) && injection.touches(spec, m))
    };
    let last_writer = others.iter().rposition(|c| !is_sidecar(c) && writes(c));
    let position = match last_writer {
        Some(w) => w + 1,
        None => others
            .iter()
            .position(|c| is_sidecar(c))
            .unwrap_or(others.len()),
    };
    if let Some(early) = others
        .iter()
        .take(position)
        .find(|c| is_sidecar(c) && touches(c))
    {
        let writer = last_writer
            .and_then(|w| others.get(w))
            .map(|c| c.name.as_str())
            .unwrap_or_default();
        return Err(format!(
            "native sidecar {:?} (restartPolicy: Always) mounts the model's storage and would \
             start before the verifier, which must run after init container {writer:?} (it \
             writes the model): declare {:?} after {writer:?}",
            early.name, early.name
        ));
    }

    let value = serde_json::to_value(&injection.container).map_err(|e| e.to_string())?;
    let mut ops = Vec::new();
    match existing {
        None if spec.init_containers.is_none() => {
            ops.push(json!({"op": "add", "path": "/spec/initContainers", "value": [value]}));
        }
        None => {
            ops.push(json!({"op": "add", "path": format!("/spec/initContainers/{position}"), "value": value}));
        }
        Some((i, c)) => {
            if !injection.is(c) {
                ops.push(json!({"op": "replace", "path": format!("/spec/initContainers/{i}"), "value": value}));
            }
            if i != position {
                ops.push(json!({
                    "op": "move",
                    "from": format!("/spec/initContainers/{i}"),
                    "path": format!("/spec/initContainers/{position}"),
                }));
            }
        }
    }
    if read_only {
        // In the final order the verifier sits at `position`; the containers after it follow.
        for (k, c) in others.iter().enumerate().skip(position) {
            for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                if m.read_only != Some(true) && injection.touches(spec, m) {
                    ops.push(json!({
                        "op": "add",
                        "path": format!("/spec/initContainers/{}/volumeMounts/{j}/readOnly", k + 1),
                        "value": true,
                    }));
                }
            }
        }
    }
    Ok(ops)
}
