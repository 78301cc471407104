//! Where the kube-apiserver and etcd binaries come from: `KUBE_TESTENV_BIN_DIR`, or the repository's
//! `scripts/k8s-test-binaries.sh`, which builds them from their Go modules once per version.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Error;

/// Names a directory holding `kube-apiserver` and `etcd`; when set, nothing is built.
pub const BIN_DIR_ENV: &str = "KUBE_TESTENV_BIN_DIR";
/// Set to a non-empty value other than `0` to skip control-plane tests on a machine that cannot
/// build the binaries (no Go). Without it, missing binaries fail the tests.
pub const SKIP_ENV: &str = "KUBE_TESTENV_SKIP";

/// The two binaries a control plane needs.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub kube_apiserver: PathBuf,
    pub etcd: PathBuf,
}

impl Binaries {
    /// Binaries in `dir`, checked to exist.
    pub fn in_dir(dir: &Path) -> Result<Self, Error> {
        let found = Self {
            kube_apiserver: dir.join("kube-apiserver"),
            etcd: dir.join("etcd"),
        };
        for path in [&found.kube_apiserver, &found.etcd] {
            if !path.is_file() {
                return Err(Error::BinariesMissing {
                    detail: format!(
                        "expected {} to exist (directory from {BIN_DIR_ENV} or the build script)",
                        path.display()
                    ),
                });
            }
        }
        Ok(found)
    }

    /// `KUBE_TESTENV_BIN_DIR` when set, otherwise the build script's output directory (building
    /// the binaries when they are not cached yet: minutes on a cold machine).
    pub fn locate() -> Result<Self, Error> {
        if let Some(dir) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
            return Self::in_dir(Path::new(&dir));
        }
        let script = build_script();
        let output = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|source| Error::Io {
                path: script.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(Error::BinariesMissing {
                detail: format!(
                    "{} exited with {} (see its output above); set {BIN_DIR_ENV} to prebuilt \
                     binaries, or {SKIP_ENV}=1 to skip control-plane tests",
                    script.display(),
                    output.status
                ),
            });
        }
        let dir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        Self::in_dir(Path::new(&dir))
    }
}

/// The reason control-plane tests are skipped, when a developer asked for it with `KUBE_TESTENV_SKIP`.
pub fn skip_requested() -> Option<String> {
    let value = std::env::var(SKIP_ENV).ok()?;
    if value.is_empty() || value == "0" {
        return None;
    }
    Some(format!("{SKIP_ENV}={value}: control-plane test skipped"))
}

fn build_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/k8s-test-binaries.sh")
}
