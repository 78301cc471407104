//! Keyless signing (docs/FORMAT.md §5.3, §6.3), interoperable with sigstore-python 4.x
//! `Signer.sign_dsse`: an identity token, an ephemeral P-256 key certified by
//! Fulcio, a DSSE envelope over the statement bytes exactly as given, one
//! Rekor entry (v1 `dsse` 0.0.1 or v2 `hashedrekord` 0.0.2, as the signing
//! config selects) and RFC 3161 timestamps from the selected TSAs.
//!
//! The network work is sigstore-sign's (async); [`sign_statement`] is blocking
//! and drives it on a private current-thread tokio runtime (on a helper thread
//! when the caller already runs inside a runtime).
//!
//! Known differences from sigstore-python: the certificate request is
//! sigstore-sign's (public key + proof of possession over the token's email or
//! subject, not a CSR); the embedded SCT is not checked at signing time (the
//! verifier checks it); a failing TSA is an error rather than a warning; the
//! login puts no client secret in the browser URL and takes `id_token` before
//! `access_token` from the token response.

mod bundle_json;
mod error;
mod login;
mod services;
mod token;

#[cfg(test)]
mod login_tests;
#[cfg(test)]
mod test_http;
#[cfg(test)]
mod tests;

use std::future::Future;

use sigstore_sign::oidc::IdentityToken;
use sigstore_sign::rekor::RekorApiVersion;
use sigstore_sign::reqwest;
use sigstore_sign::tsa::TimestampClient;
use sigstore_sign::types::bundle::Rfc3161Timestamp;

pub use bundle_json::bundle_json;
pub use error::SigningError;
pub use login::{
    authorization_code, authorization_url, callback_query, discover, form_urlencode, login,
    token_from_response, LoginPrompt, OAuthClientId, OidcEndpoints, Pkce, TerminalPrompt,
    DEFAULT_LOGIN_TIMEOUT, OOB_REDIRECT_URI,
};
pub use services::{select_services, RekorService, SelectedServices};
pub use token::{check_identity_token, token_sources, TokenSource};

use crate::error::SigstoreError;
use crate::trust::{TrustMaterial, TrustSource};

/// The OAuth client id sigstore-python uses by default.
pub const DEFAULT_CLIENT_ID: &str = "sigstore";

/// How to sign: the instance (its signing config picks the services) and how
/// to get an identity token. Mirrors `model_signing sign sigstore`.
#[derive(Clone)]
pub struct SignOptions {
    /// Public-good, staging, or a ClientTrustConfig file (`--trust_config`).
    /// Its signing config selects Fulcio, Rekor, TSAs and the OIDC provider.
    /// (When signing, the reference lets `--use_staging` win over `--trust_config`;
    /// the caller maps the flags.) The embedded public-good and staging signing
    /// configs are used as is, without a TUF refresh.
    pub trust: TrustSource,
    /// `--identity_token`: used as is, takes precedence over everything else.
    pub identity_token: Option<String>,
    /// `--use_ambient_credentials`: look for CI credentials (GitHub Actions,
    /// GitLab CI, Buildkite, CircleCI) before the interactive login.
    pub use_ambient_credentials: bool,
    /// `--oauth_force_oob`: do not open a browser; print the URL, read the code.
    pub oauth_force_oob: bool,
    /// How long the browser login may take before it is abandoned
    /// ([`DEFAULT_LOGIN_TIMEOUT`] by default).
    pub login_timeout: std::time::Duration,
    /// `--client_id` (default `sigstore`); also the audience required of the token.
    pub client_id: Option<String>,
    /// `--client_secret` (default empty).
    pub client_secret: Option<String>,
    /// OIDC issuer for the interactive login (default: the signing config's
    /// first valid `oidcUrls` entry).
    pub oidc_issuer: Option<String>,
}

impl SignOptions {
    /// Options with every token setting at the CLI's default (interactive login,
    /// no ambient credentials, client id `sigstore`).
    pub fn new(trust: TrustSource) -> Self {
        Self {
            trust,
            identity_token: None,
            use_ambient_credentials: false,
            oauth_force_oob: false,
            login_timeout: DEFAULT_LOGIN_TIMEOUT,
            client_id: None,
            client_secret: None,
            oidc_issuer: None,
        }
    }

    fn client_id(&self) -> &str {
        self.client_id.as_deref().unwrap_or(DEFAULT_CLIENT_ID)
    }
}

/// Never prints the token or the secret.
impl std::fmt::Debug for SignOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("SignOptions")
            .field("trust", &self.trust)
            .field("identity_token", &redacted(&self.identity_token))
            .field("use_ambient_credentials", &self.use_ambient_credentials)
            .field("oauth_force_oob", &self.oauth_force_oob)
            .field("login_timeout", &self.login_timeout)
            .field("client_id", &self.client_id)
            .field("client_secret", &redacted(&self.client_secret))
            .field("oidc_issuer", &self.oidc_issuer)
            .finish()
    }
}

/// Signs `statement` (the in-toto statement bytes, signed verbatim) and
/// returns the bundle JSON. An interactive login, if needed, uses the terminal.
pub fn sign_statement(statement: &[u8], opts: &SignOptions) -> Result<Vec<u8>, SigstoreError> {
    sign_statement_with(statement, opts, &TerminalPrompt)
}

/// [`sign_statement`] with a caller-provided login prompt (browser, messages,
/// code entry).
pub fn sign_statement_with(
    statement: &[u8],
    opts: &SignOptions,
    prompt: &dyn LoginPrompt,
) -> Result<Vec<u8>, SigstoreError> {
    let trust = TrustMaterial::load(&opts.trust)?;
    let config = trust
        .signing_config()
        .ok_or_else(|| SigningError::NoSigningConfig {
            origin: trust.origin().to_owned(),
        })?;
    let services = select_services(config, jiff::Timestamp::now(), trust.origin())?;
    let bundle = block_on(sign_async(
        statement,
        opts,
        &services,
        trust.origin(),
        prompt,
    ))??;
    Ok(bundle)
}

async fn sign_async(
    statement: &[u8],
    opts: &SignOptions,
    services: &SelectedServices,
    origin: &str,
    prompt: &dyn LoginPrompt,
) -> Result<Vec<u8>, SigningError> {
    let token = obtain_token(opts, services, origin, prompt).await?;
    let identity = IdentityToken::from_jwt(&token).map_err(|e| SigningError::IdentityToken {
        source_name: "the identity token",
        reason: e.to_string(),
    })?;
    let rekor_version = match services.rekor.major_api_version {
        2 => RekorApiVersion::V2,
        _ => RekorApiVersion::V1,
    };
    let mut sign_services =
        sigstore_sign::SigningServices::new(&services.fulcio_url, &services.rekor.url)
            .with_rekor(&services.rekor.url, rekor_version);
    let mut tsa_urls = services.tsa_urls.iter();
    if let Some(first) = tsa_urls.next() {
        sign_services = sign_services.with_tsa_url(first);
    }
    let signer = sigstore_sign::SigningContext::new(sign_services).signer(identity);
    let mut bundle = signer
        .sign_raw_statement(statement)
        .await
        .map_err(|e| map_sign_error(e, services))?;
    // sigstore-sign asks one TSA; sigstore-python asks every selected one.
    for url in tsa_urls {
        let sigstore_sign::types::SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
            return Err(SigningError::Other {
                detail: "sigstore-sign returned a bundle without a DSSE envelope".to_owned(),
            });
        };
        let signature = envelope.signature.sig.clone();
        let fail = |detail: String| SigningError::Timestamp {
            url: url.clone(),
            detail,
        };
        let token = TimestampClient::builder(url.as_str())
            .build()
            .map_err(|e| fail(e.to_string()))?
            .timestamp_signature(&signature)
            .await
            .map_err(|e| fail(e.to_string()))?;
        bundle
            .verification_material
            .timestamp_verification_data
            .rfc3161_timestamps
            .push(Rfc3161Timestamp::new(token));
    }
    bundle_json(&bundle)
}

/// Explicit token, else ambient credentials (when enabled), else the login.
async fn obtain_token(
    opts: &SignOptions,
    services: &SelectedServices,
    origin: &str,
    prompt: &dyn LoginPrompt,
) -> Result<String, SigningError> {
    let client_id = opts.client_id();
    for source in token_sources(opts.identity_token.is_some(), opts.use_ambient_credentials) {
        let token = match source {
            TokenSource::Explicit => opts.identity_token.clone(),
            TokenSource::Ambient => ambient_token(client_id).await?,
            TokenSource::Interactive => {
                let issuer = opts
                    .oidc_issuer
                    .as_deref()
                    .or(services.oidc_url.as_deref())
                    .ok_or_else(|| SigningError::NoOidcIssuer {
                        origin: origin.to_owned(),
                    })?;
                let http = http_client().map_err(|detail| SigningError::Login {
                    issuer: issuer.to_owned(),
                    step: "building the HTTP client",
                    detail,
                })?;
                let client = OAuthClientId {
                    issuer,
                    client_id,
                    client_secret: opts.client_secret.as_deref().unwrap_or(""),
                };
                Some(
                    login(
                        &http,
                        client,
                        opts.oauth_force_oob,
                        opts.login_timeout,
                        prompt,
                    )
                    .await?,
                )
            }
        };
        if let Some(token) = token {
            // The clock is read when the token is in hand: a login takes seconds, and a token
            // issued during it has `nbf` after the moment the login started.
            let now = jiff::Timestamp::now().as_second();
            check_identity_token(&token, client_id, now, source)?;
            return Ok(token);
        }
    }
    Err(SigningError::NoOidcIssuer {
        origin: origin.to_owned(),
    })
}

async fn ambient_token(audience: &str) -> Result<Option<String>, SigningError> {
    let found = ambient_id::Detector::new()
        .detect(audience)
        .await
        .map_err(|e| SigningError::AmbientCredentials {
            detail: error_chain(&e),
        })?;
    Ok(found.map(|t| t.reveal().to_owned()))
}

fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("model-signing-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn map_sign_error(err: sigstore_sign::Error, services: &SelectedServices) -> SigningError {
    use sigstore_sign::Error as E;
    let detail = match &err {
        E::Fulcio(e) => error_chain(e),
        E::Rekor(e) => error_chain(e),
        E::Tsa(e) => error_chain(e),
        E::InvalidStatement(e) => e.to_string(),
        other => error_chain(other),
    };
    match err {
        E::Fulcio(_) => SigningError::Fulcio {
            url: services.fulcio_url.clone(),
            detail,
        },
        E::Rekor(_) => SigningError::Rekor {
            url: services.rekor.url.clone(),
            detail,
        },
        E::Tsa(_) => SigningError::Timestamp {
            url: services.tsa_urls.first().cloned().unwrap_or_default(),
            detail,
        },
        E::InvalidStatement(_) => SigningError::InvalidStatement { detail },
        _ => SigningError::Other { detail },
    }
}

/// Runs `work` to completion on a private current-thread runtime; on a helper
/// thread when the caller is itself inside a tokio runtime (nesting would panic).
fn block_on<F>(work: F) -> Result<F::Output, SigningError>
where
    F: Future + Send,
    F::Output: Send,
{
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(work))
            .map_err(|e| SigningError::Runtime {
                detail: e.to_string(),
            })
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|scope| {
        scope.spawn(run).join().unwrap_or_else(|_| {
            Err(SigningError::Runtime {
                detail: "the signing thread panicked".to_owned(),
            })
        })
    })
}
