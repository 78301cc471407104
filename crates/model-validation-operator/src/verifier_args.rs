//! The verifier's arguments: the CR's method, model and options as a
//! [`verifier_contract::VerifierArgs`], the struct the `model_signing` CLI's parser shares its
//! flag names with; [`VerifierArgs::to_argv`] renders the CLI's own (hyphenated) syntax.
//! `--report-only` is passed under a policy's `mode: Warn` (the verifier reports, the pod starts).

use verifier_contract::{Scan, SigstoreIdentity, VerifierArgs, VerifierMethod};

use crate::crd::{Method, ModelSpec, ScanMode, SigstoreConfig};
use crate::policy::ModelOptions;
use crate::TERMINATION_LOG;

/// The method with its trust file resolved to a path inside the verifier container.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolvedMethod<'a> {
    Sigstore(&'a SigstoreConfig),
    Key(String),
    Certificate(String),
}

impl ResolvedMethod<'_> {
    pub fn from_method<'a>(method: Method<'a>, trust_file: Option<String>) -> ResolvedMethod<'a> {
        match method {
            Method::Sigstore(c) => ResolvedMethod::Sigstore(c),
            Method::PublicKey(_) => ResolvedMethod::Key(trust_file.unwrap_or_default()),
            Method::Pki(_) => ResolvedMethod::Certificate(trust_file.unwrap_or_default()),
        }
    }
}

/// The verifier's argument vector: [`verifier_args`] rendered by the shared contract.
pub fn build(
    method: &ResolvedMethod<'_>,
    model: &ModelSpec,
    trust_config: Option<&str>,
    options: &ModelOptions,
    offline: bool,
) -> Vec<String> {
    verifier_args(method, model, trust_config, options, offline).to_argv()
}

/// What the verifier is asked to do, as the typed struct the CLI's parser shares.
pub fn verifier_args(
    method: &ResolvedMethod<'_>,
    model: &ModelSpec,
    trust_config: Option<&str>,
    options: &ModelOptions,
    offline: bool,
) -> VerifierArgs {
    let method = match method {
        // The CLI takes --trust-config on the Sigstore method only; the Go operator appended it
        // to every method, where it means nothing, so it is dropped there.
        ResolvedMethod::Sigstore(c) => VerifierMethod::Sigstore(SigstoreIdentity {
            identity: c.certificate_identity.clone(),
            identity_regexp: c.identity_regexp.clone(),
            identity_provider: c.certificate_oidc_issuer.clone(),
            identity_provider_regexp: c.issuer_regexp.clone(),
            github_workflow_repository: c.github_workflow_repository.clone(),
            github_workflow_ref: c.github_workflow_ref.clone(),
            trust_config: trust_config.map(str::to_owned),
            offline,
        }),
        ResolvedMethod::Key(path) => VerifierMethod::Key {
            public_key: path.clone(),
        },
        ResolvedMethod::Certificate(path) => VerifierMethod::Certificate {
            certificate_chain: path.clone(),
        },
    };
    VerifierArgs {
        method,
        signature: model.signature_path.clone(),
        model: model.path.clone(),
        ignore_paths: options.ignore_paths.clone(),
        ignore_git_paths: options.ignore_git_paths,
        ignore_unsigned_files: options.ignore_unsigned_files,
        allow_symlinks: options.allow_symlinks,
        scan: (options.scan != ScanMode::Off).then_some(Scan {
            warn_only: options.scan == ScanMode::Warn,
            allow_unknown: options.scan_allow_unknown,
        }),
        report_only: options.report_only,
        termination_log: Some(TERMINATION_LOG.to_owned()),
    }
}
