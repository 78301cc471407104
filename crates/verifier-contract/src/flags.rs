//! The names of the `model_signing verify` subcommands and flags the operator uses, without
//! the leading `--`. The CLI's clap definitions take their `long` names from here.

pub const VERIFY: &str = "verify";
pub const SIGSTORE: &str = "sigstore";
pub const KEY: &str = "key";
pub const CERTIFICATE: &str = "certificate";

pub const SIGNATURE: &str = "signature";
pub const IDENTITY: &str = "identity";
pub const IDENTITY_REGEXP: &str = "identity-regexp";
pub const IDENTITY_PROVIDER: &str = "identity-provider";
pub const IDENTITY_PROVIDER_REGEXP: &str = "identity-provider-regexp";
pub const GITHUB_WORKFLOW_REPOSITORY: &str = "github-workflow-repository";
pub const GITHUB_WORKFLOW_REF: &str = "github-workflow-ref";
pub const TRUST_CONFIG: &str = "trust-config";
pub const OFFLINE: &str = "offline";
pub const PUBLIC_KEY: &str = "public-key";
pub const CERTIFICATE_CHAIN: &str = "certificate-chain";

pub const IGNORE_PATHS: &str = "ignore-paths";
pub const IGNORE_GIT_PATHS: &str = "ignore-git-paths";
pub const NO_IGNORE_GIT_PATHS: &str = "no-ignore-git-paths";
pub const IGNORE_UNSIGNED_FILES: &str = "ignore-unsigned-files";
pub const NO_IGNORE_UNSIGNED_FILES: &str = "no-ignore-unsigned-files";
pub const ALLOW_SYMLINKS: &str = "allow-symlinks";

pub const SCAN: &str = "scan";
pub const SCAN_WARN_ONLY: &str = "scan-warn-only";
pub const SCAN_ALLOW_UNKNOWN: &str = "scan-allow-unknown";

pub const REPORT_ONLY: &str = "report-only";

pub const TERMINATION_LOG: &str = "termination-log";
