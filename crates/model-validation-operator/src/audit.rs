//! Verdicts of the pods a policy governs, by mode. `Enforce` and `Warn` read the verifier's
//! verdict ([`crate::status::verdict_for`]); `Audit` injects nothing, so the verdict is what
//! admission under `Enforce` would have done: refuse (and why) or inject the verifier, which
//! means the pod now runs unverified. Pure, like the rest of the status.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::crd::{ModelValidationSpec, PodVerdict, PolicyMode};
use crate::mutate::{decide_for, Decision};
use crate::scope::Policy;
use crate::settings::Settings;
use crate::status::{self, UNVERIFIED, WOULD_REFUSE};
use crate::MODEL_LABEL;

/// The pods of `pods` that `policy` governs in `namespace` (labelled with its name, for a
/// namespaced policy, or selected by its claims).
pub fn in_scope<'a>(
    policy: &Policy<'_>,
    pods: &'a [Pod],
    namespace_labels: &BTreeMap<String, String>,
) -> Vec<&'a Pod> {
    pods.iter()
        .filter(|pod| {
            let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
            let labelled = policy.kind == crate::scope::Kind::Namespaced
                && policy.namespace == namespace
                && pod
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(MODEL_LABEL))
                    .is_some_and(|n| n == policy.name);
            labelled || policy.selects(pod, namespace, namespace_labels).is_some()
        })
        .collect()
}

/// One pod's verdict under `policy`'s mode.
pub fn verdict(pod: &Pod, policy: &Policy<'_>, settings: &Settings) -> PodVerdict {
    if policy.mode() != PolicyMode::Audit {
        return status::verdict_for(pod, policy, settings);
    }
    let enforced_spec = ModelValidationSpec {
        mode: Some(PolicyMode::Enforce),
        ..policy.spec.clone()
    };
    let enforced = Policy {
        spec: &enforced_spec,
        ..*policy
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let pod_name = match policy.kind {
        crate::scope::Kind::Cluster => format!("{namespace}/{name}"),
        crate::scope::Kind::Namespaced => name,
    };
    let (result, reason) = match decide_for(pod, &enforced, settings) {
        Decision::Deny(message) => (WOULD_REFUSE, message),
        Decision::Patch(_) => (
            UNVERIFIED,
            "Audit: runs without verification; Enforce would inject the verifier".to_owned(),
        ),
        // Already carries the Enforce injection (admitted under an earlier mode).
        Decision::Allow(_) => return status::verdict_for(pod, &enforced, settings),
    };
    PodVerdict {
        pod: pod_name,
        uid: pod.metadata.uid.clone().unwrap_or_default(),
        result: result.to_owned(),
        reason: reason.chars().take(256).collect(),
        time: pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string())
            .unwrap_or_default(),
    }
}

/// Verdicts of every pod `policy` governs among `pods`, newest first.
pub fn verdicts(
    policy: &Policy<'_>,
    pods: &[Pod],
    namespace_labels: &BTreeMap<String, String>,
    settings: &Settings,
) -> Vec<PodVerdict> {
    let mut verdicts: Vec<PodVerdict> = in_scope(policy, pods, namespace_labels)
        .into_iter()
        .map(|p| verdict(p, policy, settings))
        .collect();
    verdicts.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.pod.cmp(&b.pod)));
    verdicts
}
