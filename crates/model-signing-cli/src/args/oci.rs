//! `model_signing oci push|pull`: moving a model folder to and from a registry as a CNCF
//! ModelPack artifact. Signing and verifying an artifact are `sign`/`verify` with an
//! `oci://REF` model path (see `crate::oci_argv`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand, PartialEq)]
pub enum OciCommand {
    /// Push a model folder as a ModelPack artifact: one raw layer per file.
    Push(OciPushArgs),
    /// Pull a ModelPack artifact into a new folder, every layer checked against its digest.
    Pull(OciPullArgs),
}

#[derive(Debug, Args, PartialEq)]
pub struct OciPushArgs {
    /// The model folder (the files `sign` would sign are pushed: git files are left out).
    #[arg(value_name = "MODEL_PATH")]
    pub model_path: PathBuf,
    /// Where to push: `oci://host[:port]/repository:tag`.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
}

#[derive(Debug, Args, PartialEq)]
pub struct OciPullArgs {
    /// What to pull: `oci://host[:port]/repository[:tag][@sha256:…]`.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
    /// The folder to create (it must not exist).
    #[arg(value_name = "MODEL_PATH")]
    pub model_path: PathBuf,
    /// Also save the signature attached to the artifact here (not verified: verify the
    /// folder with it, e.g. `model_signing verify key --signature PATH …`).
    #[arg(long = "signature", value_name = "SIGNATURE_PATH")]
    pub signature: Option<PathBuf>,
}
