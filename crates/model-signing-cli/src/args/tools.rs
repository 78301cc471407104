//! Subcommands beyond signing and verifying: `digest`, `inspect`, `demo`.

use std::path::PathBuf;

use clap::Args;

use super::common::ModelArgs;

#[derive(Debug, Args, PartialEq)]
pub struct DigestArgs {
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Args, PartialEq)]
pub struct InspectArgs {
    /// The signature (Sigstore bundle) to describe.
    #[arg(value_name = "SIGNATURE")]
    pub signature: PathBuf,
}

#[derive(Debug, Args, PartialEq)]
pub struct DemoArgs {
    /// Keep the demo's files in DIR (created if missing; must be empty) instead of a
    /// temporary directory.
    #[arg(long = "keep", value_name = "DIR")]
    pub keep: Option<PathBuf>,
}
