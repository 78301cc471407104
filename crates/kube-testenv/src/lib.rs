//! A real Kubernetes control plane for tests, without Docker: etcd and kube-apiserver on free
//! loopback ports (what controller-runtime's envtest starts), with throwaway certificates.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kube_testenv::Error> {
//! let env = kube_testenv::TestEnv::shared().await?; // one per test binary
//! let admin = env.client(&kube_testenv::Identity::Admin).await?;
//! # Ok(()) }
//! ```
//!
//! Binaries come from `KUBE_TESTENV_BIN_DIR` or are built by `scripts/k8s-test-binaries.sh`.
//! When neither works, starting fails with a message saying so; developers without Go may set
//! `KUBE_TESTENV_SKIP=1` and check [`skip_requested`] in their tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod binaries;
mod control_plane;
mod identity;
mod pki;
mod process;
mod webhook_client;

use std::path::PathBuf;

pub use binaries::{skip_requested, Binaries, BIN_DIR_ENV, SKIP_ENV};
pub use control_plane::{StartupTimes, TestEnv};
pub use identity::Identity;
pub use pki::{CertAuthority, CertifiedKeyPem};
pub use process::{free_port, Process};

/// Why a control plane could not be started or reached.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("kube-apiserver/etcd binaries not available: {detail}")]
    BinariesMissing { detail: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("certificate generation failed: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("{name} exited with {status} before the control plane was stopped; end of its log:\n{log_tail}")]
    Exited {
        name: &'static str,
        status: String,
        log_tail: String,
    },
    #[error("{name} not ready after {seconds} s (last probe: {last_probe}); end of its log:\n{log_tail}")]
    NotReady {
        name: &'static str,
        seconds: u64,
        last_probe: String,
        log_tail: String,
    },
    #[error("kubeconfig for {user}: {detail}")]
    Kubeconfig { user: String, detail: String },
    #[error("Kubernetes client: {0}")]
    Client(#[from] kube::Error),
}
