//! What each container sees at a path (the model, its signature, a trust file): the deepest
//! mount at or above it and every mount below it, by storage location, with paths cleaned as
//! the runtime cleans them. Every container that reaches the path must see the same; the
//! verifier then mounts exactly that view, read-only.

use k8s_openapi::api::core::v1::{PodSpec, VolumeMount};

use crate::paths::{self, Components};
use crate::storage::{self, Location};

/// A container's name and mounts (init, regular and ephemeral containers alike).
#[derive(Debug, Clone, Copy)]
pub struct Mounts<'a> {
    pub container: &'a str,
    pub mounts: &'a [VolumeMount],
}

/// One mount as the runtime applies it.
#[derive(Debug, Clone)]
pub struct Seen<'a> {
    pub mount: &'a VolumeMount,
    pub path: Components,
    pub location: Location,
}

/// What one container sees at a path.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub container: &'a str,
    pub target: Components,
    /// The deepest mount at or above the path; `None`: the container's image shows there.
    pub base: Option<Seen<'a>>,
    /// The mounts strictly below the path, shallowest first.
    pub children: Vec<Seen<'a>>,
}

/// The comparable part of a view: storage locations, not volume names.
type Key = (Option<Location>, Vec<(Components, Location)>);

impl View<'_> {
    fn reaches(&self) -> bool {
        self.base.is_some() || !self.children.is_empty()
    }

    fn key(&self) -> Key {
        (
            self.base_location(),
            self.children
                .iter()
                .map(|c| {
                    (
                        paths::below(&self.target, &c.path).to_vec(),
                        c.location.clone(),
                    )
                })
                .collect(),
        )
    }

    fn base_location(&self) -> Option<Location> {
        self.base
            .as_ref()
            .map(|b| b.location.join(paths::below(&b.path, &self.target)))
    }

    /// The storage locations this view shows: where writing changes what is seen at the path.
    pub fn locations(&self) -> Vec<Location> {
        self.base_location()
            .into_iter()
            .chain(self.children.iter().map(|c| c.location.clone()))
            .collect()
    }

    /// The whole volumes this view shows (a trust anchor on one of them is the model's).
    pub fn volumes(&self, spec: &PodSpec) -> Vec<Location> {
        self.base
            .iter()
            .chain(&self.children)
            .map(|s| storage::of_volume(spec, &s.mount.name))
            .collect()
    }

    /// The mounts that reproduce this view in another container, read-only.
    pub fn mounts(&self) -> Vec<(Components, VolumeMount, Location)> {
        self.base
            .iter()
            .chain(&self.children)
            .map(|s| {
                let mount = VolumeMount {
                    name: s.mount.name.clone(),
                    mount_path: paths::display(&s.path),
                    sub_path: s.mount.sub_path.clone().filter(|p| !p.is_empty()),
                    read_only: Some(true),
                    ..VolumeMount::default()
                };
                (s.path.clone(), mount, s.location.clone())
            })
            .collect()
    }

    fn describe(&self) -> String {
        let seen = |s: &Seen<'_>| {
            format!(
                "volume {:?} (mounted at {})",
                s.mount.name, s.mount.mount_path
            )
        };
        let mut text = match &self.base {
            Some(b) => seen(b),
            None => "its own image (no volume)".to_owned(),
        };
        for c in &self.children {
            text.push_str(&format!(" with {} inside", seen(c)));
        }
        text
    }
}

/// What `of` sees at `target`. Two mounts at one cleaned path, or a `subPathExpr` mount (which
/// the verifier cannot expand) in the view, are errors.
pub fn view<'a>(spec: &PodSpec, of: Mounts<'a>, target: &[String]) -> Result<View<'a>, String> {
    let mut relevant: Vec<Seen<'a>> = Vec::new();
    for mount in of.mounts {
        let path = paths::clean(&mount.mount_path);
        if !paths::overlap(&path, target) {
            continue;
        }
        if let Some(twin) = relevant.iter().find(|s| s.path == path) {
            return Err(format!(
                "container {:?} mounts volumes {:?} ({}) and {:?} ({}) at the same path once \
                 cleaned",
                of.container, twin.mount.name, twin.mount.mount_path, mount.name, mount.mount_path
            ));
        }
        let location = storage::of_mount(spec, mount);
        if location.anywhere {
            return Err(format!(
                "container {:?} mounts volume {:?} at {} with subPathExpr, which the verifier \
                 cannot expand; use subPath",
                of.container, mount.name, mount.mount_path
            ));
        }
        relevant.push(Seen {
            mount,
            path,
            location,
        });
    }
    let base = relevant
        .iter()
        .filter(|s| paths::holds(&s.path, target))
        .max_by_key(|s| s.path.len())
        .cloned();
    let mut children: Vec<Seen<'a>> = relevant
        .into_iter()
        .filter(|s| s.path.len() > target.len())
        .collect();
    children.sort_by(|a, b| (a.path.len(), &a.path).cmp(&(b.path.len(), &b.path)));
    Ok(View {
        container: of.container,
        target: target.to_vec(),
        base,
        children,
    })
}

/// The one view of `path` that every container reaching it shares (`what` names the path in
/// messages). No container reaching it, containers seeing different storage there, or only
/// mounts below it (the image's files show at the path itself) are errors.
pub fn common<'a>(
    spec: &PodSpec,
    containers: &[Mounts<'a>],
    what: &str,
    path: &str,
) -> Result<View<'a>, String> {
    let target = paths::clean(path);
    let mut first: Option<View<'a>> = None;
    for of in containers {
        let v = view(spec, *of, &target)?;
        if !v.reaches() {
            continue;
        }
        match &first {
            None => first = Some(v),
            Some(f) if f.key() == v.key() => {}
            Some(f) => {
                return Err(format!(
                    "container {:?} sees {} at the {what} {path}, but container {:?} sees {}: \
                     every container that reaches the {what} must see the same storage there, \
                     because the verifier checks one view",
                    f.container,
                    f.describe(),
                    v.container,
                    v.describe()
                ))
            }
        }
    }
    let Some(found) = first else {
        return Err(format!(
            "{what} {path} is on no volume of the pod: mount the volume that holds it in one of \
             the pod's containers"
        ));
    };
    if found.base.is_none() {
        return Err(format!(
            "{what} {path} is on no volume in container {:?}, only mounts below it are: the \
             verifier cannot see the files of a container image",
            found.container
        ));
    }
    Ok(found)
}
