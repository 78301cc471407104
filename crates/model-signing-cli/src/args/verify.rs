//! `model_signing verify <PKI_METHOD>`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::{ModelArgs, OutputFormat};

#[derive(Debug, Subcommand, PartialEq)]
pub enum VerifyMethod {
    /// Verify a Sigstore keyless signature against an expected identity (the default method).
    Sigstore(VerifySigstoreArgs),
    /// Verify a signature made with a private key, given its public key.
    Key(VerifyKeyArgs),
    /// Verify a certificate signature against trusted root certificates.
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
    #[arg(long = "signature", value_name = "SIGNATURE_PATH")]
    pub signature: PathBuf,

    /// Only check the files the signature lists; extra files on disk are not reported.
    #[arg(
        long = "ignore-unsigned-files",
        overrides_with = "no_ignore_unsigned_files"
    )]
    pub ignore_unsigned_files: bool,

    /// Report files on disk that the signature does not list [default].
    #[arg(
        long = "no-ignore-unsigned-files",
        overrides_with = "ignore_unsigned_files"
    )]
    pub no_ignore_unsigned_files: bool,

    /// `json` prints the verification report as JSON on stdout.
    #[arg(long = "output", value_enum, default_value = "text")]
    pub output: OutputFormat,

    /// Number of hashing threads (default: all cores).
    #[arg(long = "workers", value_name = "N", value_parser = super::common::parse_workers)]
    pub workers: Option<usize>,

    /// Also write a one-line verdict to this file (e.g. Kubernetes' /dev/termination-log).
    #[arg(long = "termination-log", value_name = "PATH")]
    pub termination_log: Option<PathBuf>,

    /// Report a failed verification (stderr, the termination log) but exit 0, so the workload
    /// starts anyway: the operator's `mode: Warn`.
    #[arg(long = "report-only")]
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
        long = "identity",
        value_name = "IDENTITY",
        required_unless_present = "identity_regexp",
        conflicts_with = "identity_regexp"
    )]
    pub identity: Option<String>,

    /// The expected OIDC issuer of the identity.
    #[arg(
        long = "identity-provider",
        value_name = "IDENTITY_PROVIDER",
        required_unless_present = "identity_provider_regexp",
        conflicts_with = "identity_provider_regexp"
    )]
    pub identity_provider: Option<String>,

    /// A regular expression the identity must match (instead of --identity).
    #[arg(long = "identity-regexp", value_name = "REGEXP")]
    pub identity_regexp: Option<String>,

    /// A regular expression the OIDC issuer must match (instead of --identity-provider).
    #[arg(long = "identity-provider-regexp", value_name = "REGEXP")]
    pub identity_provider_regexp: Option<String>,

    /// Use Sigstore's staging instance.
    #[arg(long = "use-staging")]
    pub use_staging: bool,

    /// A Sigstore ClientTrustConfig JSON file (takes precedence over --use-staging).
    #[arg(long = "trust-config", value_name = "TRUST_CONFIG")]
    pub trust_config: Option<PathBuf>,

    /// Do not refresh the trusted root over the network (TUF); use the cached or the
    /// embedded one.
    #[arg(long = "offline")]
    pub offline: bool,

    /// The GitHub repository (`owner/repo`) whose Actions workflow must have signed.
    #[arg(long = "github-workflow-repository", value_name = "OWNER/REPO")]
    pub github_workflow_repository: Option<String>,

    /// The git ref (e.g. `refs/heads/main`) the GitHub Actions workflow must have run on.
    #[arg(long = "github-workflow-ref", value_name = "REF")]
    pub github_workflow_ref: Option<String>,
}

#[derive(Debug, Args, PartialEq)]
pub struct VerifyKeyArgs {
    #[command(flatten)]
    pub common: VerifyCommon,

    /// The public key, PEM-encoded.
    #[arg(long = "public-key", value_name = "PUBLIC_KEY")]
    pub public_key: PathBuf,
}

#[derive(Debug, Args, PartialEq)]
pub struct VerifyCertificateArgs {
    #[command(flatten)]
    pub common: VerifyCommon,

    /// Trusted root certificates (repeatable). Required: unlike the reference, no default
    /// CA bundle is used, so without it nothing verifies.
    #[arg(long = "certificate-chain", value_name = "CERTIFICATE_PATH")]
    pub certificate_chain: Vec<PathBuf>,

    /// Log the SHA-256 fingerprints of the trusted and the bundled certificates.
    #[arg(long = "log-fingerprints")]
    pub log_fingerprints: bool,
}
