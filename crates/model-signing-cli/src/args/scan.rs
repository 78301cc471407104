//! `model_signing scan` and the `--scan` gate of sign and verify.

use std::path::PathBuf;

use clap::Args;
use verifier_contract::flags;

use super::common::{ModelArgs, OutputFormat};

#[derive(Debug, Args, PartialEq)]
pub struct ScanArgs {
    #[command(flatten)]
    pub model: ModelArgs,

    /// `json` prints the per-file verdicts as JSON on stdout.
    #[arg(long = "output", value_enum, default_value = "text")]
    pub output: OutputFormat,

    /// Accept files whose verdict is unknown (never dangerous ones).
    #[arg(long = "allow-unknown")]
    pub allow_unknown: bool,

    /// Extra allowed imports: a file of `module.name` lines (reported in the output).
    #[arg(long = "allow-list", value_name = "FILE")]
    pub allow_list: Option<PathBuf>,
}

/// `--scan` on sign and verify.
#[derive(Debug, Args, PartialEq, Default)]
pub struct ScanGateArgs {
    /// Scan the model for code disguised as weights (pickle imports, unsafe headers) and fail
    /// if anything is dangerous or unknown.
    #[arg(long = flags::SCAN)]
    pub scan: bool,

    /// With --scan: accept files whose verdict is unknown (never dangerous ones).
    #[arg(long = flags::SCAN_ALLOW_UNKNOWN, requires = "scan")]
    pub allow_unknown: bool,

    /// With --scan: extra allowed imports, a file of `module.name` lines.
    #[arg(long = "scan-allow-list", value_name = "FILE", requires = "scan")]
    pub allow_list: Option<PathBuf>,

    /// With --scan: print what the scan found as a warning instead of failing (the signature
    /// check still decides the outcome). Not accepted by `sign`.
    #[arg(long = flags::SCAN_WARN_ONLY, requires = "scan")]
    pub warn_only: bool,
}
