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

use std::io::Write as _;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use sigstore_sign::reqwest::{self, Url};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::error::SigningError;

/// The out-of-band redirect URI (the provider shows the code to copy).
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Path of the loopback redirect, as sigstore-python registers it.
const REDIRECT_PATH: &str = "/auth/callback";

/// The largest request head the loopback server reads.
const MAX_REQUEST_HEAD: usize = 8192;

/// The largest discovery or token response accepted.
const MAX_RESPONSE: usize = 1 << 20;

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

/// The two endpoints discovery yields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OidcEndpoints {
    /// Where the browser goes.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
}

/// Runs the whole login and returns the raw token.
pub async fn login(
    http: &reqwest::Client,
    client: OAuthClientId<'_>,
    force_oob: bool,
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
            let code = wait_for_redirect(&listener, &pkce.state)
                .await
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

/// Fetches the issuer's OIDC configuration.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<OidcEndpoints, SigningError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let fail = |detail: String| SigningError::Login {
        issuer: issuer.to_owned(),
        step: "discovering the OIDC configuration",
        detail,
    };
    let response = http
        .get(&url)
        .send()
        .await
        .map_err(|e| fail(format!("GET {url}: {e}")))?;
    let status = response.status();
    let body = read_limited(response)
        .await
        .map_err(|e| fail(format!("GET {url}: {e}")))?;
    if !status.is_success() {
        return Err(fail(format!("GET {url}: HTTP {status}")));
    }
    serde_json::from_slice(&body).map_err(|e| {
        fail(format!(
            "{url} is not an OIDC configuration (authorization_endpoint, token_endpoint): {e}"
        ))
    })
}

/// PKCE verifier and challenge (S256) plus the CSRF state.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// Sent with the code exchange.
    pub verifier: String,
    /// `base64url(sha256(verifier))`, sent with the authorization request.
    pub challenge: String,
    /// Echoed back by the authorization server on the redirect.
    pub state: String,
}

impl Pkce {
    fn generate() -> Result<Self, String> {
        let mut secret = [0u8; 32];
        let mut state = [0u8; 16];
        getrandom::getrandom(&mut secret).map_err(|e| e.to_string())?;
        getrandom::getrandom(&mut state).map_err(|e| e.to_string())?;
        Ok(Self::from_secret(&secret, &state))
    }

    /// Deterministic construction, for tests.
    pub fn from_secret(secret: &[u8], state: &[u8]) -> Self {
        let verifier = URL_SAFE_NO_PAD.encode(secret);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
            state: hex::encode(state),
        }
    }
}

/// The URL the browser is sent to. The client secret is deliberately not
/// put in it (sigstore-python does; the authorization endpoint never needs it).
pub fn authorization_url(
    endpoints: &OidcEndpoints,
    client_id: &str,
    redirect_uri: &str,
    pkce: &Pkce,
) -> Result<String, String> {
    let mut url = Url::parse(&endpoints.authorization_endpoint).map_err(|e| {
        format!(
            "authorization_endpoint `{}` is not a URL: {e}",
            endpoints.authorization_endpoint
        )
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("scope", "openid email")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &pkce.state);
    Ok(url.to_string())
}

/// Serves the loopback redirect until the authorization response arrives,
/// answering anything else (a favicon request, a stray probe) with 404.
async fn wait_for_redirect(listener: &TcpListener, state: &str) -> Result<String, String> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| format!("accept failed: {e}"))?;
        let Ok(head) = read_request_head(&mut stream).await else {
            continue;
        };
        let Some(query) = callback_query(&head) else {
            // The browser's other requests get nothing; keep waiting.
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        };
        let outcome = authorization_code(&query, state);
        let (status, body) = match &outcome {
            Ok(_) => ("200 OK", SUCCESS_HTML.to_owned()),
            Err(e) => (
                "400 Bad Request",
                format!(
                    "<html><body>Sigstore authentication failed: {}</body></html>",
                    html_escape(e)
                ),
            ),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        return outcome;
    }
}

async fn read_request_head(stream: &mut tokio::net::TcpStream) -> Result<String, String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        let chunk = buf.get(..n).unwrap_or_default();
        if chunk.is_empty() || head.len() + chunk.len() > MAX_REQUEST_HEAD {
            return Err("incomplete or oversized request".to_owned());
        }
        head.extend_from_slice(chunk);
    }
    String::from_utf8(head).map_err(|_| "request head is not UTF-8".to_owned())
}

/// The query string of a `GET /auth/callback?…` request line, if it is one.
pub fn callback_query(head: &str) -> Option<String> {
    let mut parts = head.lines().next()?.split_whitespace();
    let (method, target) = (parts.next()?, parts.next()?);
    if method != "GET" {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path == REDIRECT_PATH).then(|| query.to_owned())
}

/// The code from an authorization response query, after checking `error` and `state`.
pub fn authorization_code(query: &str, expected_state: &str) -> Result<String, String> {
    let url = Url::parse(&format!("http://localhost{REDIRECT_PATH}?{query}"))
        .map_err(|e| format!("malformed redirect: {e}"))?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        let description = param("error_description")
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(format!(
            "Error response from auth endpoint: {error}{description}"
        ));
    }
    match param("state") {
        Some(state) if state == expected_state => {}
        _ => return Err("OAuth state mismatch".to_owned()),
    }
    param("code").ok_or_else(|| "the redirect carries no authorization code".to_owned())
}

async fn exchange_code(
    http: &reqwest::Client,
    client: OAuthClientId<'_>,
    endpoints: &OidcEndpoints,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<String, SigningError> {
    let fail = |detail: String| SigningError::Login {
        issuer: client.issuer.to_owned(),
        step: "exchanging the code at the token endpoint",
        detail,
    };
    let body = form_urlencode(&[
        ("grant_type", "authorization_code"),
        ("redirect_uri", redirect_uri),
        ("code", code),
        ("code_verifier", verifier),
    ]);
    let url = &endpoints.token_endpoint;
    let response = http
        .post(url)
        .basic_auth(client.client_id, Some(client.client_secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| fail(format!("POST {url}: {e}")))?;
    let status = response.status();
    let body = read_limited(response)
        .await
        .map_err(|e| fail(format!("POST {url}: {e}")))?;
    if !status.is_success() {
        return Err(fail(format!(
            "Token request failed with {}",
            status.as_u16()
        )));
    }
    token_from_response(&body).map_err(fail)
}

/// The identity token in a token endpoint response: `id_token`, or, like
/// sigstore-python (which reads only this), `access_token`.
pub fn token_from_response(body: &[u8]) -> Result<String, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("response is not JSON: {e}"))?;
    if let Some(error) = json.get("error") {
        return Err(format!("Error response from token endpoint: {error}"));
    }
    ["id_token", "access_token"]
        .iter()
        .find_map(|k| json.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned)
        .ok_or_else(|| "response has neither id_token nor access_token".to_owned())
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_RESPONSE {
            return Err(format!("response larger than {MAX_RESPONSE} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `application/x-www-form-urlencoded`.
pub fn form_urlencode(pairs: &[(&str, &str)]) -> String {
    fn encode(out: &mut String, s: &str) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(b))
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(&mut out, k);
        out.push('=');
        encode(&mut out, v);
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const SUCCESS_HTML: &str = "<html><head><title>Sigstore Authentication</title></head>\
<body><p><b>sigstore</b> authentication successful!</p><p>You may now close this page.</p></body></html>";
