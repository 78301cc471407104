//! Applying YAML manifests (the repository's `config/` and workshop-shaped documents) the way
//! `kubectl apply --server-side` does: discovery for each kind, then a server-side apply.

use std::path::Path;

use anyhow::{Context as _, Result};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{pinned_kind, Scope};
use serde::Deserialize as _;

/// Every non-empty document of a multi-document YAML text.
pub fn parse_documents(yaml: &str) -> Result<Vec<DynamicObject>> {
    let mut objects = Vec::new();
    for document in serde_yaml::Deserializer::from_str(yaml) {
        let value = serde_json::Value::deserialize(document)?;
        if value.is_null() {
            continue;
        }
        objects.push(
            serde_json::from_value(value).context("a YAML document is not a Kubernetes object")?,
        );
    }
    Ok(objects)
}

/// Reads and parses every document of `path`.
pub fn read_documents(path: &Path) -> Result<Vec<DynamicObject>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_documents(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Server-side applies `object` (namespaced kinds default to `default_namespace`).
pub async fn apply(
    client: &kube::Client,
    object: &DynamicObject,
    default_namespace: Option<&str>,
) -> Result<DynamicObject> {
    let types = object
        .types
        .as_ref()
        .context("object without apiVersion/kind")?;
    let gvk = GroupVersionKind::try_from(types)?;
    let (resource, capabilities) = pinned_kind(client, &gvk)
        .await
        .with_context(|| format!("discovering {}", types.kind))?;
    let name = object
        .metadata
        .name
        .clone()
        .context("object without a name")?;
    let api: Api<DynamicObject> = match capabilities.scope {
        Scope::Cluster => Api::all_with(client.clone(), &resource),
        Scope::Namespaced => {
            let ns = object
                .metadata
                .namespace
                .as_deref()
                .or(default_namespace)
                .with_context(|| format!("{} {name} needs a namespace", types.kind))?;
            Api::namespaced_with(client.clone(), ns, &resource)
        }
    };
    api.patch(
        &name,
        &PatchParams::apply("operator-e2e").force(),
        &Patch::Apply(object),
    )
    .await
    .with_context(|| format!("applying {} {name}", types.kind))
}

/// Applies every document of `yaml`, in order.
pub async fn apply_all(
    client: &kube::Client,
    yaml: &str,
    default_namespace: Option<&str>,
) -> Result<()> {
    for object in parse_documents(yaml)? {
        apply(client, &object, default_namespace).await?;
    }
    Ok(())
}
