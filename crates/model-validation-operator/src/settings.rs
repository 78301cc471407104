//! Operator-wide settings that shape the injected container.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// Default verifier image; releases pin it by digest through `--verifier-image`.
pub const DEFAULT_VERIFIER_IMAGE: &str = "ghcr.io/sigstore/model-signing-rs-verifier:latest";
/// Where the verifier image keeps the static `model_signing` binary (the Go operator's path).
pub const DEFAULT_VERIFIER_COMMAND: &str = "/usr/local/bin/model_signing";

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub verifier_image: String,
    pub verifier_command: String,
    /// Used when the CR sets no `imagePullPolicy`.
    pub default_pull_policy: String,
    /// Used when the CR sets no `resources`.
    pub default_resources: ResourceRequirements,
    /// Pass `--offline` to Sigstore verification: the image embeds the trust roots, so pods need
    /// no network (and the read-only root file system has no TUF cache to write).
    pub sigstore_offline: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            verifier_image: DEFAULT_VERIFIER_IMAGE.to_owned(),
            verifier_command: DEFAULT_VERIFIER_COMMAND.to_owned(),
            default_pull_policy: "IfNotPresent".to_owned(),
            default_resources: default_resources(),
            sigstore_offline: true,
        }
    }
}

/// Requests small enough for any node; a memory limit (hashing streams, it does not load the
/// model); no CPU limit, because throttling the hash of a multi-GB model only delays the pod.
pub fn default_resources() -> ResourceRequirements {
    let q = |s: &str| Quantity(s.to_owned());
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_owned(), q("100m")),
            ("memory".to_owned(), q("64Mi")),
        ])),
        limits: Some(BTreeMap::from([("memory".to_owned(), q("512Mi"))])),
        ..ResourceRequirements::default()
    }
}
