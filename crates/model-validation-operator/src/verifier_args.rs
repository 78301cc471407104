//! The verifier's argument vector, in the `model_signing` CLI's own (hyphenated) syntax:
//!
//! ```text
//! verify sigstore    --signature=<sig> --identity <id> --identity-provider <issuer> [--trust-config <f>] [ignore flags] <model>
//! verify key         --signature=<sig> --public-key <pub>                          [--trust-config <f>] [ignore flags] <model>
//! verify certificate --signature=<sig> --certificate-chain <ca>                    [--trust-config <f>] [ignore flags] <model>
//! ```
//!
//! followed (before `<model>`) by the scan flags when the CR asks for a scan (`--scan`, then
//! `--scan-warn-only` for `Warn`, `--scan-allow-unknown`), `--report-only` under the policy's
//! `mode: Warn`, `--termination-log /dev/termination-log`
//! and, for Sigstore, `--offline`.

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

pub fn build(
    method: &ResolvedMethod<'_>,
    model: &ModelSpec,
    trust_config: Option<&str>,
    options: &ModelOptions,
    offline: bool,
) -> Vec<String> {
    let mut args: Vec<String> = vec!["verify".into()];
    let signature = format!("--signature={}", model.signature_path);
    match method {
        ResolvedMethod::Sigstore(c) => {
            args.extend(["sigstore".into(), signature]);
            push_pair(&mut args, "--identity", c.certificate_identity.as_deref());
            push_pair(&mut args, "--identity-regexp", c.identity_regexp.as_deref());
            push_pair(
                &mut args,
                "--identity-provider",
                c.certificate_oidc_issuer.as_deref(),
            );
            push_pair(
                &mut args,
                "--identity-provider-regexp",
                c.issuer_regexp.as_deref(),
            );
            push_pair(
                &mut args,
                "--github-workflow-repository",
                c.github_workflow_repository.as_deref(),
            );
            push_pair(
                &mut args,
                "--github-workflow-ref",
                c.github_workflow_ref.as_deref(),
            );
        }
        ResolvedMethod::Key(path) => {
            args.extend(["key".into(), signature, "--public-key".into(), path.clone()]);
        }
        ResolvedMethod::Certificate(path) => {
            args.extend([
                "certificate".into(),
                signature,
                "--certificate-chain".into(),
                path.clone(),
            ]);
        }
    }
    // The CLI takes --trust-config on the Sigstore method only; the Go operator appended it to
    // every method, where it means nothing, so it is dropped there.
    if matches!(method, ResolvedMethod::Sigstore(_)) {
        push_pair(&mut args, "--trust-config", trust_config);
    }
    for p in &options.ignore_paths {
        args.extend(["--ignore-paths".into(), p.clone()]);
    }
    match options.ignore_git_paths {
        Some(true) => args.push("--ignore-git-paths".into()),
        Some(false) => args.push("--no-ignore-git-paths".into()),
        None => {}
    }
    match options.ignore_unsigned_files {
        Some(true) => args.push("--ignore-unsigned-files".into()),
        Some(false) => args.push("--no-ignore-unsigned-files".into()),
        None => {}
    }
    if options.allow_symlinks {
        args.push("--allow-symlinks".into());
    }
    if options.scan != ScanMode::Off {
        args.push("--scan".into());
        if options.scan == ScanMode::Warn {
            args.push("--scan-warn-only".into());
        }
        if options.scan_allow_unknown {
            args.push("--scan-allow-unknown".into());
        }
    }
    if options.report_only {
        args.push("--report-only".into());
    }
    args.extend(["--termination-log".into(), TERMINATION_LOG.into()]);
    if offline && matches!(method, ResolvedMethod::Sigstore(_)) {
        args.push("--offline".into());
    }
    args.push(model.path.clone());
    args
}

fn push_pair(args: &mut Vec<String>, flag: &str, value: Option<&str>) {
    if let Some(v) = value {
        args.extend([flag.to_owned(), v.to_owned()]);
    }
}
