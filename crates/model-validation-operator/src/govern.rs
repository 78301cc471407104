//! The webhook's decision when several policies may govern one pod: the one its label names
//! (checked exactly as before) and those that select it by the claims it declares
//! ([`crate::scope`]). Pure, like [`crate::mutate::decide`].
//!
//! How they combine: the strictest mode wins (`Enforce` over `Warn` over `Audit`). Policies of
//! the strictest mode must agree: if they would inject different verifiers (other model path,
//! signer, key, options), an `Enforce` pod is refused with both names (a pod is verified under
//! one verifier, and dropping either policy would let the pod step around it); under `Warn` the
//! first (cluster policies first, then by name) is injected and the pod is warned. Weaker
//! policies are reported as warnings. So a label naming a `Warn` or `Audit` policy cannot
//! weaken an `Enforce` cluster policy: the cluster policy's verifier is injected anyway.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use serde_json::{json, Value};

use crate::crd::{ModelValidation, PolicyMode};
use crate::mutate::{self, plan_for, to_patch, Decision};
use crate::scope::Policy;
use crate::settings::Settings;
use crate::GOVERNED_LABEL;

/// The decision and the warnings the API server passes to the client (`kubectl` prints them).
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    pub decision: Decision,
    pub warnings: Vec<String>,
}

/// How a policy reached the pod.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    Label,
    Claim(String),
}

/// One governing policy.
#[derive(Debug, Clone)]
pub struct Governing<'a> {
    pub policy: Policy<'a>,
    pub via: Via,
}

/// Every policy governing `pod`: the labelled one (already checked by
/// [`mutate::labelled_policy`]) and every candidate that selects it. Strictest first, then
/// cluster before namespaced, then by name.
pub fn governing<'a>(
    pod: &Pod,
    labelled: Option<&'a ModelValidation>,
    candidates: &[Policy<'a>],
    namespace_labels: &BTreeMap<String, String>,
) -> Vec<Governing<'a>> {
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut all: Vec<Governing<'a>> = labelled
        .map(|mv| Governing {
            policy: Policy::namespaced(mv),
            via: Via::Label,
        })
        .into_iter()
        .collect();
    for candidate in candidates {
        if all.iter().any(|g| g.policy.same(candidate)) {
            continue;
        }
        if let Some(claim) = candidate.selects(pod, namespace, namespace_labels) {
            all.push(Governing {
                policy: *candidate,
                via: Via::Claim(claim),
            });
        }
    }
    all.sort_by(|a, b| {
        b.policy.mode().cmp(&a.policy.mode()).then_with(|| {
            (a.policy.kind, a.policy.namespace, a.policy.name).cmp(&(
                b.policy.kind,
                b.policy.namespace,
                b.policy.name,
            ))
        })
    });
    all
}

/// The webhook's decision for a pod being created. `labelled` is the `ModelValidation` the
/// pod's label names, as looked up (`None` when missing or unlabelled); `candidates` the
/// policies that may select it (any superset of those that do: selection is decided here).
pub fn decide_governed(
    pod: &Pod,
    labelled: Option<&ModelValidation>,
    candidates: &[Policy<'_>],
    namespace_labels: &BTreeMap<String, String>,
    settings: &Settings,
) -> Admission {
    let labelled = match mutate::labelled_policy(pod, labelled) {
        Ok(mv) => mv,
        Err(message) => return deny(message),
    };
    let all = governing(pod, labelled, candidates, namespace_labels);
    let Some(first) = all.first() else {
        return Admission {
            decision: Decision::Allow("no policy governs the pod".into()),
            warnings: Vec::new(),
        };
    };
    let mode = first.policy.mode();
    let (top, weaker): (Vec<&Governing<'_>>, Vec<&Governing<'_>>) =
        all.iter().partition(|g| g.policy.mode() == mode);
    let mut warnings: Vec<String> = weaker
        .iter()
        .map(|g| {
            format!(
                "{} ({:?}) also governs this pod{}; the stricter {} ({mode:?}) applies",
                g.policy.describe(),
                g.policy.mode(),
                why(g),
                first.policy.describe()
            )
        })
        .collect();
    let label_ops = governed_label_ops(pod, &all);
    match mode {
        PolicyMode::Audit => Admission {
            decision: patch_or_allow(label_ops, "Audit: nothing injected"),
            warnings: Vec::new(),
        },
        PolicyMode::Enforce => {
            let mut planned = Vec::with_capacity(top.len());
            for g in &top {
                match plan_for(pod, &g.policy, settings) {
                    Ok(p) => planned.push((g, p)),
                    Err(message) => return deny(prefixed(g, &message, all.len())),
                }
            }
            if let Some(((a, _), (b, _))) = planned.first().zip(
                planned
                    .iter()
                    .find(|(_, p)| Some(&p.hash) != planned.first().map(|f| &f.1.hash)),
            ) {
                return deny(format!(
                    "the pod is governed by {}{} and by {}{}, which ask for different \
                     verifications of its model; a pod is verified under one policy: make them \
                     agree, or keep the pod out of one of them",
                    a.policy.describe(),
                    why(a),
                    b.policy.describe(),
                    why(b)
                ));
            }
            let ops = planned
                .into_iter()
                .next()
                .map(|(_, p)| p.ops)
                .unwrap_or_default();
            Admission {
                decision: patch_or_allow(
                    [ops, label_ops].concat(),
                    "the model-validation init container is already injected",
                ),
                warnings,
            }
        }
        PolicyMode::Warn => {
            let chosen = top.first().copied().unwrap_or(first);
            for other in top.iter().skip(1) {
                let same = plan_for(pod, &other.policy, settings)
                    .ok()
                    .zip(plan_for(pod, &chosen.policy, settings).ok())
                    .is_some_and(|(a, b)| a.hash == b.hash);
                if !same {
                    warnings.push(format!(
                        "{}{} (Warn) asks for another verification than {}; only the latter \
                         is injected",
                        other.policy.describe(),
                        why(other),
                        chosen.policy.describe()
                    ));
                }
            }
            let name = chosen.policy.describe();
            match plan_for(pod, &chosen.policy, settings) {
                Ok(p) => {
                    warnings.push(format!(
                        "{name} is in Warn mode: the pod starts even if its model fails \
                         verification; the verdict is reported in {name}'s status"
                    ));
                    Admission {
                        decision: patch_or_allow(
                            [p.ops, label_ops].concat(),
                            "the model-validation init container is already injected",
                        ),
                        warnings,
                    }
                }
                Err(message) => {
                    warnings.push(format!(
                        "{name} (Warn) would refuse this pod: {}; admitted without \
                         verification",
                        prefixed(chosen, &message, all.len())
                    ));
                    Admission {
                        decision: patch_or_allow(label_ops, "Warn: admitted unverified"),
                        warnings,
                    }
                }
            }
        }
    }
}

fn deny(message: String) -> Admission {
    Admission {
        decision: Decision::Deny(message),
        warnings: Vec::new(),
    }
}

fn patch_or_allow(ops: Vec<Value>, unchanged: &str) -> Decision {
    if ops.is_empty() {
        Decision::Allow(unchanged.to_owned())
    } else {
        to_patch(ops)
    }
}

/// " (through claim \"x\")" for a selecting policy, "" for the label.
fn why(g: &Governing<'_>) -> String {
    match &g.via {
        Via::Label => format!(" (named by the pod's {} label)", crate::MODEL_LABEL),
        Via::Claim(c) => format!(" (through claim {c:?})"),
    }
}

/// The label path's messages stay as they were; a selecting policy says who refused and why.
fn prefixed(g: &Governing<'_>, message: &str, count: usize) -> String {
    match (&g.via, count) {
        (Via::Label, 1) => message.to_owned(),
        _ => format!("{}{}: {message}", g.policy.describe(), why(g)),
    }
}

/// Pods a policy selected carry [`GOVERNED_LABEL`], so the controller can watch them without
/// caching every pod of the cluster.
fn governed_label_ops(pod: &Pod, all: &[Governing<'_>]) -> Vec<Value> {
    if !all.iter().any(|g| matches!(g.via, Via::Claim(_))) {
        return Vec::new();
    }
    match pod.metadata.labels.as_ref() {
        None => vec![
            json!({"op": "add", "path": "/metadata/labels", "value": {GOVERNED_LABEL: "true"}}),
        ],
        Some(l) if l.get(GOVERNED_LABEL).map(String::as_str) == Some("true") => Vec::new(),
        Some(_) => vec![json!({
            "op": "add",
            "path": format!("/metadata/labels/{}", GOVERNED_LABEL.replace('~', "~0").replace('/', "~1")),
            "value": "true",
        })],
    }
}
