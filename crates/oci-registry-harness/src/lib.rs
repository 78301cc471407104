//! A real OCI registry for tests: the CNCF `distribution` registry that
//! `scripts/k8s-test-binaries.sh --node` builds from its Go module (CI runs it through
//! `scripts/test-all.sh`), started on a free loopback port with its storage in a temporary
//! folder, ready when `/v2/` answers, killed on drop.
//!
//! The binary is `$KUBE_TESTENV_BIN_DIR/registry`, or the build script's output directory.
//! `KUBE_TESTENV_SKIP` (the control-plane tests' switch) skips these tests too; otherwise a
//! missing binary is an error.

mod referrers_proxy;

pub use referrers_proxy::ReferrersApiProxy;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN_DIR_ENV: &str = "KUBE_TESTENV_BIN_DIR";
const SKIP_ENV: &str = "KUBE_TESTENV_SKIP";
/// Readiness is a wait, not an assertion: a slow machine only waits longer.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A running registry.
pub struct LocalRegistry {
    child: Child,
    addr: SocketAddr,
    storage: tempfile::TempDir,
    binary: PathBuf,
}

/// Why a registry could not be started.
pub type Error = String;

/// The skip reason when the developer asked to skip tests that need built binaries.
pub fn skip_requested() -> Option<String> {
    let value = std::env::var(SKIP_ENV).ok()?;
    (!value.is_empty() && value != "0")
        .then(|| format!("{SKIP_ENV}={value}: registry test skipped"))
}

/// The registry binary: `$KUBE_TESTENV_BIN_DIR/registry`, else built or found by the script.
pub fn locate() -> Result<PathBuf, Error> {
    let dir = match std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/k8s-test-binaries.sh");
            let output = Command::new("bash")
                .arg(&script)
                .arg("--node")
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
            if !output.status.success() {
                return Err(format!(
                    "{} --node exited with {}: set {BIN_DIR_ENV} to prebuilt binaries or {SKIP_ENV}=1",
                    script.display(),
                    output.status
                ));
            }
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
        }
    };
    let binary = dir.join("registry");
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "expected the distribution registry at {} (from {BIN_DIR_ENV} or scripts/k8s-test-binaries.sh --node)",
            binary.display()
        ))
    }
}

impl LocalRegistry {
    /// Starts a registry, or `None` when the tests are to be skipped.
    pub fn start() -> Result<Option<Self>, Error> {
        if let Some(reason) = skip_requested() {
            eprintln!("{reason}");
            return Ok(None);
        }
        let binary = locate()?;
        let storage = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        // A port taken between our probe and the registry's bind makes it exit: try again.
        let mut last = String::new();
        for _ in 0..5 {
            match Self::start_on_free_port(&binary, &storage) {
                Ok((child, addr)) => {
                    return Ok(Some(Self {
                        child,
                        addr,
                        storage,
                        binary,
                    }))
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn start_on_free_port(
        binary: &Path,
        storage: &tempfile::TempDir,
    ) -> Result<(Child, SocketAddr), Error> {
        let addr = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?;
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: \"{}\"}}, delete: {{enabled: true}}}}\nhttp: {{addr: \"{addr}\"}}\n",
                storage.path().join("data").display()
            ),
        )
        .map_err(|e| format!("writing {}: {e}", config.display()))?;
        let log = std::fs::File::create(storage.path().join("registry.log"))
            .map_err(|e| format!("registry log: {e}"))?;
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .arg(&config)
            .env("OTEL_TRACES_EXPORTER", "none")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        // SAFETY: prctl is async-signal-safe; the closure touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(storage.path().join("registry.log"))
                    .unwrap_or_default();
                return Err(format!("the registry exited with {status}: {log}"));
            }
            if answers_v2(addr) {
                return Ok((child, addr));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the registry on {addr} did not answer /v2/ within {READY_WITHIN:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:<port>`, the registry part of references.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Where blobs are stored (`docker/registry/v2/blobs/sha256/<2>/<hex>/data`), for tests that
    /// tamper with the registry's content behind its back.
    pub fn blob_path(&self, hex_digest: &str) -> PathBuf {
        let prefix = hex_digest.get(..2).unwrap_or_default();
        self.storage
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(prefix)
            .join(hex_digest)
            .join("data")
    }

    /// The registry's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The status code of a plain `GET path` (e.g. to learn which APIs the registry has).
    pub fn get_status(&self, path: &str) -> Option<u16> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).ok()?;
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr);
        stream.write_all(request.as_bytes()).ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).ok()?;
        std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
    }

    /// The registry binary this runs.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// Stops the registry (a registry that is down), keeping its storage.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn answers_v2(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(format!("GET /v2/ HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && head.ends_with(b"200")
}
