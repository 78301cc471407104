//! Which of the pod's volumes the verifier mounts: only those holding the model, the signature
//! and trust files, read-only, one per mountPath, never the service-account token.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, Container, KeyToPath, PodSpec, SecretVolumeSource, Volume, VolumeMount,
};

use crate::crd::TrustRef;
use crate::VERIFIER_CONTAINER;

const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io";
/// Where trust material given by reference appears inside the verifier.
pub const TRUST_DIR: &str = "/etc/model-validation";

/// The verifier's mounts of the pod's own volumes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MountPlan {
    pub mounts: Vec<VolumeMount>,
    /// Volumes holding the model or its signature (the workload gets them read-only).
    pub model_volumes: BTreeSet<String>,
}

/// A path the verifier must read, and what it is (for error messages).
#[derive(Debug, Clone, Copy)]
pub struct NeededPath<'a> {
    pub what: &'a str,
    pub path: &'a str,
    pub is_model: bool,
}

/// Finds, for each needed path, the pod's mount that holds it (the deepest mountPath that is
/// the path or one of its parent directories; the pod's containers first, then its init
/// containers). A path on no volume is an error: the verifier would not see it.
pub fn plan(spec: &PodSpec, needed: &[NeededPath<'_>]) -> Result<MountPlan, String> {
    let candidates: Vec<&VolumeMount> = workload_containers(spec)
        .chain(own_init_containers(spec))
        .flat_map(|c| c.volume_mounts.iter().flatten())
        .filter(|m| usable(m))
        .collect();
    let mut plan = MountPlan::default();
    for need in needed {
        // `max_by_key` keeps the last maximum: reversed, the first container's mount wins.
        let Some(found) = candidates
            .iter()
            .rev()
            .filter(|m| holds(&m.mount_path, need.path))
            .max_by_key(|m| normalized(&m.mount_path).len())
        else {
            return Err(format!(
                "{} {} is on no volume of the pod: mount the volume that holds it in one of \
                 the pod's containers",
                need.what, need.path
            ));
        };
        if found.sub_path_expr.is_some() {
            return Err(format!(
                "{} {} is on volume {:?} mounted with subPathExpr, which the verifier cannot \
                 expand; use subPath",
                need.what, need.path, found.name
            ));
        }
        if need.is_model {
            plan.model_volumes.insert(found.name.clone());
        }
        if plan
            .mounts
            .iter()
            .any(|m| normalized(&m.mount_path) == normalized(&found.mount_path))
        {
            continue;
        }
        plan.mounts.push(VolumeMount {
            name: found.name.clone(),
            mount_path: found.mount_path.clone(),
            sub_path: found.sub_path.clone(),
            read_only: Some(true),
            ..VolumeMount::default()
        });
    }
    Ok(plan)
}

/// The pod's regular containers.
pub fn workload_containers(spec: &PodSpec) -> impl Iterator<Item = &Container> {
    spec.containers.iter()
}

/// The pod's init containers other than the verifier.
pub fn own_init_containers(spec: &PodSpec) -> impl Iterator<Item = &Container> {
    spec.init_containers
        .iter()
        .flatten()
        .filter(|c| c.name != VERIFIER_CONTAINER)
}

fn usable(m: &VolumeMount) -> bool {
    let path = normalized(&m.mount_path);
    !path.is_empty() && path != "/" && !holds(SERVICE_ACCOUNT_DIR, path)
}

fn normalized(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() && path.starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

/// Whether `path` is `dir` or lies below it (component-wise, so `/data` does not hold `/database`).
fn holds(dir: &str, path: &str) -> bool {
    let dir = normalized(dir);
    let path = normalized(path);
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A volume and mount for trust material given by reference; `slot` is `key`, `ca` or
/// `trust-config`. Returns the volume, the mount and the file's path in the verifier.
pub fn trust_volume(slot: &str, reference: &TrustRef) -> (Volume, VolumeMount, String) {
    let name = format!("model-validation-{slot}");
    let items = Some(vec![KeyToPath {
        key: reference.key.clone(),
        path: reference.key.clone(),
        mode: None,
    }]);
    let mut volume = Volume {
        name: name.clone(),
        ..Volume::default()
    };
    if reference.kind == "Secret" {
        volume.secret = Some(SecretVolumeSource {
            secret_name: Some(reference.name.clone()),
            items,
            ..SecretVolumeSource::default()
        });
    } else {
        volume.config_map = Some(ConfigMapVolumeSource {
            name: reference.name.clone(),
            items,
            ..ConfigMapVolumeSource::default()
        });
    }
    let dir = format!("{TRUST_DIR}/{slot}");
    let mount = VolumeMount {
        name,
        mount_path: dir.clone(),
        read_only: Some(true),
        ..VolumeMount::default()
    };
    (volume, mount, format!("{dir}/{}", reference.key))
}
