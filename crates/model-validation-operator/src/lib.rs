//! The `ModelValidation` operator: a mutating webhook that injects the `model_signing` verifier
//! as an init container into labelled pods, and a controller that reads the verdicts back into
//! the CR status. The decisions are pure functions ([`mutate::decide`],
//! [`status::verdicts_from_pods`]); the server, controller, TLS and metrics are thin shells.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod admission;
pub mod audit;
pub mod controller;
pub mod crd;
pub mod govern;
pub mod index;
pub mod init_order;
pub mod injection;
pub mod leader;
pub mod metrics;
pub mod mutate;
pub mod paths;
pub mod policy;
pub mod scope;
pub mod self_signed;
pub mod settings;
pub mod status;
pub mod storage;
pub mod tls;
pub mod update;
pub mod verifier_args;
pub mod view;
pub mod volumes;
pub mod webhook;
pub mod webhook_scope;

/// The pod label whose value names the `ModelValidation` in the pod's namespace.
pub const MODEL_LABEL: &str = "validation.ml.sigstore.dev/ml";
/// Set by the webhook on pods a policy selected by their claims (not by [`MODEL_LABEL`]), so
/// the controller watches them without caching every pod.
pub const GOVERNED_LABEL: &str = "validation.ml.sigstore.dev/governed";
/// Namespaces labelled with this (value `"true"`) are skipped by the webhook configuration.
pub const IGNORE_NAMESPACE_LABEL: &str = "validation.ml.sigstore.dev/ignore";
/// The injected init container's name (reserved: pods may not declare it themselves).
pub const VERIFIER_CONTAINER: &str = "model-validation";
/// Annotation holding the SHA-256 of the injected container spec (recognises our injection).
pub const INJECTED_HASH_ANNOTATION: &str = "validation.ml.sigstore.dev/injected-spec-hash";
/// The Go operator's annotation naming the auth method.
pub const AUTH_METHOD_ANNOTATION: &str = "validation.ml.sigstore.dev/auth-method";
/// Pod annotations that may narrow (never relax) the CR's model policy.
pub const IGNORE_PATHS_ANNOTATION: &str = "validation.ml.sigstore.dev/ignore-paths";
pub const IGNORE_GIT_PATHS_ANNOTATION: &str = "validation.ml.sigstore.dev/ignore-git-paths";
pub const IGNORE_UNSIGNED_ANNOTATION: &str = "validation.ml.sigstore.dev/ignore-unsigned-files";
pub const ALLOW_SYMLINKS_ANNOTATION: &str = "validation.ml.sigstore.dev/allow-symlinks";
/// Where the verifier writes its one-line verdict (Kubernetes' default termination log).
pub const TERMINATION_LOG: &str = "/dev/termination-log";
