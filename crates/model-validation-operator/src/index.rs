//! The webhook's index of selecting policies by claim name: deciding that a pod is governed by
//! nothing costs one hash lookup per claim it declares, and the index holds one entry per
//! (policy, claim), so its memory grows with the policies, never with the pods.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use crate::crd::{ClusterModelValidation, ModelValidation};
use crate::scope::{Kind, Policy};

/// A policy the index holds.
#[derive(Debug, Clone)]
pub enum PolicyObject {
    Namespaced(Arc<ModelValidation>),
    Cluster(Arc<ClusterModelValidation>),
}

impl PolicyObject {
    pub fn policy(&self) -> Policy<'_> {
        match self {
            PolicyObject::Namespaced(mv) => Policy::namespaced(mv),
            PolicyObject::Cluster(cmv) => Policy::cluster(cmv),
        }
    }
}

/// Policies with `spec.governs`, keyed by (namespace, claim); cluster policies under the
/// empty namespace.
#[derive(Debug, Default)]
pub struct PolicyIndex {
    by_claim: HashMap<(String, String), Vec<PolicyObject>>,
}

impl PolicyIndex {
    pub fn build(
        namespaced: impl IntoIterator<Item = Arc<ModelValidation>>,
        cluster: impl IntoIterator<Item = Arc<ClusterModelValidation>>,
    ) -> Self {
        let mut index = PolicyIndex::default();
        let objects = namespaced
            .into_iter()
            .map(PolicyObject::Namespaced)
            .chain(cluster.into_iter().map(PolicyObject::Cluster));
        for object in objects {
            let policy = object.policy();
            let namespace = match policy.kind {
                Kind::Namespaced => policy.namespace.to_owned(),
                Kind::Cluster => String::new(),
            };
            let claims: BTreeSet<String> = policy
                .spec
                .governs
                .iter()
                .flat_map(|g| g.claim_names.iter().cloned())
                .collect();
            for claim in claims {
                index
                    .by_claim
                    .entry((namespace.clone(), claim))
                    .or_default()
                    .push(object.clone());
            }
        }
        index
    }

    /// The policies that name one of `claims` and may apply in `namespace` (each once).
    pub fn candidates(&self, namespace: &str, claims: &[&str]) -> Vec<PolicyObject> {
        let mut found: Vec<PolicyObject> = Vec::new();
        for claim in claims {
            for ns in [namespace, ""] {
                let key = (ns.to_owned(), (*claim).to_owned());
                for object in self.by_claim.get(&key).into_iter().flatten() {
                    if !found.iter().any(|f| f.policy().same(&object.policy())) {
                        found.push(object.clone());
                    }
                }
            }
        }
        found
    }

    /// Every governed claim name (what the webhook configuration must send to the webhook).
    pub fn claim_names(&self) -> BTreeSet<&str> {
        self.by_claim.keys().map(|(_, c)| c.as_str()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.by_claim.is_empty()
    }
}

/// The index shared between the reflectors that rebuild it and the webhook that reads it.
#[derive(Debug, Clone, Default)]
pub struct SharedIndex(Arc<RwLock<Arc<PolicyIndex>>>);

impl SharedIndex {
    pub fn get(&self) -> Arc<PolicyIndex> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set(&self, index: PolicyIndex) {
        let index = Arc::new(index);
        match self.0.write() {
            Ok(mut guard) => *guard = index,
            Err(poisoned) => *poisoned.into_inner() = index,
        }
    }
}
