//! The workspace's own binaries (the operator and the `model_signing` verifier), built once per test
//! binary with the same cargo and profile that runs the tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{bail, Context as _, Result};

/// Paths of the built binaries.
#[derive(Clone, Debug)]
pub struct WorkspaceBinaries {
    pub operator: PathBuf,
    pub model_signing: PathBuf,
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds `model-validation-operator` and `model_signing` (once per process) and returns their paths.
pub fn binaries() -> Result<&'static WorkspaceBinaries> {
    static BUILT: OnceLock<Result<WorkspaceBinaries, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn build() -> Result<WorkspaceBinaries> {
    // The test executable lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no <target>/<profile>/deps/ parent")?
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(repo_root()).args([
        "build",
        "-p",
        "model-validation-operator",
        "-p",
        "model-signing-cli",
    ]);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        command.arg("--release");
    }
    let status = command.status().context("running cargo build")?;
    if !status.success() {
        bail!("cargo build of the operator and model_signing failed: {status}");
    }
    let found = WorkspaceBinaries {
        operator: profile_dir.join("model-validation-operator"),
        model_signing: profile_dir.join("model_signing"),
    };
    for path in [&found.operator, &found.model_signing] {
        if !path.is_file() {
            bail!("expected {} after cargo build", path.display());
        }
    }
    Ok(found)
}
