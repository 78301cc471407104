//! The webhook's serving certificate: a rustls resolver whose certificate can be swapped while
//! serving (cert-manager rotates the mounted Secret; the self-signed mode rotates its own).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{what}: no PEM certificate found")]
    NoCertificate { what: String },
    #[error("{what}: invalid PEM: {source}")]
    Pem {
        what: String,
        source: rustls::pki_types::pem::Error,
    },
    #[error("{what}: unsupported private key: {source}")]
    Key { what: String, source: rustls::Error },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("{path}: expected at least one PEM certificate (-----BEGIN CERTIFICATE-----) of a CA that issues the API server's webhook client certificate, found none")]
    NoClientRoots { path: PathBuf },
    #[error("the webhook's client CA certificates cannot verify clients: {detail}")]
    ClientRoots { detail: String },
    #[error(
        "no rustls crypto provider is installed: expected the binary's main to install \
         aws-lc-rs before any TLS is configured"
    )]
    NoCryptoProvider,
}

/// The process's crypto provider, which the binary's `main` installs once (a library never
/// installs one: the workspace compiles aws-lc-rs only, see `crypto_provider` in main.rs).
fn provider() -> Result<Arc<CryptoProvider>, TlsError> {
    CryptoProvider::get_default()
        .cloned()
        .ok_or(TlsError::NoCryptoProvider)
}

/// A certificate chain and key parsed from PEM; `what` names their origin in errors.
pub fn certified_key(
    cert_pem: &[u8],
    key_pem: &[u8],
    what: &str,
) -> Result<CertifiedKey, TlsError> {
    let pem = |source| TlsError::Pem {
        what: what.to_owned(),
        source,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(pem)?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            what: what.to_owned(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(pem)?;
    let signing_key = provider()?
        .key_provider
        .load_private_key(key)
        .map_err(|source| TlsError::Key {
            what: what.to_owned(),
            source,
        })?;
    Ok(CertifiedKey::new(chain, signing_key))
}

/// Serves whichever certificate was set last.
#[derive(Debug)]
pub struct ReloadingResolver {
    current: RwLock<Option<Arc<CertifiedKey>>>,
}

impl ReloadingResolver {
    pub fn new(initial: Option<CertifiedKey>) -> Arc<Self> {
        Arc::new(ReloadingResolver {
            current: RwLock::new(initial.map(Arc::new)),
        })
    }

    pub fn set(&self, key: CertifiedKey) {
        if let Ok(mut current) = self.current.write() {
            *current = Some(Arc::new(key));
        }
    }

    /// Whether a certificate is loaded (readiness).
    pub fn is_ready(&self) -> bool {
        self.current.read().map(|c| c.is_some()).unwrap_or(false)
    }
}

impl ResolvesServerCert for ReloadingResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().and_then(|c| c.clone())
    }
}

/// TLS 1.2/1.3 with the process's provider, HTTP/1.1 only (the API server speaks HTTP/1.1 or 2 to
/// webhooks; HTTP/2 is left out, like controller-runtime does by default after CVE-2023-44487).
///
/// With `client_roots`, a client must present a certificate issued by one of them, or the
/// handshake fails before any request is read: the API server presents one when its
/// AdmissionConfiguration names a kubeconfig for webhooks, and no other in-cluster client can then
/// send reviews to learn how a policy's verifier is configured (README, threat model).
pub fn server_config(
    resolver: Arc<ReloadingResolver>,
    client_roots: Option<rustls::RootCertStore>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider()?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match client_roots {
        None => builder.with_no_client_auth(),
        Some(roots) => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| TlsError::ClientRoots {
                detail: e.to_string(),
            })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The CA certificates a webhook client (the API server) must present a certificate from.
pub fn load_client_roots(path: &Path) -> Result<rustls::RootCertStore, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|source| TlsError::Pem {
            what: path.display().to_string(),
            source,
        })?;
        roots.add(cert)?;
    }
    if roots.is_empty() {
        return Err(TlsError::NoClientRoots {
            path: path.to_path_buf(),
        });
    }
    Ok(roots)
}

/// Reads a PEM certificate and key from files.
pub fn load_files(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    certified_key(&read(cert)?, &read(key)?, &cert.display().to_string())
}

/// Polls the files and swaps the certificate when their contents change (a mounted Secret is
/// updated by an atomic symlink swap, which inotify on the file itself would miss).
pub async fn watch_files(
    resolver: Arc<ReloadingResolver>,
    cert: PathBuf,
    key: PathBuf,
    every: Duration,
) {
    let mut last: Option<(Vec<u8>, Vec<u8>)> = None;
    loop {
        if let (Ok(c), Ok(k)) = (tokio::fs::read(&cert).await, tokio::fs::read(&key).await) {
            if last.as_ref() != Some(&(c.clone(), k.clone())) {
                match certified_key(&c, &k, &cert.display().to_string()) {
                    Ok(ck) => {
                        resolver.set(ck);
                        tracing::info!("loaded the serving certificate from {}", cert.display());
                        last = Some((c, k));
                    }
                    // A half-written rotation: keep serving the old one, try again.
                    Err(err) => tracing::warn!("{err}"),
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}
