//! The real operator binary as a child process: its webhook on a loopback port with an rcgen
//! certificate, its API access through a kubeconfig for a chosen identity (the ServiceAccount of
//! `config/rbac` in the tests).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use kube_testenv::{free_port, CertAuthority, Identity, Process, TestEnv};

/// The verifier image the tests configure (never pulled: no kubelet runs).
pub const VERIFIER_IMAGE: &str = "registry.invalid/model-signing/verifier:e2e";

/// A running operator; killed on drop and when the test binary exits.
#[derive(Debug)]
pub struct OperatorProcess {
    process: Process,
    webhook_port: u16,
    ca_pem: String,
    log: PathBuf,
}

impl OperatorProcess {
    /// Starts `binary run` (maintaining webhook configuration `webhook_config`) with a fresh
    /// serving certificate for 127.0.0.1, the API server's webhook client CA and a kubeconfig for
    /// `identity`; returns once the webhook port accepts connections.
    pub fn start(
        env: &TestEnv,
        binary: &Path,
        identity: &Identity,
        dir: &Path,
        webhook_config: &str,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let ca = CertAuthority::new("operator-e2e webhook CA")?;
        let serving = ca.issue_loopback_server("model-validation-webhook")?;
        let cert = dir.join("tls.crt");
        let key = dir.join("tls.key");
        std::fs::write(&cert, &serving.cert_pem)?;
        std::fs::write(&key, &serving.key_pem)?;
        // The webhook serves only the API server (its AdmissionConfiguration client certificate),
        // as a production install with --client-ca-file does.
        let client_ca = dir.join("client-ca.crt");
        std::fs::write(&client_ca, env.webhook_client_ca_pem())?;
        let kubeconfig = dir.join("kubeconfig");
        env.write_kubeconfig(identity, &kubeconfig)?;
        let webhook_port = free_port()?;
        let metrics_port = free_port()?;
        let log = dir.join("operator.log");
        let mut command = Command::new(binary);
        command
            .args([
                "run".to_owned(),
                format!("--webhook-addr=127.0.0.1:{webhook_port}"),
                format!("--tls-cert-file={}", cert.display()),
                format!("--tls-key-file={}", key.display()),
                format!("--client-ca-file={}", client_ca.display()),
                format!("--metrics-addr=127.0.0.1:{metrics_port}"),
                format!("--verifier-image={VERIFIER_IMAGE}"),
                format!("--webhook-config-name={webhook_config}"),
            ])
            .env("KUBECONFIG", &kubeconfig)
            .env("RUST_LOG", "info");
        let process = Process::spawn("model-validation-operator", command, &log)
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut operator = Self {
            process,
            webhook_port,
            ca_pem: ca.cert_pem().to_owned(),
            log,
        };
        operator.wait_listening(Duration::from_secs(60))?;
        Ok(operator)
    }

    /// `https://127.0.0.1:PORT/mutate-v1-pod`.
    pub fn webhook_url(&self) -> String {
        format!("https://127.0.0.1:{}/mutate-v1-pod", self.webhook_port)
    }

    /// The PEM of the CA that signed the webhook's serving certificate (the `caBundle`).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The operator's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the operator (as when its pods are gone).
    pub fn stop(&mut self) {
        self.process.kill();
    }

    fn wait_listening(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Err(e) = self.process.check_running() {
                bail!("{e}");
            }
            if TcpStream::connect(("127.0.0.1", self.webhook_port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "operator webhook not listening after {timeout:?}:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
