//! Updates of running pods: the promise made at creation must survive them. The label that
//! names the policy cannot be added, changed or removed (a pod labelled later was never
//! verified; one unlabelled later hides from the status), and an ephemeral container may not
//! mount the model's storage writable. The same holds for pods a policy selected by their
//! claims ([`GOVERNED_LABEL`], which cannot be removed). Everything else (finalizers, other labels,
//! annotations, deletion) passes. Pure, like [`crate::mutate::decide`].

use k8s_openapi::api::core::v1::Pod;

use crate::storage::{self, Location};
use crate::volumes::TRUST_DIR;
use crate::{paths, GOVERNED_LABEL, MODEL_LABEL, VERIFIER_CONTAINER};

/// `Ok(())`: admit the update unchanged; `Err`: the message for the client.
pub fn decide_update(old: &Pod, new: &Pod) -> Result<(), String> {
    let label = |p: &Pod, key: &str| p.metadata.labels.as_ref().and_then(|l| l.get(key)).cloned();
    let (before, after) = (label(old, MODEL_LABEL), label(new, MODEL_LABEL));
    if before != after {
        let what = match (&before, &after) {
            (None, Some(_)) => "added to",
            (Some(_), None) => "removed from",
            _ => "changed on",
        };
        return Err(format!(
            "the label {MODEL_LABEL} cannot be {what} an existing pod ({} -> {}): the model \
             is verified when the pod is created; delete and recreate the pod instead",
            before.as_deref().unwrap_or("unset"),
            after.as_deref().unwrap_or("unset")
        ));
    }
    let governed = |p: &Pod| label(p, GOVERNED_LABEL);
    if governed(old).is_some() && governed(old) != governed(new) {
        return Err(format!(
            "the label {GOVERNED_LABEL} cannot be changed on or removed from an existing pod: \
             a policy selected the pod by its claims when it was created"
        ));
    }
    let has_verifier = old
        .spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten())
        .any(|c| c.name == VERIFIER_CONTAINER);
    // Unlabelled: only a selected pod that got the verifier has a promise to keep (under
    // Audit, or Warn refusing at admission, nothing was verified).
    if before.is_none() && (governed(old).is_none() || !has_verifier) {
        return Ok(());
    }
    let Some(spec) = new.spec.as_ref() else {
        return Ok(());
    };
    let model = model_storage(new);
    let old_names: Vec<&str> = old
        .spec
        .iter()
        .flat_map(|s| s.ephemeral_containers.iter().flatten())
        .map(|c| c.name.as_str())
        .collect();
    for c in spec.ephemeral_containers.iter().flatten() {
        if old_names.contains(&c.name.as_str()) {
            continue;
        }
        for m in c.volume_mounts.iter().flatten() {
            let at = storage::of_mount(spec, m);
            if m.read_only != Some(true) && model.iter().any(|l| l.overlaps(&at)) {
                return Err(format!(
                    "ephemeral container {:?} mounts volume {:?} at {} writable, but it holds the \
                     model that was verified when the pod started: mount it readOnly: true",
                    c.name, m.name, m.mount_path
                ));
            }
        }
    }
    Ok(())
}

/// The storage the pod's verifier read (its mounts other than the operator's trust volumes).
/// A labelled pod without a verifier was admitted before the label or around the webhook:
/// all of its volumes count.
fn model_storage(pod: &Pod) -> Vec<Location> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let trust = paths::clean(TRUST_DIR);
    let verifier = spec
        .init_containers
        .iter()
        .flatten()
        .find(|c| c.name == VERIFIER_CONTAINER);
    match verifier {
        Some(v) => v
            .volume_mounts
            .iter()
            .flatten()
            .filter(|m| !paths::holds(&trust, &paths::clean(&m.mount_path)))
            .map(|m| storage::of_mount(spec, m))
            .collect(),
        None => spec
            .volumes
            .iter()
            .flatten()
            .map(|v| {
                let whole = k8s_openapi::api::core::v1::VolumeMount {
                    name: v.name.clone(),
                    ..Default::default()
                };
                storage::of_mount(spec, &whole)
            })
            .collect(),
    }
}
