//! The `ModelValidation` custom resource (`ml.sigstore.dev/v1alpha1`), in the Go operator's G3
//! spec shape plus what it lacked: regex identities, GitHub workflow claims, trust material by
//! reference, and a status that says whether verification passed.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

/// What a labelled pod must prove about the model on its volumes before it may start.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[kube(
    group = "ml.sigstore.dev",
    version = "v1alpha1",
    kind = "ModelValidation",
    plural = "modelvalidations",
    singular = "modelvalidation",
    shortname = "mv",
    namespaced,
    status = "ModelValidationStatus",
    printcolumn = r#"{"name":"Auth Method","type":"string","jsonPath":".status.authMethod"}"#,
    printcolumn = r#"{"name":"Verified","type":"integer","jsonPath":".status.verifiedPods"}"#,
    printcolumn = r#"{"name":"Failed","type":"integer","jsonPath":".status.failedPods"}"#,
    printcolumn = r#"{"name":"Pending","type":"integer","jsonPath":".status.pendingPods"}"#,
    printcolumn = r#"{"name":"Model Path","type":"string","jsonPath":".spec.model.path"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct ModelValidationSpec {
    pub model: ModelSpec,
    pub config: ValidationConfig,
    /// Pull policy of the injected verifier (default `IfNotPresent`; the image is pinned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new("self in ['Always', 'IfNotPresent', 'Never']").message("imagePullPolicy must be Always, IfNotPresent or Never"))]
    #[schemars(length(max = 16))]
    pub image_pull_policy: Option<String>,
    /// Resources of the verifier container (default: the operator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Make the workload containers' mounts of the model volume read-only (default true), so the
    /// workload cannot change the model after it was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_model_mounts: Option<bool>,
    /// Accept `keyPath`, `certificateAuthority` or `trustConfigPath` on a volume the pod
    /// declares (default false). The pod's author then chooses the trust anchor; prefer
    /// `keyRef`, `caRef` and `trustConfigRef`. A path on the model's storage is refused anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_from_pod_volumes: Option<bool>,
    /// Scan the model for code disguised as weights (pickle imports, unsafe headers) on the bytes
    /// the verifier hashes: `Enforce` fails the pod when a file is dangerous (or unknown, unless
    /// `scanAllowUnknown`), `Warn` writes the findings to the verifier's log, `Off` (the default)
    /// does not scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanMode>,
    /// With `scan`: accept files the scanner cannot inspect (verdict unknown, e.g. ONNX or 7z);
    /// dangerous files still fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_allow_unknown: Option<bool>,
    /// What the policy governs besides the pods labelled with its name: every pod in its scope
    /// that declares one of these claims gets the verifier, label or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governs: Option<Governs>,
    /// `Enforce` (default): a model that fails keeps the pod from starting. `Warn`: the pod is
    /// admitted with a warning and starts whatever the verdict, which the status reports.
    /// `Audit`: nothing is injected; the status reports the pods in scope and whether admission
    /// would have refused them. Applies to the scan too (`scan: Enforce` acts as `Warn` under
    /// `Warn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<PolicyMode>,
}

/// How a policy acts on the pods it governs, weakest first (the order is how policies
/// governing one pod combine: the strictest wins).
#[derive(
    schemars::JsonSchema,
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
)]
pub enum PolicyMode {
    Audit,
    Warn,
    #[default]
    Enforce,
}

/// The storage (and optionally the pods) a policy governs within its scope.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Governs {
    /// PersistentVolumeClaim names: a pod that declares a volume of one of these claims is
    /// governed.
    #[schemars(length(min = 1, max = 32), inner(length(max = 253)))]
    #[x_kube(validation = Rule::new("self.all(c, c.matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'))").message("claimNames must be PersistentVolumeClaim names"))]
    pub claim_names: Vec<String>,
    /// Only pods whose labels match (default: every pod that declares a governed claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<Selector>,
}

/// A label selector (the shape of Kubernetes' `LabelSelector`, bounded).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 32))]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 32))]
    pub match_expressions: Vec<SelectorRequirement>,
}

/// One requirement of a [`Selector`].
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SelectorRequirement {
    #[schemars(length(max = 317))]
    pub key: String,
    #[x_kube(validation = Rule::new("self in ['In', 'NotIn', 'Exists', 'DoesNotExist']").message("operator must be In, NotIn, Exists or DoesNotExist"))]
    #[schemars(length(max = 16))]
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64), inner(length(max = 63)))]
    pub values: Vec<String>,
}

/// A cluster-wide `ModelValidation`, owned by the platform team: it governs the claims of
/// `spec.governs` in every namespace `namespaceSelector` picks, and no pod label can weaken it.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[kube(
    group = "ml.sigstore.dev",
    version = "v1alpha1",
    kind = "ClusterModelValidation",
    plural = "clustermodelvalidations",
    singular = "clustermodelvalidation",
    shortname = "cmv",
    status = "ModelValidationStatus",
    printcolumn = r#"{"name":"Mode","type":"string","jsonPath":".spec.mode"}"#,
    printcolumn = r#"{"name":"Verified","type":"integer","jsonPath":".status.verifiedPods"}"#,
    printcolumn = r#"{"name":"Failed","type":"integer","jsonPath":".status.failedPods"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.governs)").message("a ClusterModelValidation must say what it governs (spec.governs.claimNames)"))]
#[x_kube(validation = Rule::new("has(self.config.sigstoreConfig) && !has(self.config.clientTrustConfig)").message("a ClusterModelValidation may only use sigstoreConfig without clientTrustConfig: a ConfigMap or Secret would be read from the pod's namespace"))]
pub struct ClusterModelValidationSpec {
    /// The namespaces governed (default: every namespace the webhook sees).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<Selector>,
    #[serde(flatten)]
    pub policy: ModelValidationSpec,
}

/// What the verifier does with the scanner's verdicts.
#[derive(
    schemars::JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub enum ScanMode {
    Enforce,
    Warn,
    #[default]
    Off,
}

/// Where the model and its signature are, and which files the signature may leave out.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModelSpec {
    /// The model directory or file, as mounted in the pod.
    #[x_kube(validation = Rule::new("self.startsWith('/')").message("model.path must be an absolute path inside the pod's volumes"))]
    #[schemars(length(max = 4096))]
    pub path: String,
    /// The signature (Sigstore bundle), usually `<path>/model.sig`.
    #[x_kube(validation = Rule::new("self.startsWith('/')").message("model.signaturePath must be an absolute path inside the pod's volumes"))]
    #[schemars(length(max = 4096))]
    pub signature_path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64), inner(length(max = 4096)))]
    pub ignore_paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_git_paths: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_unsigned_files: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_symlinks: Option<bool>,
}

/// Exactly one verification method, plus an optional Sigstore trust configuration.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("[has(self.sigstoreConfig), has(self.publicKeyConfig), has(self.privateKeyConfig), has(self.pkiConfig)].filter(x, x).size() == 1").message("exactly one validation method must be specified"))]
pub struct ValidationConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigstore_config: Option<SigstoreConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_config: Option<PublicKeyConfig>,
    /// Deprecated alias of `publicKeyConfig` (the Go operator's G0–G2 name; it holds a public key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_config: Option<PublicKeyConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pki_config: Option<PkiConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_trust_config: Option<ClientTrustConfig>,
}

/// Keyless (Sigstore) signatures: who must have signed, exactly or by regular expression.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.certificateIdentity) != has(self.identityRegexp)").message("set exactly one of certificateIdentity and identityRegexp"))]
#[x_kube(validation = Rule::new("has(self.certificateOidcIssuer) != has(self.issuerRegexp)").message("set exactly one of certificateOidcIssuer and issuerRegexp"))]
pub struct SigstoreConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub certificate_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub certificate_oidc_issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub identity_regexp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub issuer_regexp: Option<String>,
    /// `owner/repo` of the GitHub Actions workflow that must have signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub github_workflow_repository: Option<String>,
    /// The git ref (e.g. `refs/tags/v1`) that workflow must have run on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub github_workflow_ref: Option<String>,
}

/// A public key, as a path in the pod's volumes or (better) a ConfigMap/Secret key.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.keyPath) != has(self.keyRef)").message("set exactly one of keyPath and keyRef"))]
pub struct PublicKeyConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 4096))]
    pub key_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ref: Option<TrustRef>,
}

/// Certificate signatures: the CA (chain) to trust.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.certificateAuthority) != has(self.caRef)").message("set exactly one of certificateAuthority and caRef"))]
pub struct PkiConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 4096))]
    pub certificate_authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_ref: Option<TrustRef>,
}

/// A Sigstore ClientTrustConfig JSON, for private Sigstore deployments.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.trustConfigPath) != has(self.trustConfigRef)").message("set exactly one of trustConfigPath and trustConfigRef"))]
pub struct ClientTrustConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 4096))]
    pub trust_config_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_config_ref: Option<TrustRef>,
}

/// A key of a ConfigMap or Secret in the CR's namespace, mounted read-only into the verifier
/// only: whoever can write the model volume cannot also swap the trust anchor.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TrustRef {
    #[x_kube(validation = Rule::new("self in ['ConfigMap', 'Secret']").message("kind must be ConfigMap or Secret"))]
    #[schemars(length(max = 16))]
    pub kind: String,
    #[schemars(length(max = 253))]
    pub name: String,
    #[x_kube(validation = Rule::new("self.matches('^[-._a-zA-Z0-9]+$')").message("key must be a ConfigMap/Secret key"))]
    #[schemars(length(max = 253))]
    pub key: String,
}

/// What the controller observed: verdicts, not injections.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModelValidationStatus {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 8))]
    pub conditions: Vec<StatusCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub auth_method: Option<String>,
    #[serde(default)]
    pub verified_pods: i32,
    #[serde(default)]
    pub failed_pods: i32,
    #[serde(default)]
    pub pending_pods: i32,
    /// Labelled pods without the verifier (created while the webhook was bypassed).
    #[serde(default)]
    pub uninjected_pods: i32,
    /// Pods injected for an earlier spec (or verifier): their verdicts no longer count.
    #[serde(default)]
    pub stale_pods: i32,
    /// `mode: Audit`: pods in scope that admission under `Enforce` would refuse.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub would_refuse_pods: i32,
    /// `mode: Audit`: pods in scope running without verification.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unverified_pods: i32,
    /// The newest verdicts first, at most [`crate::status::MAX_RECENT_VERDICTS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 20))]
    pub recent_verdicts: Vec<PodVerdict>,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// A `metav1.Condition`.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusCondition {
    #[serde(rename = "type")]
    #[schemars(length(max = 64))]
    pub type_: String,
    #[schemars(length(max = 16))]
    pub status: String,
    #[schemars(length(max = 64))]
    pub reason: String,
    #[schemars(length(max = 4096))]
    pub message: String,
    #[schemars(length(max = 64))]
    pub last_transition_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// One pod's verdict.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodVerdict {
    #[schemars(length(max = 253))]
    pub pod: String,
    #[schemars(length(max = 64))]
    pub uid: String,
    /// `Verified`, `Failed`, `Pending`, `NotInjected`, `Stale`, or under `mode: Audit`
    /// `WouldRefuse` and `Unverified`.
    #[schemars(length(max = 16))]
    pub result: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 1024))]
    pub reason: String,
    /// RFC 3339: when the verifier finished, else when the pod was created.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 64))]
    pub time: String,
}

/// Which method a config selects; `None` unless exactly one is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method<'a> {
    Sigstore(&'a SigstoreConfig),
    PublicKey(&'a PublicKeyConfig),
    Pki(&'a PkiConfig),
}

impl Method<'_> {
    /// The Go operator's `authMethod` names.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Sigstore(_) => "sigstore",
            Method::PublicKey(_) => "public-key",
            Method::Pki(_) => "pki",
        }
    }
}

impl ValidationConfig {
    /// The one method set (counting the `privateKeyConfig` alias), or how many were set.
    pub fn method(&self) -> Result<Method<'_>, usize> {
        let mut set: Vec<Method<'_>> = Vec::new();
        if let Some(c) = &self.sigstore_config {
            set.push(Method::Sigstore(c));
        }
        if let Some(c) = &self.public_key_config {
            set.push(Method::PublicKey(c));
        }
        if let Some(c) = &self.private_key_config {
            set.push(Method::PublicKey(c));
        }
        if let Some(c) = &self.pki_config {
            set.push(Method::Pki(c));
        }
        match set.as_slice() {
            [one] => Ok(*one),
            other => Err(other.len()),
        }
    }
}

/// The CRD as YAML (what `model-validation-operator crd` prints and `config/crd/bases` holds).
pub fn crd_yaml() -> Result<String, serde_yaml::Error> {
    use kube::CustomResourceExt;
    serde_yaml::to_string(&ModelValidation::crd())
}

/// The cluster-scoped CRD as YAML (`model-validation-operator crd --cluster`).
pub fn cluster_crd_yaml() -> Result<String, serde_yaml::Error> {
    use kube::CustomResourceExt;
    serde_yaml::to_string(&ClusterModelValidation::crd())
}
