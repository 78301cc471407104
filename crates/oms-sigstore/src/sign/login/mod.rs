//! Interactive OAuth 2.0 login (authorization code + PKCE) for an identity
//! token, as sigstore-python's `Issuer.identity_token` does it: OIDC discovery
//! at `<issuer>/.well-known/openid-configuration`, the browser sent to the
//! authorization endpoint with a loopback redirect to
//! `http://localhost:<port>/auth/callback`, or, when no browser opens or
//! `--oauth_force_oob` is given, the out-of-band redirect
//! `urn:ietf:wg:oauth:2.0:oob` and a pasted code. The code is exchanged at the
//! token endpoint with HTTP Basic client authentication
//! (`client_id:client_secret`, the secret empty by default). sigstore-oidc has
//! no client secret, hence this module.

//!
//! Layout: `oidc` (discovery, code exchange), `pkce` (secret and authorization URL),
//! `loopback` (the redirect server); this file holds the flow and the prompts.

mod loopback;
mod oidc;
mod pkce;

use std::io::Write as _;
use std::time::Duration;

use sigstore_sign::reqwest;
use tokio::net::TcpListener;

use super::error::SigningError;

pub use loopback::{authorization_code, callback_query};
pub use oidc::{discover, form_urlencode, token_from_response, OidcEndpoints};
pub use pkce::{authorization_url, Pkce};

use loopback::wait_for_redirect;
use oidc::exchange_code;

/// The out-of-band redirect URI (the provider shows the code to copy).
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Path of the loopback redirect, as sigstore-python registers it.
const REDIRECT_PATH: &str = "/auth/callback";

/// How long the login waits for the browser redirect by default.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How the login talks to the person at the keyboard.
pub trait LoginPrompt: Sync {
    /// Opens `url` in a browser; `false` when none could be opened (the login
    /// then falls back to the out-of-band flow).
    fn open_browser(&self, url: &str) -> bool;
    /// Shows a message (the reference writes these to stderr).
    fn notify(&self, message: &str);
    /// Reads the verification code of the out-of-band flow.
    fn read_code(&self) -> std::io::Result<String>;
}

/// The terminal: the system browser (`xdg-open`, `open`, …), messages on
/// stderr, the code from stdin after the reference's `Enter verification code: `.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalPrompt;

impl LoginPrompt for TerminalPrompt {
    fn open_browser(&self, url: &str) -> bool {
        open::that(url).is_ok()
    }

    fn notify(&self, message: &str) {
        eprintln!("{message}");
    }

    fn read_code(&self) -> std::io::Result<String> {
        let mut out = std::io::stdout();
        out.write_all(b"Enter verification code: ")?;
        out.flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim().to_owned())
    }
}

/// The OAuth client the login acts as.
#[derive(Debug, Clone, Copy)]
pub struct OAuthClientId<'a> {
    /// The issuer URL (discovery happens below it).
    pub issuer: &'a str,
    /// OAuth client id (`sigstore` by default).
    pub client_id: &'a str,
    /// OAuth client secret (empty for public clients).
    pub client_secret: &'a str,
}

/// Runs the whole login and returns the raw token. The browser flow is abandoned after
/// `timeout` without a redirect.
pub async fn login(
    http: &reqwest::Client,
    client: OAuthClientId<'_>,
    force_oob: bool,
    timeout: Duration,
    prompt: &dyn LoginPrompt,
) -> Result<String, SigningError> {
    let fail = |step, detail: String| SigningError::Login {
        issuer: client.issuer.to_owned(),
        step,
        detail,
    };
    let endpoints = discover(http, client.issuer).await?;
    let pkce = Pkce::generate().map_err(|e| fail("generating the PKCE secret", e))?;
    let mut flow = None;
    if !force_oob {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| fail("starting the loopback redirect server", e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| fail("starting the loopback redirect server", e.to_string()))?
            .port();
        let redirect_uri = format!("http://localhost:{port}{REDIRECT_PATH}");
        let url = authorization_url(&endpoints, client.client_id, &redirect_uri, &pkce)
            .map_err(|e| fail("building the authorization URL", e))?;
        if prompt.open_browser(&url) {
            prompt.notify("Waiting for browser interaction...");
            let code = tokio::time::timeout(timeout, wait_for_redirect(&listener, &pkce.state))
                .await
                .map_err(|_| SigningError::LoginTimeout {
                    issuer: client.issuer.to_owned(),
                    waited: timeout,
                })?
                .map_err(|e| fail("waiting for the browser redirect", e))?;
            flow = Some((code, redirect_uri));
        }
    }
    let (code, redirect_uri) = match flow {
        Some(done) => done,
        None => {
            let url = authorization_url(&endpoints, client.client_id, OOB_REDIRECT_URI, &pkce)
                .map_err(|e| fail("building the authorization URL", e))?;
            prompt.notify(&format!(
                "Go to the following link in a browser:\n\n\t{url}"
            ));
            let code = prompt
                .read_code()
                .map_err(|e| fail("reading the verification code", e.to_string()))?;
            (code, OOB_REDIRECT_URI.to_owned())
        }
    };
    exchange_code(
        http,
        client,
        &endpoints,
        &code,
        &redirect_uri,
        &pkce.verifier,
    )
    .await
}
