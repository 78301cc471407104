//! `model_signing verify <PKI_METHOD>`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use verifier_contract::flags;

use super::common::{ModelArgs, OutputFormat};

#[derive(Debug, Subcommand, PartialEq)]
pub enum VerifyMethod {
    /// Verify a Sigstore keyless signature against an expected identity (the default method).
    #[command(name = flags::SIGSTORE)]
    Sigstore(VerifySigstoreArgs),
    /// Verify a signature made with a private key, given its public key.
    #[command(name = flags::KEY)]
    Key(VerifyKeyArgs),
    /// Verify a certificate signature against trusted root certificates.
    #[command(name = flags::CERTIFICATE)]
    Certificate(VerifyCertificateArgs),
}

impl VerifyMethod {
    pub fn common(&self) -> &VerifyCommon {
        match self {
            VerifyMethod::Sigstore(args) => &args.common,
            VerifyMethod::Key(args) => &args.common,
            VerifyMethod::Certificate(args) => &args.common,
        }
    }
}

/// What every verify method takes.
#[derive(Debug, Args, PartialEq)]
pub struct VerifyCommon {
    #[command(flatten)]
    pub model: ModelArgs,

    /// The signature to verify (always left out of the model's files).
    #[arg(long = flags::SIGNATURE, value_name = "SIGNATURE_PATH")]
    pub signature: PathBuf,

    /// Only check the files the signature lists; extra files on disk are not reported.
    #[arg(
        long = flags::IGNORE_UNSIGNED_FILES,
        overrides_with = "no_ignore_unsigned_files"
    )]
    pub ignore_unsigned_files: bool,

    /// Report files on disk that the signature does not list [default].
    #[arg(
        long = flags::NO_IGNORE_UNSIGNED_FILES,
        overrides_with = "ignore_unsigned_files"
    )]
    pub no_ignore_unsigned_files: bool,

    /// `json` prints the verification report as JSON on stdout.
    #[arg(long = "output", value_enum, default_value = "text")]
    pub output: OutputFormat,

    /// Number of hashing threads (default: all cores).
    #[arg(long = "workers", value_name = "N", value_parser = super::common::parse_workers)]
    pub workers: Option<usize>,

    /// Also write the verdict to this file (e.g. Kubernetes' /dev/termination-log): a small
    /// versioned JSON document the model-validation-operator reads.
    #[arg(long = flags::TERMINATION_LOG, value_name = "PATH")]
    pub termination_log: Option<PathBuf>,

    /// Report a failed verification (stderr, the termination log) but exit 0, so the workload
    /// starts anyway: the operator's `mode: Warn`.
    #[arg(long = flags::REPORT_ONLY)]
    pub report_only: bool,

    /// `--scan`: scan the very bytes that are hashed (one read).
    #[command(flatten)]
    pub scan: super::ScanGateArgs,
}

#[derive(Debug, Args, PartialEq)]
pub struct VerifySigstoreArgs {
    #[command(flatten)]
    pub common: VerifyCommon,

    /// The expected signer identity (exactly one of the certificate's SANs).
    #[arg(
        long = flags::IDENTITY,
        value_name = "IDENTITY",
        required_unless_present = "identity_regexp",
        conflicts_with = "identity_regexp"
    )]
    pub identity: Option<String>,

    /// The expected OIDC issuer of the identity.
    #[arg(
        long = flags::IDENTITY_PROVIDER,
        value_name = "IDENTITY_PROVIDER",
        required_unless_present = "identity_provider_regexp",
        conflicts_with = "identity_provider_regexp"
    )]
    pub identity_provider: Option<String>,

    /// A regular expression the identity must match (instead of --identity).
    #[arg(long = flags::IDENTITY_REGEXP, value_name = "REGEXP")]
    pub identity_regexp: Option<String>,

    /// A regular expression the OIDC issuer must match (instead of --identity-provider).
    #[arg(long = flags::IDENTITY_PROVIDER_REGEXP, value_name = "REGEXP")]
    pub identity_provider_regexp: Option<String>,

    /// Use Sigstore's staging instance.
    #[arg(long = "use-staging")]
    pub use_staging: bool,

    /// A Sigstore ClientTrustConfig JSON file (takes precedence over --use-staging).
    #[arg(long = flags::TRUST_CONFIG, value_name = "TRUST_CONFIG")]
    pub trust_config: Option<PathBuf>,

    /// Do not refresh the trusted root over the network (TUF); use the cached or the
    /// embedded one.
    #[arg(long = flags::OFFLINE)]
    pub offline: bool,

    /// The GitHub repository (`owner/repo`) whose Actions workflow must have signed.
    #[arg(long = flags::GITHUB_WORKFLOW_REPOSITORY, value_name = "OWNER/REPO")]
    pub github_workflow_repository: Option<String>,

    /// The git ref (e.g. `refs/heads/main`) the GitHub Actions workflow must have run on.
    #[arg(long = flags::GITHUB_WORKFLOW_REF, value_name = "REF")]
    pub github_workflow_ref: Option<String>,
}

#[derive(Debug, Args, PartialEq)]
pub struct VerifyKeyArgs {
    #[command(flatten)]
    pub common: VerifyCommon,

    /// The public key, PEM-encoded.
    #[arg(long = flags::PUBLIC_KEY, value_name = "PUBLIC_KEY")]
    pub public_key: PathBuf,
}

#[derive(Debug, Args, PartialEq)]
pub struct VerifyCertificateArgs {
    #[command(flatten)]
    pub common: VerifyCommon,

    /// Trusted root certificates (repeatable). Required: unlike the reference, no default
    /// CA bundle is used, so without it nothing verifies.
    #[arg(long = flags::CERTIFICATE_CHAIN, value_name = "CERTIFICATE_PATH")]
    pub certificate_chain: Vec<PathBuf>,

    /// Log the SHA-256 fingerprints of the trusted and the bundled certificates.
    #[arg(long = "log-fingerprints")]
    pub log_fingerprints: bool,
}
