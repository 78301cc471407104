//! The command-line surface (clap derive). Option names are the hyphenated HEAD spellings; the
//! 1.1.1 underscore spellings reach them through [`crate::argv::normalize_option_names`].

mod common;
mod oci;
mod scan;
mod sign;
mod tools;
mod verify;

pub use common::{HashAlgorithmArg, HashingArgs, MethodArg, ModelArgs, OutputFormat};
pub use oci::OciCommand;
pub use scan::{ScanArgs, ScanGateArgs};
pub use sign::{SignCommon, SignMethod, SignSigstoreArgs};
pub use tools::{DemoArgs, DigestArgs, InspectArgs};
pub use verify::{VerifyCommon, VerifyMethod, VerifySigstoreArgs};

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser, PartialEq)]
#[command(
    name = "model_signing",
    disable_version_flag = true,
    about = "ML model signing and verification.",
    long_about = "ML model signing and verification.\n\n\
                  Use each subcommand's `--help` option for details on each mode.",
    after_help = "Specification: https://github.com/ossf/model-signing-spec",
    arg_required_else_help = true
)]
pub struct Cli {
    /// Log level (DEBUG, INFO, WARNING, ERROR, CRITICAL; case-insensitive).
    #[arg(
        long = "log-level",
        value_name = "LEVEL",
        value_enum,
        ignore_case = true,
        default_value = "INFO",
        hide_possible_values = true
    )]
    pub log_level: LogLevel,

    /// Show the version and exit.
    // Answered before parsing (see `argv::wants_version`); declared here for --help.
    #[arg(long = "version")]
    pub version: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    #[value(name = "DEBUG")]
    Debug,
    #[value(name = "INFO")]
    Info,
    #[value(name = "WARNING")]
    Warning,
    #[value(name = "ERROR")]
    Error,
    #[value(name = "CRITICAL")]
    Critical,
}

#[derive(Debug, Subcommand, PartialEq)]
pub enum Command {
    /// Sign models.
    ///
    /// Produces a signature (a Sigstore bundle) for a model, either a single file or a
    /// directory. The PKI method is a subcommand; without one, `sigstore` is assumed.
    #[command(subcommand_value_name = "PKI_METHOD", arg_required_else_help = true)]
    Sign {
        #[command(subcommand)]
        method: SignMethod,
    },
    /// Verify models.
    ///
    /// Checks that a model matches its signature (a Sigstore bundle) and that the signature
    /// was made by the expected signer. The PKI method is a subcommand; without one,
    /// `sigstore` is assumed.
    #[command(
        name = verifier_contract::flags::VERIFY,
        subcommand_value_name = "PKI_METHOD",
        arg_required_else_help = true
    )]
    Verify {
        #[command(subcommand)]
        method: VerifyMethod,
    },
    /// Compute the model's digest (the root digest a signature would carry).
    Digest(DigestArgs),
    /// Show what a signature says (signer, method, hashes) WITHOUT verifying anything.
    Inspect(InspectArgs),
    /// Scan a model for code disguised as weights (pickle imports, unsafe headers).
    ///
    /// Exit status: 0 when every file is safe, 1 when any is dangerous or unknown
    /// (`--allow-unknown` accepts unknown), 2 on usage errors.
    Scan(ScanArgs),
    /// Run a self-contained sign / verify / tamper walk-through in a temporary directory.
    Demo(DemoArgs),
    /// Models in OCI registries (CNCF ModelPack): push and pull. Sign and verify an artifact
    /// with `sign`/`verify` and an `oci://REF` model path.
    #[command(subcommand)]
    Oci(OciCommand),
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod verifier_contract_tests;
