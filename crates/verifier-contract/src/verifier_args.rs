//! What the operator asks the verifier to verify, and the argument vector that says it.

use sha2::{Digest, Sha256};

use crate::flags;

/// One `model_signing verify` run, as the operator builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierArgs {
    pub method: VerifierMethod,
    /// The signature file, inside the verifier container.
    pub signature: String,
    /// The model (a directory or a file), inside the verifier container.
    pub model: String,
    /// Paths to leave out (the CLI makes them relative to the model).
    pub ignore_paths: Vec<String>,
    /// `Some(true)`: `--ignore-git-paths`, `Some(false)`: `--no-ignore-git-paths`, `None`: the
    /// CLI's default.
    pub ignore_git_paths: Option<bool>,
    /// Like `ignore_git_paths`, for `--[no-]ignore-unsigned-files`.
    pub ignore_unsigned_files: Option<bool>,
    pub allow_symlinks: bool,
    /// Scan the bytes verified (`--scan`), if asked.
    pub scan: Option<Scan>,
    /// Report a failed verification but exit 0 (`--report-only`: a policy in `mode: Warn`).
    pub report_only: bool,
    /// Where the verifier writes its [`crate::Verdict`].
    pub termination_log: Option<String>,
}

/// How the signature is checked, with its trust material's path inside the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierMethod {
    Sigstore(SigstoreIdentity),
    Key { public_key: String },
    Certificate { certificate_chain: String },
}

/// The signer a Sigstore signature must come from, and where trust comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigstoreIdentity {
    pub identity: Option<String>,
    pub identity_regexp: Option<String>,
    pub identity_provider: Option<String>,
    pub identity_provider_regexp: Option<String>,
    pub github_workflow_repository: Option<String>,
    pub github_workflow_ref: Option<String>,
    pub trust_config: Option<String>,
    /// Use the cached or embedded trusted root, no TUF refresh.
    pub offline: bool,
}

/// `--scan` and its options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Report a failed scan as a warning; the signature check alone decides.
    pub warn_only: bool,
    /// Accept files whose verdict is unknown (never dangerous ones).
    pub allow_unknown: bool,
}

fn long(name: &str) -> String {
    format!("--{name}")
}

fn push_pair(args: &mut Vec<String>, flag: &str, value: Option<&str>) {
    if let Some(value) = value {
        args.extend([long(flag), value.to_owned()]);
    }
}

fn push_switch(args: &mut Vec<String>, on: &str, off: &str, value: Option<bool>) {
    match value {
        Some(true) => args.push(long(on)),
        Some(false) => args.push(long(off)),
        None => {}
    }
}

impl VerifierArgs {
    /// The CLI's arguments (after the program name):
    ///
    /// ```text
    /// verify sigstore    --signature=<sig> [identity flags] [--trust-config <f>] [options] <model>
    /// verify key         --signature=<sig> --public-key <pub>                    [options] <model>
    /// verify certificate --signature=<sig> --certificate-chain <ca>              [options] <model>
    /// ```
    ///
    /// where the options are the ignore flags, `--allow-symlinks`, the scan flags, `--report-only`,
    /// `--termination-log <path>` and, for Sigstore, `--offline`.
    pub fn to_argv(&self) -> Vec<String> {
        let mut args = vec![flags::VERIFY.to_owned()];
        let signature = format!("--{}={}", flags::SIGNATURE, self.signature);
        match &self.method {
            VerifierMethod::Sigstore(id) => {
                args.extend([flags::SIGSTORE.to_owned(), signature]);
                push_pair(&mut args, flags::IDENTITY, id.identity.as_deref());
                push_pair(
                    &mut args,
                    flags::IDENTITY_REGEXP,
                    id.identity_regexp.as_deref(),
                );
                push_pair(
                    &mut args,
                    flags::IDENTITY_PROVIDER,
                    id.identity_provider.as_deref(),
                );
                push_pair(
                    &mut args,
                    flags::IDENTITY_PROVIDER_REGEXP,
                    id.identity_provider_regexp.as_deref(),
                );
                push_pair(
                    &mut args,
                    flags::GITHUB_WORKFLOW_REPOSITORY,
                    id.github_workflow_repository.as_deref(),
                );
                push_pair(
                    &mut args,
                    flags::GITHUB_WORKFLOW_REF,
                    id.github_workflow_ref.as_deref(),
                );
                push_pair(&mut args, flags::TRUST_CONFIG, id.trust_config.as_deref());
            }
            VerifierMethod::Key { public_key } => {
                args.extend([flags::KEY.to_owned(), signature]);
                push_pair(&mut args, flags::PUBLIC_KEY, Some(public_key));
            }
            VerifierMethod::Certificate { certificate_chain } => {
                args.extend([flags::CERTIFICATE.to_owned(), signature]);
                push_pair(&mut args, flags::CERTIFICATE_CHAIN, Some(certificate_chain));
            }
        }
        for path in &self.ignore_paths {
            push_pair(&mut args, flags::IGNORE_PATHS, Some(path));
        }
        push_switch(
            &mut args,
            flags::IGNORE_GIT_PATHS,
            flags::NO_IGNORE_GIT_PATHS,
            self.ignore_git_paths,
        );
        push_switch(
            &mut args,
            flags::IGNORE_UNSIGNED_FILES,
            flags::NO_IGNORE_UNSIGNED_FILES,
            self.ignore_unsigned_files,
        );
        if self.allow_symlinks {
            args.push(long(flags::ALLOW_SYMLINKS));
        }
        if let Some(scan) = self.scan {
            args.push(long(flags::SCAN));
            if scan.warn_only {
                args.push(long(flags::SCAN_WARN_ONLY));
            }
            if scan.allow_unknown {
                args.push(long(flags::SCAN_ALLOW_UNKNOWN));
            }
        }
        if self.report_only {
            args.push(long(flags::REPORT_ONLY));
        }
        push_pair(
            &mut args,
            flags::TERMINATION_LOG,
            self.termination_log.as_deref(),
        );
        if matches!(&self.method, VerifierMethod::Sigstore(id) if id.offline) {
            args.push(long(flags::OFFLINE));
        }
        args.push(self.model.clone());
        args
    }

    /// [`args_hash`] of [`VerifierArgs::to_argv`]: what a verdict written by this run carries.
    pub fn hash(&self) -> String {
        args_hash(&self.to_argv())
    }
}

/// The SHA-256 (hex) of an argument vector (without the program name), each argument ended by
/// a NUL: the verifier puts it in its verdict, so a verdict names the arguments it was reached
/// with (under a real kubelet, the injected container's `args`).
pub fn args_hash<S: AsRef<str>>(args: &[S]) -> String {
    let mut hasher = Sha256::new();
    for arg in args {
        hasher.update(arg.as_ref().as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}
