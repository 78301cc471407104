//! The plain values the Python configuration objects pass in (dicts with the reference's
//! argument names), and what they become on the Rust side.

use std::path::PathBuf;

use model_signing::signers::{
    CertificateSigner, KeySigner, Pkcs11CertificateSigner, Pkcs11KeySigner,
};
use model_signing::verifiers::{CertificateVerifier, KeyVerifier, SigstoreVerifier};
use model_signing::{BundleVerifier, HashAlgorithm, Method, Signer};
use oms_sigstore::{IdentityPolicy, TrustMaterial, TrustSource};
use pyo3::prelude::*;

use crate::errors::{error, from_core, from_trust, kind};

/// `hashing.Config`, with the ignore paths already made relative to the model.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct HashingSpec {
    pub method: String,
    pub hashing_algorithm: String,
    pub shard_size: u64,
    pub max_workers: Option<usize>,
    pub allow_symlinks: bool,
    pub ignore_paths: Vec<String>,
    pub ignore_git_paths: bool,
}

impl HashingSpec {
    pub(crate) fn method(&self) -> PyResult<Method> {
        match self.method.as_str() {
            "files" => Ok(Method::Files),
            "shards" => Ok(Method::Shards {
                shard_size: self.shard_size,
            }),
            other => Err(error(
                kind::VALUE,
                format!("unknown serialization method {other:?}: expected \"files\" or \"shards\""),
            )),
        }
    }

    pub(crate) fn algorithm(&self) -> PyResult<HashAlgorithm> {
        parse_algorithm(&self.hashing_algorithm)
    }
}

pub(crate) fn parse_algorithm(name: &str) -> PyResult<HashAlgorithm> {
    HashAlgorithm::from_config_name(name)
        .ok_or_else(|| error(kind::VALUE, format!("Unsupported hashing method {name}")))
}

/// `signing.Config`'s `use_*_signer` arguments; `method` says which one.
#[derive(Debug, Clone, FromPyObject)]
// The Sigstore fields are only read by keyless builds.
#[cfg_attr(not(feature = "keyless"), allow(dead_code))]
#[pyo3(from_item_all)]
pub(crate) struct SignerSpec {
    pub method: String,
    #[pyo3(default)]
    pub private_key: Option<PathBuf>,
    #[pyo3(default)]
    pub password: Option<Vec<u8>>,
    #[pyo3(default)]
    pub signing_certificate: Option<PathBuf>,
    #[pyo3(default)]
    pub certificate_chain: Vec<PathBuf>,
    #[pyo3(default)]
    pub pkcs11_uri: Option<String>,
    #[pyo3(default)]
    pub module_paths: Vec<PathBuf>,
    #[pyo3(default)]
    pub oidc_issuer: Option<String>,
    #[pyo3(default)]
    pub use_ambient_credentials: bool,
    #[pyo3(default)]
    pub use_staging: bool,
    #[pyo3(default)]
    pub force_oob: bool,
    #[pyo3(default)]
    pub identity_token: Option<String>,
    #[pyo3(default)]
    pub client_id: Option<String>,
    #[pyo3(default)]
    pub client_secret: Option<String>,
    #[pyo3(default)]
    pub trust_config: Option<PathBuf>,
}

fn required<T: Clone>(value: &Option<T>, what: &str) -> PyResult<T> {
    value
        .clone()
        .ok_or_else(|| error(kind::VALUE, format!("{what} is required")))
}

impl SignerSpec {
    pub(crate) fn build(&self) -> PyResult<Box<dyn Signer>> {
        let password = self.password.as_deref();
        Ok(match self.method.as_str() {
            "key" => Box::new(
                KeySigner::from_pem_file(&required(&self.private_key, "private_key")?, password)
                    .map_err(from_core)?,
            ),
            "certificate" => Box::new(
                CertificateSigner::from_files(
                    &required(&self.private_key, "private_key")?,
                    password,
                    &required(&self.signing_certificate, "signing_certificate")?,
                    &self.certificate_chain,
                )
                .map_err(from_core)?,
            ),
            "pkcs11" => Box::new(
                Pkcs11KeySigner::open(
                    &required(&self.pkcs11_uri, "pkcs11_uri")?,
                    &self.module_paths,
                )
                .map_err(from_core)?,
            ),
            "pkcs11-certificate" => Box::new(
                Pkcs11CertificateSigner::open(
                    &required(&self.pkcs11_uri, "pkcs11_uri")?,
                    &self.module_paths,
                    &required(&self.signing_certificate, "signing_certificate")?,
                    &self.certificate_chain,
                )
                .map_err(from_core)?,
            ),
            "sigstore" => self.sigstore()?,
            other => {
                return Err(error(
                    kind::VALUE,
                    format!("unknown signing method {other:?}"),
                ))
            }
        })
    }
}

impl SignerSpec {
    #[cfg(feature = "keyless")]
    fn sigstore(&self) -> PyResult<Box<dyn Signer>> {
        use model_signing::signers::SigstoreSigner;
        use oms_sigstore::SignOptions;
        let trust = TrustSource::for_signing(self.use_staging, self.trust_config.as_deref());
        let mut opts = SignOptions::new(trust);
        opts.identity_token = self.identity_token.clone();
        opts.use_ambient_credentials = self.use_ambient_credentials;
        opts.oauth_force_oob = self.force_oob;
        opts.client_id = self.client_id.clone();
        opts.client_secret = self.client_secret.clone();
        opts.oidc_issuer = self.oidc_issuer.clone();
        Ok(Box::new(SigstoreSigner::new(opts)))
    }

    #[cfg(not(feature = "keyless"))]
    fn sigstore(&self) -> PyResult<Box<dyn Signer>> {
        Err(error(
            kind::NOT_IMPLEMENTED,
            "Sigstore keyless signing is not built into this wheel (cargo feature `keyless` of \
             model-signing-py); sign with the model_signing CLI, or with a key or certificate",
        ))
    }
}

/// `verifying.Config`'s `use_*_verifier` arguments; `method` says which one.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct VerifierSpec {
    pub method: String,
    #[pyo3(default)]
    pub public_key: Option<PathBuf>,
    #[pyo3(default)]
    pub certificate_chain: Vec<PathBuf>,
    #[pyo3(default)]
    pub log_fingerprints: bool,
    #[pyo3(default)]
    pub identity: Option<String>,
    #[pyo3(default)]
    pub oidc_issuer: Option<String>,
    #[pyo3(default)]
    pub use_staging: bool,
    #[pyo3(default)]
    pub trust_config: Option<PathBuf>,
}

impl VerifierSpec {
    pub(crate) fn build(&self) -> PyResult<Box<dyn BundleVerifier>> {
        Ok(match self.method.as_str() {
            "key" => Box::new(
                KeyVerifier::from_pem_file(&required(&self.public_key, "public_key")?)
                    .map_err(from_core)?,
            ),
            "certificate" => Box::new(
                CertificateVerifier::from_files(&self.certificate_chain, self.log_fingerprints)
                    .map_err(from_core)?,
            ),
            "sigstore" => {
                let source =
                    TrustSource::for_verifying(self.trust_config.as_deref(), self.use_staging);
                let trust = TrustMaterial::load(&source).map_err(from_trust)?;
                let policy = IdentityPolicy::exact(
                    required(&self.identity, "identity")?,
                    required(&self.oidc_issuer, "oidc_issuer")?,
                );
                Box::new(SigstoreVerifier::new(trust, policy))
            }
            other => {
                return Err(error(
                    kind::VALUE,
                    format!("unknown verification method {other:?}"),
                ))
            }
        })
    }
}
