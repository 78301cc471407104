//! Starting etcd and kube-apiserver, waiting for readiness, and handing out clients.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::binaries::Binaries;
use crate::identity::{kubeconfig_json, Identity};
use crate::pki::{service_account_key_pems, CertAuthority};
use crate::process::{free_port, Process};
use crate::Error;

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_millis(250);

/// How long each process took from spawn to ready.
#[derive(Clone, Copy, Debug)]
pub struct StartupTimes {
    pub etcd: Duration,
    pub kube_apiserver: Duration,
}

/// A running etcd + kube-apiserver; both are killed when this is dropped (or when the test
/// process exits, for the [`TestEnv::shared`] one).
#[derive(Debug)]
pub struct TestEnv {
    // Field order is drop order: the API server goes before its etcd.
    apiserver: Process,
    etcd: Process,
    server_url: String,
    server_ca: CertAuthority,
    client_ca: CertAuthority,
    webhook_client_ca: CertAuthority,
    admin_kubeconfig: PathBuf,
    startup: StartupTimes,
    dir: tempfile::TempDir,
}

static SHARED: tokio::sync::OnceCell<TestEnv> = tokio::sync::OnceCell::const_new();

impl TestEnv {
    /// The control plane of this test binary, started by the first caller. Clients must be made
    /// per test ([`TestEnv::client`]): a client belongs to the async runtime that created it.
    pub async fn shared() -> Result<&'static TestEnv, Error> {
        SHARED.get_or_try_init(TestEnv::start).await
    }

    /// A new control plane with binaries from [`Binaries::locate`].
    pub async fn start() -> Result<Self, Error> {
        let binaries = tokio::task::spawn_blocking(Binaries::locate)
            .await
            .map_err(|e| Error::BinariesMissing {
                detail: format!("locating binaries failed: {e}"),
            })??;
        Self::start_with(&binaries).await
    }

    /// A new control plane running `binaries`.
    pub async fn start_with(binaries: &Binaries) -> Result<Self, Error> {
        remove_stale_dirs();
        let dir = tempfile::Builder::new()
            .prefix(&format!("kube-testenv-{}-", std::process::id()))
            .tempdir()
            .map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let root = dir.path();

        let etcd_port = free_port()?;
        let etcd_peer_port = free_port()?;
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");
        let mut etcd_cmd = Command::new(&binaries.etcd);
        etcd_cmd.args([
            format!("--data-dir={}", root.join("etcd").display()),
            format!("--listen-client-urls={etcd_url}"),
            format!("--advertise-client-urls={etcd_url}"),
            format!("--listen-peer-urls=http://127.0.0.1:{etcd_peer_port}"),
            format!("--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer_port}"),
            format!("--initial-cluster=default=http://127.0.0.1:{etcd_peer_port}"),
            "--unsafe-no-fsync=true".to_owned(),
        ]);
        let started = Instant::now();
        let mut etcd = Process::spawn("etcd", etcd_cmd, &root.join("etcd.log"))?;
        wait_etcd(&mut etcd, etcd_port).await?;
        let etcd_ready = started.elapsed();

        let server_ca = CertAuthority::new("kube-testenv server CA")?;
        let client_ca = CertAuthority::new("kube-testenv client CA")?;
        let webhook_client_ca = CertAuthority::new("kube-testenv webhook client CA")?;
        let serving = server_ca.issue_loopback_server("kube-apiserver")?;
        let webhook_client = webhook_client_ca.issue_client("kube-apiserver", None)?;
        let webhook_kubeconfig =
            crate::webhook_client::kubeconfig_json(&webhook_client).to_string();
        let admission = crate::webhook_client::admission_configuration_json(
            &root.join("webhook-client.kubeconfig").display().to_string(),
        )
        .to_string();
        let (service_account_key, service_account_pub) = service_account_key_pems()?;
        let files = [
            ("apiserver.crt", serving.cert_pem.as_str()),
            ("apiserver.key", serving.key_pem.as_str()),
            ("client-ca.crt", client_ca.cert_pem()),
            ("service-account.key", service_account_key.as_str()),
            ("service-account.pub", service_account_pub.as_str()),
            ("webhook-client.kubeconfig", webhook_kubeconfig.as_str()),
            ("admission.json", admission.as_str()),
        ];
        for (name, contents) in files {
            write(&root.join(name), contents)?;
        }

        let port = free_port()?;
        let server_url = format!("https://127.0.0.1:{port}");
        let mut apiserver_cmd = Command::new(&binaries.kube_apiserver);
        let path = |name: &str| root.join(name).display().to_string();
        apiserver_cmd.args([
            format!("--etcd-servers={etcd_url}"),
            format!("--tls-cert-file={}", path("apiserver.crt")),
            format!("--tls-private-key-file={}", path("apiserver.key")),
            format!("--cert-dir={}", path("certs")),
            format!("--secure-port={port}"),
            "--bind-address=127.0.0.1".to_owned(),
            "--advertise-address=127.0.0.1".to_owned(),
            "--service-cluster-ip-range=10.0.0.0/24".to_owned(),
            "--allow-privileged=true".to_owned(),
            // No controller-manager creates default ServiceAccounts, which that plugin requires.
            "--disable-admission-plugins=ServiceAccount".to_owned(),
            "--authorization-mode=RBAC".to_owned(),
            format!("--service-account-issuer={server_url}/"),
            format!("--service-account-key-file={}", path("service-account.pub")),
            format!(
                "--service-account-signing-key-file={}",
                path("service-account.key")
            ),
            format!("--client-ca-file={}", path("client-ca.crt")),
            format!("--admission-control-config-file={}", path("admission.json")),
        ]);
        let started = Instant::now();
        let apiserver = Process::spawn(
            "kube-apiserver",
            apiserver_cmd,
            &root.join("kube-apiserver.log"),
        )?;

        let admin_kubeconfig = root.join("admin.kubeconfig");
        let mut env = Self {
            apiserver,
            etcd,
            server_url,
            server_ca,
            client_ca,
            webhook_client_ca,
            admin_kubeconfig,
            startup: StartupTimes {
                etcd: etcd_ready,
                kube_apiserver: Duration::ZERO,
            },
            dir,
        };
        env.write_kubeconfig(&Identity::Admin, &env.admin_kubeconfig.clone())?;
        env.wait_apiserver().await?;
        env.startup.kube_apiserver = started.elapsed();
        Ok(env)
    }

    /// `https://127.0.0.1:PORT`.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The CA that signed the API server's serving certificate.
    pub fn server_ca_pem(&self) -> &str {
        self.server_ca.cert_pem()
    }

    /// The CA of the client certificate this API server presents to every admission webhook: a
    /// webhook that requires client authentication trusts this CA.
    pub fn webhook_client_ca_pem(&self) -> &str {
        self.webhook_client_ca.cert_pem()
    }

    /// The temporary directory holding certificates, etcd's data and both processes' logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A kubeconfig file for child processes, as admin.
    pub fn admin_kubeconfig(&self) -> &Path {
        &self.admin_kubeconfig
    }

    pub fn startup_times(&self) -> StartupTimes {
        self.startup
    }

    /// The end of the API server's log, for test failure messages.
    pub fn apiserver_log_tail(&self) -> String {
        self.apiserver.log_tail()
    }

    /// The API server's log file.
    pub fn apiserver_log(&self) -> &Path {
        self.apiserver.log_path()
    }

    /// A client authenticated as `identity`, bound to the calling async runtime.
    pub async fn client(&self, identity: &Identity) -> Result<kube::Client, Error> {
        let user = identity.user_name();
        let kubeconfig: Kubeconfig =
            serde_json::from_value(self.kubeconfig(identity)?).map_err(|e| Error::Kubeconfig {
                user: user.clone(),
                detail: e.to_string(),
            })?;
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| Error::Kubeconfig {
                    user,
                    detail: e.to_string(),
                })?;
        Ok(kube::Client::try_from(config)?)
    }

    /// A kubeconfig document (JSON, valid YAML) for `identity`, with a fresh client certificate.
    pub fn kubeconfig(&self, identity: &Identity) -> Result<serde_json::Value, Error> {
        let user = identity.user_name();
        let credentials = self
            .client_ca
            .issue_client(&user, identity.group().as_deref())?;
        Ok(kubeconfig_json(
            &self.server_url,
            self.server_ca.cert_pem(),
            &user,
            &credentials,
        ))
    }

    /// Writes a kubeconfig for `identity` to `path` (for `KUBECONFIG` of a child process).
    pub fn write_kubeconfig(&self, identity: &Identity, path: &Path) -> Result<(), Error> {
        let json = self.kubeconfig(identity)?;
        write(path, &json.to_string())
    }

    /// An error when etcd or kube-apiserver has exited.
    pub fn check_running(&mut self) -> Result<(), Error> {
        self.etcd.check_running()?;
        self.apiserver.check_running()
    }

    async fn wait_apiserver(&mut self) -> Result<(), Error> {
        let client = self.client(&Identity::Admin).await?;
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut last_probe;
        loop {
            self.check_running()?;
            let request = http::Request::get("/readyz").body(Vec::new());
            last_probe = match request {
                Ok(request) => match client.request_text(request).await {
                    Ok(body) if body.trim() == "ok" => return Ok(()),
                    Ok(body) => body,
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            if Instant::now() > deadline {
                return Err(Error::NotReady {
                    name: "kube-apiserver",
                    seconds: READY_TIMEOUT.as_secs(),
                    last_probe,
                    log_tail: self.apiserver.log_tail(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

async fn wait_etcd(etcd: &mut Process, port: u16) -> Result<(), Error> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        etcd.check_running()?;
        let probe = etcd_health(port);
        match &probe {
            Ok(body) if body.contains("\"health\":\"true\"") => return Ok(()),
            _ if Instant::now() > deadline => {
                return Err(Error::NotReady {
                    name: "etcd",
                    seconds: READY_TIMEOUT.as_secs(),
                    last_probe: format!("{probe:?}"),
                    log_tail: etcd.log_tail(),
                })
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// `GET /health` over plain HTTP/1.0 (etcd listens without TLS on loopback here).
fn etcd_health(port: u16) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

fn write(path: &Path, contents: &str) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A shared control plane is never dropped, so its directory outlives the test binary: remove
/// the directories of test processes that no longer run.
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("kube-testenv-")
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
