//! The verifier container a pod gets for a `ModelValidation`: its arguments, its mounts (the one
//! view of the model, the signature and path-based trust files, read-only), its identity, and
//! the model's storage locations, which every later container may only read.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, Pod, PodSpec, SeccompProfile, SecurityContext, Volume, VolumeMount,
};
use sha2::{Digest, Sha256};

use crate::crd::{Method, ModelValidation, ModelValidationSpec, PolicyMode, ScanMode, TrustRef};
use crate::paths::{self, Components};
use crate::policy::effective_options;
use crate::scope::{Kind, Policy};
use crate::settings::Settings;
use crate::storage::{self, Location};
use crate::verifier_args::{self, ResolvedMethod};
use crate::view::{self, Mounts, View};
use crate::volumes::{self, TRUST_DIR};
use crate::{TERMINATION_LOG, VERIFIER_CONTAINER};

/// The user and group the verifier runs as unless the pod names a non-root one (the verifier
/// image's own `USER`).
pub const NON_ROOT_ID: i64 = 65532;
const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io";

/// What the operator injects into one pod.
#[derive(Debug, Clone)]
pub struct Injection {
    pub container: Container,
    /// Volumes for trust material given by reference.
    pub volumes: Vec<Volume>,
    /// Where the model and the signature live: every mount overlapping these after the
    /// verifier is made read-only.
    pub model_locations: Vec<Location>,
    /// SHA-256 of the container (the pod annotation that recognises the injection).
    pub hash: String,
    pub auth_method: &'static str,
}

impl Injection {
    /// Whether `mount` (in `spec`) shows any of the model's or the signature's storage.
    pub fn touches(&self, spec: &PodSpec, mount: &VolumeMount) -> bool {
        let at = storage::of_mount(spec, mount);
        self.model_locations.iter().any(|m| m.overlaps(&at))
    }

    /// Whether `existing` (a pod's `model-validation` container) is this injection. The
    /// ServiceAccount admission plugin may have added the token mount when it ran again after
    /// the webhooks; nothing else may differ.
    pub fn is(&self, existing: &Container) -> bool {
        without_service_account(existing) == self.container
    }

    /// Whether `existing` is an injection of ours for another spec (or other volumes): same
    /// hash as the pod's annotation records. Anyone can compute that hash, so this only ever
    /// lets the operator replace the container with [`Self::container`], never keep it.
    pub fn is_earlier(existing: &Container, recorded_hash: Option<&str>) -> bool {
        recorded_hash.is_some_and(|h| container_hash(&without_service_account(existing)) == h)
    }
}

/// The containers whose mounts can show the model: init containers other than the verifier,
/// regular and ephemeral containers.
pub fn pod_mounts(spec: &PodSpec) -> Vec<Mounts<'_>> {
    let inits = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.name != VERIFIER_CONTAINER)
        .map(|c| (c.name.as_str(), c.volume_mounts.as_deref()));
    let regular = spec
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.volume_mounts.as_deref()));
    let ephemeral = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| (c.name.as_str(), c.volume_mounts.as_deref()));
    inits
        .chain(regular)
        .chain(ephemeral)
        .map(|(container, mounts)| Mounts {
            container,
            mounts: mounts.unwrap_or_default(),
        })
        .collect()
}

/// The injection `mv` asks for in `pod`.
pub fn build(pod: &Pod, mv: &ModelValidation, settings: &Settings) -> Result<Injection, String> {
    build_for(pod, &Policy::namespaced(mv), settings)
}

/// The injection `policy` asks for in `pod`. Under `mode: Warn` the verifier reports a failure
/// without failing (`--report-only`), and an enforced scan only warns.
pub fn build_for(pod: &Pod, policy: &Policy<'_>, settings: &Settings) -> Result<Injection, String> {
    let spec = pod.spec.as_ref().ok_or("pod has no spec")?;
    let cr = policy.describe();
    let mv_spec = policy.spec;
    let method = mv_spec.config.method().map_err(|n| {
        format!(
            "{cr} must set exactly one of sigstoreConfig, publicKeyConfig (or its alias \
             privateKeyConfig) and pkiConfig, found {n}"
        )
    })?;
    if policy.kind == Kind::Cluster
        && (!matches!(method, Method::Sigstore(_)) || mv_spec.config.client_trust_config.is_some())
    {
        return Err(format!(
            "{cr} may only use sigstoreConfig without clientTrustConfig: a key, CA or trust \
             config reference would be read from the pod's namespace, whose owners a cluster \
             policy does not trust"
        ));
    }
    let model = &mv_spec.model;
    for (what, path) in [
        ("model.path", &model.path),
        ("model.signaturePath", &model.signature_path),
    ] {
        if !path.starts_with('/') {
            return Err(format!(
                "{cr} {what} must be an absolute path on one of the pod's volumes, found {path:?}"
            ));
        }
    }
    let annotations = pod.metadata.annotations.clone().unwrap_or_default();
    let mut options = effective_options(model, &annotations)?;
    options.scan = mv_spec.scan.unwrap_or_default();
    options.scan_allow_unknown = mv_spec.scan_allow_unknown.unwrap_or(false);
    if policy.mode() == PolicyMode::Warn {
        options.report_only = true;
        if options.scan == ScanMode::Enforce {
            options.scan = ScanMode::Warn;
        }
    }
    if options.scan == ScanMode::Enforce && options.ignore_unsigned_files == Some(true) {
        return Err(format!(
            "{cr} sets scan: Enforce with ignoreUnsignedFiles: true, but the verifier scans the \
             signed files only: unsigned files the workload may load would never be scanned; \
             set ignoreUnsignedFiles: false (or scan: Warn)"
        ));
    }

    let containers = pod_mounts(spec);
    let model_view = view::common(spec, &containers, "model path", &model.path)?;
    let signature_view = view::common(spec, &containers, "signature path", &model.signature_path)?;
    let model_locations: Vec<Location> = model_view
        .locations()
        .into_iter()
        .chain(signature_view.locations())
        .collect();
    let model_volumes: Vec<Location> = model_view
        .volumes(spec)
        .into_iter()
        .chain(signature_view.volumes(spec))
        .collect();
    let mut mounts = VerifierMounts::default();
    mounts.add_view(&model_view)?;
    mounts.add_view(&signature_view)?;

    let mut trust = TrustFiles {
        cr: &cr,
        spec,
        containers: &containers,
        model_volumes: &model_volumes,
        from_pod_volumes: mv_spec.trust_from_pod_volumes == Some(true),
        mounts: &mut mounts,
        volumes: Vec::new(),
    };
    let method_file = match method {
        Method::Sigstore(_) => None,
        Method::PublicKey(c) => Some(
            trust
                .add("key", "public key", "keyRef", &c.key_path, &c.key_ref)?
                .ok_or_else(|| format!("{cr} publicKeyConfig must set keyPath or keyRef"))?,
        ),
        Method::Pki(c) => Some(
            trust
                .add(
                    "ca",
                    "certificate authority",
                    "caRef",
                    &c.certificate_authority,
                    &c.ca_ref,
                )?
                .ok_or_else(|| format!("{cr} pkiConfig must set certificateAuthority or caRef"))?,
        ),
    };
    let trust_config = match (method, &mv_spec.config.client_trust_config) {
        (Method::Sigstore(_), Some(c)) => trust.add(
            "trust-config",
            "trust config",
            "trustConfigRef",
            &c.trust_config_path,
            &c.trust_config_ref,
        )?,
        _ => None,
    };
    let volumes = trust.volumes;
    let resolved = ResolvedMethod::from_method(method, method_file);
    let args = verifier_args::build(
        &resolved,
        model,
        trust_config.as_deref(),
        &options,
        settings.sigstore_offline,
    );
    mounts.check_untouchable(settings)?;
    let container = verifier_container(settings, mv_spec, spec, args, mounts.into_list());
    let hash = container_hash(&container);
    Ok(Injection {
        container,
        volumes,
        model_locations,
        hash,
        auth_method: method.name(),
    })
}

/// The verifier's mounts by cleaned path; two different storages at one path is an error.
#[derive(Default)]
struct VerifierMounts {
    by_path: BTreeMap<Components, (VolumeMount, Location, String)>,
}

impl VerifierMounts {
    fn add_view(&mut self, v: &View<'_>) -> Result<(), String> {
        for (path, mount, location) in v.mounts() {
            self.add(path, mount, location, v.container)?;
        }
        Ok(())
    }

    fn add(
        &mut self,
        path: Components,
        mount: VolumeMount,
        location: Location,
        container: &str,
    ) -> Result<(), String> {
        match self.by_path.get(&path) {
            Some((_, l, _)) if *l == location => Ok(()),
            Some((m, _, c)) => Err(format!(
                "the verifier would need volume {:?} (from container {c:?}) and volume {:?} \
                 (from container {container:?}) both at {}",
                m.name,
                mount.name,
                paths::display(&path)
            )),
            None => {
                self.by_path
                    .insert(path, (mount, location, container.to_owned()));
                Ok(())
            }
        }
    }

    /// No pod volume may cover the verifier's binary, its termination log or its trust
    /// directory: the verifier would run, or report, what the pod put there.
    fn check_untouchable(&self, settings: &Settings) -> Result<(), String> {
        let protected = [
            ("binary", settings.verifier_command.as_str()),
            ("termination log", TERMINATION_LOG),
            ("trust directory", TRUST_DIR),
        ];
        for (path, (mount, location, container)) in &self.by_path {
            if location.storage.starts_with(OPERATOR_TRUST) {
                continue;
            }
            for (what, file) in protected {
                if paths::overlap(path, &paths::clean(file)) {
                    return Err(format!(
                        "container {container:?} mounts volume {:?} at {}, which would cover the \
                         verifier's {what} {file} when the verifier mounts it: keep the model \
                         off that path",
                        mount.name, mount.mount_path
                    ));
                }
            }
        }
        Ok(())
    }

    fn into_list(self) -> Vec<VolumeMount> {
        self.by_path.into_values().map(|(m, _, _)| m).collect()
    }
}

const OPERATOR_TRUST: &str = "operator trust material";

/// Trust files: ConfigMap/Secret keys mounted for the verifier only (the recommended form), or
/// paths on the pod's volumes when the CR opts in and they are not on the model's storage.
struct TrustFiles<'a, 'b> {
    cr: &'a str,
    spec: &'a PodSpec,
    containers: &'a [Mounts<'a>],
    /// The whole volumes holding the model and the signature.
    model_volumes: &'a [Location],
    from_pod_volumes: bool,
    mounts: &'b mut VerifierMounts,
    volumes: Vec<Volume>,
}

impl TrustFiles<'_, '_> {
    fn add(
        &mut self,
        slot: &str,
        what: &'static str,
        ref_field: &str,
        path: &Option<String>,
        reference: &Option<TrustRef>,
    ) -> Result<Option<String>, String> {
        if let Some(r) = reference {
            let (volume, mount, file) = volumes::trust_volume(slot, r);
            self.volumes.push(volume);
            let location = Location {
                storage: format!("{OPERATOR_TRUST} {slot}"),
                path: Vec::new(),
                anywhere: false,
            };
            let at = paths::clean(&mount.mount_path);
            if let Some((m, _, c)) = self.mounts.by_path.get(&at) {
                return Err(format!(
                    "container {c:?} mounts volume {:?} at {}, where the verifier mounts its trust \
                     material",
                    m.name, m.mount_path
                ));
            }
            self.mounts.add(at, mount, location, VERIFIER_CONTAINER)?;
            return Ok(Some(file));
        }
        let Some(path) = path else {
            return Ok(None);
        };
        let v = view::common(self.spec, self.containers, what, path)?;
        if let Some(on_model) = v
            .locations()
            .iter()
            .find(|l| self.model_volumes.iter().any(|m| m.overlaps(l)))
        {
            return Err(format!(
                "{} reads its {what} from {path}, which lies on the model's storage ({}): whoever \
                 writes the model would choose the trust anchor; use {ref_field}",
                self.cr, on_model.storage
            ));
        }
        if !self.from_pod_volumes {
            return Err(format!(
                "{} reads its {what} from {path}, a path on the pod's own volumes, so the pod's \
                 author chooses the trust anchor: use {ref_field} (a ConfigMap or Secret the CR \
                 names), or set spec.trustFromPodVolumes: true to accept that",
                self.cr
            ));
        }
        self.mounts.add_view(&v)?;
        Ok(Some(path.clone()))
    }
}

fn verifier_container(
    settings: &Settings,
    mv_spec: &ModelValidationSpec,
    spec: &PodSpec,
    args: Vec<String>,
    mounts: Vec<VolumeMount>,
) -> Container {
    Container {
        name: VERIFIER_CONTAINER.to_owned(),
        image: Some(settings.verifier_image.clone()),
        image_pull_policy: Some(
            mv_spec
                .image_pull_policy
                .clone()
                .unwrap_or_else(|| settings.default_pull_policy.clone()),
        ),
        command: Some(vec![settings.verifier_command.clone()]),
        args: Some(args),
        volume_mounts: Some(mounts),
        resources: Some(
            mv_spec
                .resources
                .clone()
                .unwrap_or_else(|| settings.default_resources.clone()),
        ),
        security_context: Some(verifier_security_context(spec)),
        termination_message_path: Some(TERMINATION_LOG.to_owned()),
        termination_message_policy: Some("FallbackToLogsOnError".to_owned()),
        ..Container::default()
    }
}

/// The restricted profile with an explicit non-root user and group: the pod's own when they
/// are not root (so the verifier reads what the workload reads), else [`NON_ROOT_ID`]. A pod
/// running as root would otherwise give the verifier uid 0, which `runAsNonRoot` refuses.
pub fn verifier_security_context(spec: &PodSpec) -> SecurityContext {
    let pod = spec.security_context.as_ref();
    let non_root = |id: Option<i64>| id.filter(|id| *id != 0).unwrap_or(NON_ROOT_ID);
    SecurityContext {
        run_as_user: Some(non_root(pod.and_then(|p| p.run_as_user))),
        run_as_group: Some(non_root(pod.and_then(|p| p.run_as_group))),
        ..restricted_security_context()
    }
}

/// The Pod Security Standards' "restricted" profile.
pub fn restricted_security_context() -> SecurityContext {
    SecurityContext {
        run_as_non_root: Some(true),
        read_only_root_filesystem: Some(true),
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            add: None,
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            localhost_profile: None,
        }),
        ..SecurityContext::default()
    }
}

/// SHA-256 of a container's JSON.
pub fn container_hash(c: &Container) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(c).unwrap_or_default()))
}

fn without_service_account(c: &Container) -> Container {
    let sa = paths::clean(SERVICE_ACCOUNT_DIR);
    let mut c = c.clone();
    if let Some(mounts) = c.volume_mounts.as_mut() {
        mounts.retain(|m| !paths::holds(&sa, &paths::clean(&m.mount_path)));
    }
    c
}
