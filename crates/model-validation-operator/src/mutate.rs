//! The webhook's decision for one pod: allow unchanged, patch in the verifier, or deny.
//! Pure: no I/O, no clock; the same pod, CR and settings always give the same answer, and
//! applying the patch and deciding again gives `Allow` (reinvocation is idempotent).

use std::collections::BTreeMap;

use json_patch::Patch;
use k8s_openapi::api::core::v1::{
    Capabilities, Container, Pod, PodSpec, SeccompProfile, SecurityContext, Volume, VolumeMount,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crd::{Method, ModelValidation, TrustRef};
use crate::policy::effective_options;
use crate::settings::Settings;
use crate::verifier_args::{self, ResolvedMethod};
use crate::volumes::{self, NeededPath};
use crate::{
    AUTH_METHOD_ANNOTATION, INJECTED_HASH_ANNOTATION, MODEL_LABEL, TERMINATION_LOG,
    VERIFIER_CONTAINER,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Admit unchanged (not labelled, or already carrying exactly our injection).
    Allow(String),
    /// Admit with this JSON patch applied.
    Patch(Patch),
    /// Refuse, with a message for the pod's author.
    Deny(String),
}

/// What the webhook does with a pod being created. `mv` is the `ModelValidation` named by the
/// pod's label, looked up in the pod's namespace (`None` when it does not exist).
pub fn decide(pod: &Pod, mv: Option<&ModelValidation>, settings: &Settings) -> Decision {
    match plan(pod, mv, settings) {
        Ok(Some(ops)) if ops.is_empty() => {
            Decision::Allow("the model-validation init container is already injected".into())
        }
        Ok(Some(ops)) => match serde_json::from_value::<Patch>(Value::Array(ops)) {
            Ok(patch) => Decision::Patch(patch),
            Err(err) => Decision::Deny(format!("internal error building the patch: {err}")),
        },
        Ok(None) => Decision::Allow(format!("pod has no {MODEL_LABEL} label")),
        Err(message) => Decision::Deny(message),
    }
}

/// The JSON patch operations, `None` for an unlabelled pod.
fn plan(
    pod: &Pod,
    mv: Option<&ModelValidation>,
    settings: &Settings,
) -> Result<Option<Vec<Value>>, String> {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let Some(cr_name) = labels.get(MODEL_LABEL) else {
        return Ok(None);
    };
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    if cr_name.is_empty() {
        return Err(format!(
            "pod label {MODEL_LABEL} is empty: set it to the name of a ModelValidation in \
             namespace {namespace:?}"
        ));
    }
    let spec = pod.spec.as_ref().ok_or("pod has no spec")?;
    if spec.containers.iter().any(|c| c.name == VERIFIER_CONTAINER) {
        return Err(reserved_name_message());
    }
    let Some(mv) = mv else {
        return Err(format!(
            "ModelValidation {cr_name:?} not found in namespace {namespace:?} (named by the \
             pod's {MODEL_LABEL} label); create it before the pod"
        ));
    };
    let mv_namespace = mv.metadata.namespace.as_deref().unwrap_or_default();
    let mv_name = mv.metadata.name.as_deref().unwrap_or_default();
    if mv_namespace != namespace || mv_name != cr_name.as_str() {
        return Err(format!(
            "the pod in namespace {namespace:?} names ModelValidation {cr_name:?}, but was \
             given {mv_namespace}/{mv_name}: a ModelValidation only governs pods in its own \
             namespace"
        ));
    }
    let injection = injection(pod, spec, mv, settings)?;
    let annotations = pod.metadata.annotations.clone().unwrap_or_default();
    let mut ops = container_ops(spec, &injection.container, &annotations)?;
    ops.extend(volume_ops(spec, &injection.volumes)?);
    if mv.spec.read_only_model_mounts != Some(false) {
        ops.extend(read_only_ops(spec, &injection.model_volumes));
    }
    let wanted = BTreeMap::from([
        (INJECTED_HASH_ANNOTATION, injection.hash.as_str()),
        (AUTH_METHOD_ANNOTATION, injection.auth_method),
    ]);
    ops.extend(annotation_ops(
        &annotations,
        pod.metadata.annotations.is_none(),
        &wanted,
    ));
    Ok(Some(ops))
}

/// The container, extra volumes and model volumes this pod should have.
struct Injection {
    container: Container,
    volumes: Vec<Volume>,
    model_volumes: std::collections::BTreeSet<String>,
    hash: String,
    auth_method: &'static str,
}

fn injection(
    pod: &Pod,
    spec: &PodSpec,
    mv: &ModelValidation,
    settings: &Settings,
) -> Result<Injection, String> {
    let cr = format!(
        "ModelValidation {}/{}",
        mv.metadata.namespace.as_deref().unwrap_or_default(),
        mv.metadata.name.as_deref().unwrap_or_default()
    );
    let method = mv.spec.config.method().map_err(|n| {
        format!(
            "{cr} must set exactly one of sigstoreConfig, publicKeyConfig (or its alias \
             privateKeyConfig) and pkiConfig, found {n}"
        )
    })?;
    let model = &mv.spec.model;
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
    options.scan = mv.spec.scan.unwrap_or_default();
    options.scan_allow_unknown = mv.spec.scan_allow_unknown.unwrap_or(false);

    let mut trust = TrustFiles::default();
    let method_file = match method {
        Method::Sigstore(_) => None,
        Method::PublicKey(c) => Some(
            trust
                .add("key", "public key", &c.key_path, &c.key_ref)
                .ok_or_else(|| format!("{cr} publicKeyConfig must set keyPath or keyRef"))?,
        ),
        Method::Pki(c) => Some(
            trust
                .add(
                    "ca",
                    "certificate authority",
                    &c.certificate_authority,
                    &c.ca_ref,
                )
                .ok_or_else(|| format!("{cr} pkiConfig must set certificateAuthority or caRef"))?,
        ),
    };
    let trust_config = match (method, &mv.spec.config.client_trust_config) {
        (Method::Sigstore(_), Some(c)) => trust.add(
            "trust-config",
            "trust config",
            &c.trust_config_path,
            &c.trust_config_ref,
        ),
        _ => None,
    };
    let resolved = ResolvedMethod::from_method(method, method_file);
    let args = verifier_args::build(
        &resolved,
        model,
        trust_config.as_deref(),
        &options,
        settings.sigstore_offline,
    );

    let mut needed = vec![
        NeededPath {
            what: "model path",
            path: &model.path,
            is_model: true,
        },
        NeededPath {
            what: "signature path",
            path: &model.signature_path,
            is_model: true,
        },
    ];
    needed.extend(trust.paths.iter().map(|(what, path)| NeededPath {
        what,
        path,
        is_model: false,
    }));
    let mut plan = volumes::plan(spec, &needed)?;
    for mount in trust.mounts {
        if plan.mounts.iter().any(|m| m.mount_path == mount.mount_path) {
            return Err(format!(
                "the pod mounts a volume at {}, where the verifier mounts its trust material",
                mount.mount_path
            ));
        }
        plan.mounts.push(mount);
    }
    let container = verifier_container(settings, mv, args, plan.mounts);
    let hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&container).map_err(|e| e.to_string())?,
    ));
    Ok(Injection {
        container,
        volumes: trust.volumes,
        model_volumes: plan.model_volumes,
        hash,
        auth_method: method.name(),
    })
}

/// Trust files: paths on the pod's volumes, or ConfigMap/Secret keys mounted for the verifier.
#[derive(Default)]
struct TrustFiles {
    paths: Vec<(&'static str, String)>,
    volumes: Vec<Volume>,
    mounts: Vec<VolumeMount>,
}

impl TrustFiles {
    fn add(
        &mut self,
        slot: &str,
        what: &'static str,
        path: &Option<String>,
        reference: &Option<TrustRef>,
    ) -> Option<String> {
        let file = if let Some(r) = reference {
            let (volume, mount, file) = volumes::trust_volume(slot, r);
            self.volumes.push(volume);
            self.mounts.push(mount);
            file
        } else {
            let path = path.clone()?;
            self.paths.push((what, path.clone()));
            path
        };
        Some(file)
    }
}

fn verifier_container(
    settings: &Settings,
    mv: &ModelValidation,
    args: Vec<String>,
    mounts: Vec<VolumeMount>,
) -> Container {
    Container {
        name: VERIFIER_CONTAINER.to_owned(),
        image: Some(settings.verifier_image.clone()),
        image_pull_policy: Some(
            mv.spec
                .image_pull_policy
                .clone()
                .unwrap_or_else(|| settings.default_pull_policy.clone()),
        ),
        command: Some(vec![settings.verifier_command.clone()]),
        args: Some(args),
        volume_mounts: Some(mounts),
        resources: Some(
            mv.spec
                .resources
                .clone()
                .unwrap_or_else(|| settings.default_resources.clone()),
        ),
        security_context: Some(restricted_security_context()),
        termination_message_path: Some(TERMINATION_LOG.to_owned()),
        termination_message_policy: Some("FallbackToLogsOnError".to_owned()),
        ..Container::default()
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

fn reserved_name_message() -> String {
    format!(
        "the container name {VERIFIER_CONTAINER:?} is reserved for the model verifier that \
         the operator injects; rename the pod's container"
    )
}

/// Add the verifier, keep an identical one, or replace one we injected earlier (the pod
/// carries our hash annotation; a later webhook may have added volumes). A container of that
/// name without the annotation is the pod author's and is refused.
fn container_ops(
    spec: &PodSpec,
    desired: &Container,
    annotations: &BTreeMap<String, String>,
) -> Result<Vec<Value>, String> {
    let inits = spec.init_containers.as_deref().unwrap_or_default();
    let value = serde_json::to_value(desired).map_err(|e| e.to_string())?;
    match inits.iter().position(|c| c.name == VERIFIER_CONTAINER) {
        None if spec.init_containers.is_none() => Ok(vec![
            json!({"op": "add", "path": "/spec/initContainers", "value": [value]}),
        ]),
        None => Ok(vec![
            json!({"op": "add", "path": "/spec/initContainers/-", "value": value}),
        ]),
        Some(i) if inits.get(i) == Some(desired) => Ok(vec![]),
        Some(i) if annotations.contains_key(INJECTED_HASH_ANNOTATION) => Ok(vec![
            json!({"op": "replace", "path": format!("/spec/initContainers/{i}"), "value": value}),
        ]),
        Some(_) => Err(reserved_name_message()),
    }
}

fn volume_ops(spec: &PodSpec, wanted: &[Volume]) -> Result<Vec<Value>, String> {
    let existing = spec.volumes.as_deref().unwrap_or_default();
    let mut missing = Vec::new();
    for volume in wanted {
        match existing.iter().find(|v| v.name == volume.name) {
            Some(v) if v == volume => {}
            Some(_) => {
                return Err(format!(
                    "the pod declares a volume named {:?}, which is reserved for the verifier's \
                     trust material",
                    volume.name
                ))
            }
            None => missing.push(serde_json::to_value(volume).map_err(|e| e.to_string())?),
        }
    }
    if missing.is_empty() {
        return Ok(vec![]);
    }
    if spec.volumes.is_none() {
        return Ok(vec![
            json!({"op": "add", "path": "/spec/volumes", "value": missing}),
        ]);
    }
    Ok(missing
        .into_iter()
        .map(|v| json!({"op": "add", "path": "/spec/volumes/-", "value": v}))
        .collect())
}

/// The workload's own mounts of the model's volumes become read-only (init containers keep
/// theirs: a downloader must be able to write the model before it is verified).
fn read_only_ops(spec: &PodSpec, model_volumes: &std::collections::BTreeSet<String>) -> Vec<Value> {
    let mut ops = Vec::new();
    for (i, container) in volumes::workload_containers(spec).enumerate() {
        for (j, mount) in container.volume_mounts.iter().flatten().enumerate() {
            if model_volumes.contains(&mount.name) && mount.read_only != Some(true) {
                ops.push(json!({
                    "op": "add",
                    "path": format!("/spec/containers/{i}/volumeMounts/{j}/readOnly"),
                    "value": true,
                }));
            }
        }
    }
    ops
}

fn annotation_ops(
    existing: &BTreeMap<String, String>,
    absent: bool,
    wanted: &BTreeMap<&str, &str>,
) -> Vec<Value> {
    let changed: BTreeMap<&str, &str> = wanted
        .iter()
        .filter(|(k, v)| existing.get(**k).map(String::as_str) != Some(**v))
        .map(|(k, v)| (*k, *v))
        .collect();
    if changed.is_empty() {
        return vec![];
    }
    if absent {
        return vec![json!({"op": "add", "path": "/metadata/annotations", "value": changed})];
    }
    changed
        .iter()
        .map(|(k, v)| {
            json!({
                "op": "add",
                "path": format!("/metadata/annotations/{}", escape_pointer(k)),
                "value": v,
            })
        })
        .collect()
}

/// RFC 6901 escaping of one JSON pointer token.
fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
