//! Which policies govern a pod. A `ModelValidation` governs the pods labelled with its name
//! (the pod opts in) and, when it sets `spec.governs`, every pod of its namespace that declares
//! one of its claims (the policy selects); a `ClusterModelValidation` governs by its claims in
//! every namespace its `namespaceSelector` picks. Pure: the namespace's labels are a parameter.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::crd::{
    ClusterModelValidation, Governs, ModelValidation, ModelValidationSpec, PolicyMode, Selector,
};

/// Where a policy lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Sorted first: a cluster policy is the platform's and is listed before the namespace's.
    Cluster,
    Namespaced,
}

/// A policy of either kind, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub kind: Kind,
    /// Empty for a cluster policy.
    pub namespace: &'a str,
    pub name: &'a str,
    pub spec: &'a ModelValidationSpec,
    /// Cluster policies only (`None`: every namespace).
    pub namespace_selector: Option<&'a Selector>,
}

impl<'a> Policy<'a> {
    pub fn namespaced(mv: &'a ModelValidation) -> Self {
        Policy {
            kind: Kind::Namespaced,
            namespace: mv.metadata.namespace.as_deref().unwrap_or_default(),
            name: mv.metadata.name.as_deref().unwrap_or_default(),
            spec: &mv.spec,
            namespace_selector: None,
        }
    }

    pub fn cluster(cmv: &'a ClusterModelValidation) -> Self {
        Policy {
            kind: Kind::Cluster,
            namespace: "",
            name: cmv.metadata.name.as_deref().unwrap_or_default(),
            spec: &cmv.spec.policy,
            namespace_selector: cmv.spec.namespace_selector.as_ref(),
        }
    }

    /// `ModelValidation ns/name` or `ClusterModelValidation name`, for messages.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Namespaced => format!("ModelValidation {}/{}", self.namespace, self.name),
            Kind::Cluster => format!("ClusterModelValidation {}", self.name),
        }
    }

    pub fn mode(&self) -> PolicyMode {
        self.spec.mode.unwrap_or_default()
    }

    /// The same policy (kind, namespace, name).
    pub fn same(&self, other: &Policy<'_>) -> bool {
        (self.kind, self.namespace, self.name) == (other.kind, other.namespace, other.name)
    }

    /// The claim through which this policy's `governs` reaches `pod` in `namespace` (whose
    /// labels are `namespace_labels`), or `None`. The pod label plays no part here.
    pub fn selects(
        &self,
        pod: &Pod,
        namespace: &str,
        namespace_labels: &BTreeMap<String, String>,
    ) -> Option<String> {
        let governs: &Governs = self.spec.governs.as_ref()?;
        let in_scope = match self.kind {
            Kind::Namespaced => self.namespace == namespace,
            Kind::Cluster => self
                .namespace_selector
                .is_none_or(|s| matches(s, namespace_labels)),
        };
        if !in_scope {
            return None;
        }
        let empty = BTreeMap::new();
        let pod_labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
        if !governs
            .pod_selector
            .as_ref()
            .is_none_or(|s| matches(s, pod_labels))
        {
            return None;
        }
        claims(pod)
            .into_iter()
            .find(|c| governs.claim_names.iter().any(|g| g == c))
            .map(str::to_owned)
    }
}

/// The claim names of the pod's declared volumes: whatever the pod declares, any of its
/// containers (or a later ephemeral one) can mount.
pub fn claims(pod: &Pod) -> Vec<&str> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|c| c.claim_name.as_str())
        .collect()
}

/// Kubernetes' label selector semantics: every `matchLabels` pair and every requirement holds;
/// an empty selector matches everything. An unknown operator matches nothing (the CRD refuses
/// it; failing closed would govern, failing open here only narrows a selection).
pub fn matches(selector: &Selector, labels: &BTreeMap<String, String>) -> bool {
    selector
        .match_labels
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
        && selector.match_expressions.iter().all(|r| {
            let value = labels.get(&r.key);
            match r.operator.as_str() {
                "In" => value.is_some_and(|v| r.values.contains(v)),
                "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
}

/// The selector as a Kubernetes label-selector string (for list calls), `None` when it cannot
/// be written as one (then list everything and filter with [`matches`]).
pub fn selector_string(selector: &Selector) -> Option<String> {
    let mut parts: Vec<String> = selector
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for r in &selector.match_expressions {
        let values = r.values.join(",");
        parts.push(match r.operator.as_str() {
            "In" => format!("{} in ({values})", r.key),
            "NotIn" => format!("{} notin ({values})", r.key),
            "Exists" => r.key.clone(),
            "DoesNotExist" => format!("!{}", r.key),
            _ => return None,
        });
    }
    Some(parts.join(","))
}
