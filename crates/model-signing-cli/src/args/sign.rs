//! `model_signing sign <PKI_METHOD>`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::{HashingArgs, ModelArgs};

#[derive(Debug, Subcommand, PartialEq)]
pub enum SignMethod {
    /// Sign with Sigstore keyless signing (the default method).
    Sigstore(SignSigstoreArgs),
    /// Sign with an elliptic-curve private key (PEM).
    Key(SignKeyArgs),
    /// Sign with a private key and its X.509 signing certificate.
    Certificate(SignCertificateArgs),
    /// Sign with a key held in a PKCS #11 token.
    #[command(alias = "pkcs11_key")]
    Pkcs11Key(SignPkcs11KeyArgs),
    /// Sign with a PKCS #11 key and its X.509 signing certificate.
    #[command(alias = "pkcs11_certificate")]
    Pkcs11Certificate(SignPkcs11CertificateArgs),
}

impl SignMethod {
    pub fn common(&self) -> &SignCommon {
        match self {
            SignMethod::Sigstore(args) => &args.common,
            SignMethod::Key(args) => &args.common,
            SignMethod::Certificate(args) => &args.common,
            SignMethod::Pkcs11Key(args) => &args.common,
            SignMethod::Pkcs11Certificate(args) => &args.common,
        }
    }
}

/// What every sign method takes.
#[derive(Debug, Args, PartialEq)]
pub struct SignCommon {
    #[command(flatten)]
    pub model: ModelArgs,

    /// Where to write the signature (always left out of the signed files).
    #[arg(
        long = "signature",
        value_name = "SIGNATURE_PATH",
        default_value = "model.sig"
    )]
    pub signature: PathBuf,

    #[command(flatten)]
    pub hashing: HashingArgs,

    #[command(flatten)]
    pub scan: super::ScanGateArgs,
}

#[derive(Debug, Args, PartialEq)]
pub struct SignSigstoreArgs {
    #[command(flatten)]
    pub common: SignCommon,

    /// Use Sigstore's staging instance.
    #[arg(long = "use-staging")]
    pub use_staging: bool,

    /// A Sigstore ClientTrustConfig JSON file (when signing, --use-staging wins over it, like
    /// the reference).
    #[arg(long = "trust-config", value_name = "TRUST_CONFIG")]
    pub trust_config: Option<PathBuf>,

    /// Take the OIDC token from the ambient environment (e.g. GitHub Actions).
    #[arg(long = "use-ambient-credentials")]
    pub use_ambient_credentials: bool,

    /// A fixed OIDC identity token instead of an OIDC flow.
    #[arg(long = "identity-token", value_name = "TOKEN")]
    pub identity_token: Option<String>,

    /// Force an out-of-band OAuth flow (print a URL, paste the code).
    #[arg(long = "oauth-force-oob")]
    pub oauth_force_oob: bool,

    /// OIDC client id (default `sigstore`).
    #[arg(long = "client-id", value_name = "ID")]
    pub client_id: Option<String>,

    /// OIDC client secret (default empty).
    #[arg(long = "client-secret", value_name = "SECRET")]
    pub client_secret: Option<String>,

    /// OIDC provider URL to get the identity token from.
    #[arg(long = "identity-provider", value_name = "URL")]
    pub identity_provider: Option<String>,
}

#[derive(Debug, Args, PartialEq)]
pub struct SignKeyArgs {
    #[command(flatten)]
    pub common: SignCommon,

    /// The private key, PEM-encoded.
    #[arg(long = "private-key", value_name = "PRIVATE_KEY")]
    pub private_key: PathBuf,

    /// Password of an encrypted key. If omitted for an encrypted key: the environment variable
    /// MODEL_SIGNING_KEY_PASSWORD, else a terminal prompt.
    #[arg(long = "password", value_name = "PASSWORD")]
    pub password: Option<String>,
}

#[derive(Debug, Args, PartialEq)]
pub struct SignCertificateArgs {
    #[command(flatten)]
    pub common: SignCommon,

    /// The private key, PEM-encoded.
    #[arg(long = "private-key", value_name = "PRIVATE_KEY")]
    pub private_key: PathBuf,

    /// Password of an encrypted key (see `sign key --help`).
    #[arg(long = "password", value_name = "PASSWORD")]
    pub password: Option<String>,

    /// The signing (leaf) certificate, PEM-encoded.
    #[arg(long = "signing-certificate", value_name = "CERTIFICATE_PATH")]
    pub signing_certificate: PathBuf,

    /// Certificates to bundle after the leaf (repeatable; a file may hold several).
    #[arg(long = "certificate-chain", value_name = "CERTIFICATE_PATH")]
    pub certificate_chain: Vec<PathBuf>,
}

#[derive(Debug, Args, PartialEq)]
pub struct SignPkcs11KeyArgs {
    #[command(flatten)]
    pub common: SignCommon,

    /// RFC 7512 URI of the private key (module-path, token/slot-id, pin-value, id/object).
    #[arg(long = "pkcs11-uri", value_name = "PKCS11_URI")]
    pub pkcs11_uri: String,
}

#[derive(Debug, Args, PartialEq)]
pub struct SignPkcs11CertificateArgs {
    #[command(flatten)]
    pub common: SignCommon,

    /// RFC 7512 URI of the private key (module-path, token/slot-id, pin-value, id/object).
    #[arg(long = "pkcs11-uri", value_name = "PKCS11_URI")]
    pub pkcs11_uri: String,

    /// The signing (leaf) certificate, PEM-encoded.
    #[arg(long = "signing-certificate", value_name = "CERTIFICATE_PATH")]
    pub signing_certificate: PathBuf,

    /// Certificates to bundle after the leaf (repeatable; a file may hold several).
    #[arg(long = "certificate-chain", value_name = "CERTIFICATE_PATH")]
    pub certificate_chain: Vec<PathBuf>,
}
