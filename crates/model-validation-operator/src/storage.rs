//! Where a mount's bytes live, independent of the volume's name in the pod: the same claim
//! declared twice, or two hostPaths one inside the other, are the same storage. Read-only and
//! "same view" decisions are made on these locations, never on volume names.

use k8s_openapi::api::core::v1::{PodSpec, Volume, VolumeMount};

use crate::paths::{self, Components};

/// A directory (or file) of a storage: `storage` names the storage (claim, host directory
/// tree, CSI volume, ...), `path` the place inside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub storage: String,
    pub path: Components,
    /// Mounted with `subPathExpr`: the place depends on the container's environment, so it is
    /// taken to be anywhere on the storage.
    pub anywhere: bool,
}

impl Location {
    /// Whether writing through one can change what the other shows.
    pub fn overlaps(&self, other: &Location) -> bool {
        self.storage == other.storage
            && (self.anywhere || other.anywhere || paths::overlap(&self.path, &other.path))
    }

    /// The location `rest` further down.
    pub fn join(&self, rest: &[String]) -> Location {
        let mut path = self.path.clone();
        path.extend(rest.iter().cloned());
        Location {
            storage: self.storage.clone(),
            path,
            anywhere: self.anywhere,
        }
    }
}

/// The location a mount shows at its mountPath.
pub fn of_mount(spec: &PodSpec, mount: &VolumeMount) -> Location {
    let mut location = of_volume(spec, &mount.name);
    location
        .path
        .extend(paths::clean(mount.sub_path.as_deref().unwrap_or_default()));
    location.anywhere = mount
        .sub_path_expr
        .as_deref()
        .is_some_and(|e| !e.is_empty());
    location
}

/// The whole of the pod's volume `name`: whoever can write it can write everything it holds.
pub fn of_volume(spec: &PodSpec, name: &str) -> Location {
    let volume = spec.volumes.iter().flatten().find(|v| v.name == name);
    let (storage, path) = match volume {
        Some(v) => identity(v),
        // The API server refuses such pods; keep it distinct from every real storage.
        None => (format!("undeclared volume {name:?}"), Vec::new()),
    };
    Location {
        storage,
        path,
        anywhere: false,
    }
}

/// The storage a volume names and the place in it the volume starts at. Pod-local storage
/// (emptyDir, generic ephemeral volumes, gitRepo copies) is identified by the volume's name.
fn identity(v: &Volume) -> (String, Components) {
    let local = |kind: &str| (format!("{kind} {:?} of this pod", v.name), Vec::new());
    if let Some(c) = &v.persistent_volume_claim {
        return (
            format!("persistentVolumeClaim {:?}", c.claim_name),
            Vec::new(),
        );
    }
    if let Some(h) = &v.host_path {
        return ("hostPath".to_owned(), paths::clean(&h.path));
    }
    if let Some(n) = &v.nfs {
        return (format!("nfs {}", n.server), paths::clean(&n.path));
    }
    if let Some(c) = &v.config_map {
        return (format!("configMap {:?}", c.name), Vec::new());
    }
    if let Some(s) = &v.secret {
        let name = s.secret_name.as_deref().unwrap_or_default();
        return (format!("secret {name:?}"), Vec::new());
    }
    if let Some(i) = &v.image {
        let reference = i.reference.as_deref().unwrap_or_default();
        return (format!("image {reference:?}"), Vec::new());
    }
    if v.empty_dir.is_some() {
        return local("emptyDir");
    }
    if v.ephemeral.is_some() {
        return local("ephemeral volume");
    }
    if v.git_repo.is_some() {
        return local("gitRepo");
    }
    // CSI and every other source: the whole source is the identity (same driver and
    // attributes, same storage).
    let mut source = serde_json::to_value(v).unwrap_or_default();
    if let Some(map) = source.as_object_mut() {
        map.remove("name");
        // Mounting read-only does not make it other storage.
        for inner in map
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            inner.remove("readOnly");
        }
    }
    (format!("volume source {source}"), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(volumes: serde_json::Value) -> PodSpec {
        serde_json::from_value(json!({"containers": [], "volumes": volumes})).unwrap()
    }

    fn mount(name: &str, sub: Option<&str>) -> VolumeMount {
        VolumeMount {
            name: name.into(),
            mount_path: "/m".into(),
            sub_path: sub.map(Into::into),
            ..VolumeMount::default()
        }
    }

    #[test]
    fn identities_ignore_volume_names_and_spelling() {
        let s = spec(json!([
            {"name": "a", "persistentVolumeClaim": {"claimName": "c"}},
            {"name": "b", "persistentVolumeClaim": {"claimName": "c", "readOnly": true}},
            {"name": "h1", "hostPath": {"path": "/srv//models/"}},
            {"name": "h2", "hostPath": {"path": "/srv"}},
            {"name": "e1", "emptyDir": {}},
            {"name": "e2", "emptyDir": {}},
            {"name": "x1", "csi": {"driver": "d", "volumeAttributes": {"k": "v"}}},
            {"name": "x2", "csi": {"driver": "d", "readOnly": true, "volumeAttributes": {"k": "v"}}}
        ]));
        let at = |n: &str, sub: Option<&str>| of_mount(&s, &mount(n, sub));
        assert_eq!(at("a", None), at("b", None));
        assert!(at("h2", None).overlaps(&at("h1", None)));
        assert_eq!(at("h2", Some("models")), at("h1", None));
        assert!(!at("h2", Some("cache")).overlaps(&at("h1", None)));
        assert!(!at("e1", None).overlaps(&at("e2", None)));
        assert_eq!(at("x1", None), at("x2", None));
        assert!(!at("a", Some("x")).overlaps(&at("a", Some("y"))));
    }
}
