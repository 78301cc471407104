//! A REAL NODE for the operator's end-to-end tests: `scripts/local-cluster.sh up` starts etcd, the
//! control plane, containerd, a kubelet and kube-proxy on this machine, serves the images from a
//! local registry and installs the operator with `kubectl apply -k config/overlays/self-signed`.
//! Tests then drive the cluster with `kubectl`, the way the workshop guide does, and every status
//! check polls with a deadline (the kubelet's back-off makes single snapshots flaky).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::workspace::{repo_root, WorkspaceBinaries};

/// Set to a non-empty value other than `0` to skip the real-node tier on purpose.
pub const SKIP_ENV: &str = "LOCAL_NODE_SKIP";
/// Set to a non-empty value other than `0` to leave the cluster running after the tests.
pub const KEEP_ENV: &str = "LOCAL_NODE_KEEP";

/// Whether the tier runs here.
#[derive(Debug)]
pub enum Gate {
    Run,
    /// Skipped, with the reason to print (never in CI, except when asked for with [`SKIP_ENV`]).
    Skip(String),
}

fn flag(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty() && v != "0")
}

/// Decides whether the tier can run. A machine that cannot host the node (not root, no cgroups,
/// no containerd and no apt-get to install it) is a failure when `CI=true` (a tier that silently
/// never runs protects nothing) and a printed skip elsewhere.
pub fn gate() -> Result<Gate> {
    if let Some(value) = flag(SKIP_ENV) {
        return Ok(Gate::Skip(format!("{SKIP_ENV}={value}")));
    }
    let Some(reason) = machine_cannot_host() else {
        return Ok(Gate::Run);
    };
    if flag("CI").is_some_and(|v| v != "false") {
        bail!(
            "the real-node tier cannot run on this machine: {reason}. In CI this is a failure \
             (outside CI the tier is skipped with this reason; {SKIP_ENV}=1 skips it on purpose)"
        );
    }
    Ok(Gate::Skip(reason))
}

fn machine_cannot_host() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("not Linux".to_owned());
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1));
    if euid != Some("0") {
        return Some(format!(
            "not root (effective uid {}): the node needs network, mount and cgroup privileges",
            euid.unwrap_or("unknown")
        ));
    }
    if !Path::new("/sys/fs/cgroup").is_dir() {
        return Some("no /sys/fs/cgroup".to_owned());
    }
    let has = |program: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    for program in ["ip", "bash"] {
        if !has(program) {
            return Some(format!("`{program}` is not installed"));
        }
    }
    if !has("containerd") && !has("apt-get") {
        return Some(
            "containerd is not installed and there is no apt-get to install it".to_owned(),
        );
    }
    None
}

/// How long `up` waits for another run's cluster on the same machine to go away.
const BUSY_WAIT: Duration = Duration::from_secs(20 * 60);

/// A running node (the script's cluster), reached with its admin kubeconfig.
#[derive(Debug)]
pub struct RealNode {
    pub kubeconfig: PathBuf,
    pub bin_dir: PathBuf,
    /// How long `up` took, binaries and images included.
    pub up_time: Duration,
}

fn script() -> PathBuf {
    repo_root().join("scripts/local-cluster.sh")
}

impl RealNode {
    /// `scripts/local-cluster.sh up` with this workspace's operator and verifier binaries in the images.
    pub fn up(bins: &WorkspaceBinaries) -> Result<Self> {
        let started = Instant::now();
        let output = loop {
            let output = Command::new("bash")
                .arg(script())
                .arg("up")
                .env("MSR_NODE_OPERATOR_BIN", &bins.operator)
                .env("MSR_NODE_VERIFIER_BIN", &bins.model_signing)
                .env("MSR_NODE_OWNER_PID", std::process::id().to_string())
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .context("running scripts/local-cluster.sh up")?;
            // 75: another run's cluster occupies the machine (one per machine); wait for it.
            if output.status.code() != Some(75) || started.elapsed() > BUSY_WAIT {
                break output;
            }
            std::thread::sleep(Duration::from_secs(10));
        };
        if !output.status.success() {
            bail!(
                "scripts/local-cluster.sh up exited with {} (its log is above)",
                output.status
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let kubeconfig = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export KUBECONFIG="))
            .context("expected `export KUBECONFIG=...` in the output of up")?;
        let bin_dir = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export PATH="))
            .and_then(|p| p.strip_suffix(":$PATH"))
            .context("expected `export PATH=<bin>:$PATH` in the output of up")?;
        Ok(Self {
            kubeconfig: PathBuf::from(kubeconfig),
            bin_dir: PathBuf::from(bin_dir),
            up_time: started.elapsed(),
        })
    }

    /// `scripts/local-cluster.sh down`; returns how long it took.
    pub fn down() -> Result<Duration> {
        let started = Instant::now();
        let status = Command::new("bash")
            .arg(script())
            .arg("down")
            .stdin(Stdio::null())
            .status()
            .context("running scripts/local-cluster.sh down")?;
        if !status.success() {
            bail!("scripts/local-cluster.sh down exited with {status}");
        }
        Ok(started.elapsed())
    }

    fn command(&self) -> Command {
        let mut command = Command::new(self.bin_dir.join("kubectl"));
        command.env("KUBECONFIG", &self.kubeconfig);
        // The discovery cache stays in the cluster's folder, which `down` removes.
        command.arg(format!(
            "--cache-dir={}",
            self.kubeconfig.with_file_name("kube-cache").display()
        ));
        command
    }

    /// `kubectl ARGS` with `stdin`, whatever its exit status.
    pub fn kubectl_output(&self, args: &[&str], stdin: Option<&str>) -> Result<Output> {
        let mut command = self.command();
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command
            .spawn()
            .with_context(|| format!("starting kubectl {}", args.join(" ")))?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write as _;
            pipe.write_all(text.as_bytes())?;
        }
        Ok(child.wait_with_output()?)
    }

    /// `kubectl ARGS`, which must succeed; its stdout.
    pub fn kubectl(&self, args: &[&str]) -> Result<String> {
        let output = self.kubectl_output(args, None)?;
        if !output.status.success() {
            bail!(
                "kubectl {} exited with {}: {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// `kubectl apply -f -` of `yaml`.
    pub fn apply(&self, yaml: &str) -> Result<()> {
        let output = self.kubectl_output(&["apply", "-f", "-"], Some(yaml))?;
        if !output.status.success() {
            bail!(
                "kubectl apply failed: {}\n{yaml}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// The STATUS column of `kubectl get pod` (`Init:Error`, `Init:CrashLoopBackOff`, `Running`...),
    /// computed by kubectl from what the kubelet reported.
    pub fn pod_status_column(&self, ns: &str, pod: &str) -> Result<String> {
        let line = self.kubectl(&["-n", ns, "get", "pod", pod, "--no-headers"])?;
        line.split_whitespace()
            .nth(2)
            .map(str::to_owned)
            .with_context(|| format!("unexpected `kubectl get pod` line: {line}"))
    }
}

/// Calls `probe` until it returns `Ok`, at most for `timeout`; on timeout the error names `what`
/// and the probe's last answer.
pub fn poll<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(value) => return Ok(value),
            Err(last) => {
                if Instant::now() > deadline {
                    bail!("{what}: not reached after {timeout:?}; last observation: {last}");
                }
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
