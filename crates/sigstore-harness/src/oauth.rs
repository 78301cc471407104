//! The interactive half of the issuer: an authorization endpoint that logs
//! in a configured identity without asking, and a token endpoint for the
//! authorization-code grant with PKCE S256. Enough for sigstore-python's
//! flow (Basic client auth, reads `access_token`) and sigstore-oidc's (form
//! fields, reads `id_token`); both get the same ID token.

use crate::error::HarnessError;
use crate::oidc::{OidcIssuer, TokenSpec};
use crate::server::HttpResponse;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The redirect URI of out-of-band flows: the code is shown, not redirected.
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Identity logged in by the authorization endpoint until changed.
pub const DEFAULT_LOGIN_IDENTITY: &str = "oauth-user@example.com";

/// Client credentials seen at the token endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// From HTTP Basic auth, else the `client_id` form field.
    pub client_id: String,
    /// From HTTP Basic auth, else the `client_secret` form field (may be empty).
    pub client_secret: String,
}

struct PendingCode {
    identity: String,
    redirect_uri: String,
    challenge: Option<String>,
    nonce: Option<String>,
}

#[derive(Default)]
struct Inner {
    login_identity: Option<String>,
    codes: HashMap<String, PendingCode>,
    token_requests: Vec<TokenRequest>,
}

/// Authorization codes in flight and what the token endpoint saw.
#[derive(Default)]
pub struct OAuth {
    inner: Mutex<Inner>,
}

/// Decode `application/x-www-form-urlencoded` (also query strings).
pub fn parse_form(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn random_code() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl OAuth {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, HarnessError> {
        self.inner
            .lock()
            .map_err(|_| HarnessError::bad("oauth", "state poisoned by an earlier panic"))
    }

    /// Make the authorization endpoint log in `identity` from now on.
    pub fn set_login_identity(&self, identity: &str) {
        if let Ok(mut inner) = self.lock() {
            inner.login_identity = Some(identity.to_string());
        }
    }

    /// Client credentials of every token request so far.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.lock()
            .map(|inner| inner.token_requests.clone())
            .unwrap_or_default()
    }

    /// `GET /auth?response_type=code&client_id&redirect_uri&state&code_challenge…`:
    /// approve at once; redirect with the code, or show it for out-of-band.
    pub fn authorize(&self, query: &str) -> Result<HttpResponse, HarnessError> {
        const EP: &str = "oidc /auth";
        let params = parse_form(query);
        if params.get("response_type").map(String::as_str) != Some("code") {
            return Err(HarnessError::bad(EP, "response_type must be \"code\""));
        }
        let redirect_uri = params
            .get("redirect_uri")
            .cloned()
            .ok_or_else(|| HarnessError::bad(EP, "redirect_uri is missing"))?;
        let challenge = params.get("code_challenge").cloned();
        if challenge.is_some()
            && params.get("code_challenge_method").map(String::as_str) != Some("S256")
        {
            return Err(HarnessError::bad(
                EP,
                "code_challenge_method must be \"S256\"",
            ));
        }
        let code = random_code();
        let mut inner = self.lock()?;
        let identity = inner
            .login_identity
            .clone()
            .unwrap_or_else(|| DEFAULT_LOGIN_IDENTITY.to_string());
        inner.codes.insert(
            code.clone(),
            PendingCode {
                identity,
                redirect_uri: redirect_uri.clone(),
                challenge,
                nonce: params.get("nonce").cloned(),
            },
        );
        if redirect_uri == OOB_REDIRECT_URI {
            return Ok(HttpResponse::bytes(
                200,
                "text/plain",
                format!("code={code}\n").into_bytes(),
            ));
        }
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        let mut location = format!("{redirect_uri}{separator}code={code}");
        if let Some(state) = params.get("state") {
            location.push_str(&format!("&state={}", percent_encode(state)));
        }
        let mut response = HttpResponse::bytes(302, "text/plain", Vec::new());
        response.location = Some(location);
        Ok(response)
    }

    /// `POST /token` with `grant_type=authorization_code`.
    pub fn token(
        &self,
        body: &[u8],
        authorization: Option<&str>,
        oidc: &OidcIssuer,
        issuer_url: &str,
    ) -> Result<Value, HarnessError> {
        const EP: &str = "oidc /token";
        let form = parse_form(&String::from_utf8_lossy(body));
        let basic = authorization
            .and_then(|h| h.strip_prefix("Basic "))
            .and_then(|b64| STANDARD.decode(b64.trim()).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|pair| {
                pair.split_once(':')
                    .map(|(id, secret)| (id.to_string(), secret.to_string()))
            });
        let (client_id, client_secret) = basic.unwrap_or_else(|| {
            (
                form.get("client_id").cloned().unwrap_or_default(),
                form.get("client_secret").cloned().unwrap_or_default(),
            )
        });
        let mut inner = self.lock()?;
        inner.token_requests.push(TokenRequest {
            client_id,
            client_secret,
        });
        if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
            return Err(HarnessError::bad(
                EP,
                "grant_type must be \"authorization_code\"",
            ));
        }
        let code = form.get("code").map(String::as_str).unwrap_or_default();
        let pending = inner
            .codes
            .remove(code)
            .ok_or_else(|| HarnessError::bad(EP, "unknown or already used code"))?;
        if form.get("redirect_uri") != Some(&pending.redirect_uri) {
            return Err(HarnessError::bad(
                EP,
                "redirect_uri differs from the authorization request",
            ));
        }
        if let Some(challenge) = &pending.challenge {
            let verifier = form
                .get("code_verifier")
                .map(String::as_str)
                .unwrap_or_default();
            if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier)) != *challenge {
                return Err(HarnessError::bad(
                    EP,
                    "code_verifier does not match code_challenge",
                ));
            }
        }
        let mut spec = TokenSpec::new(&pending.identity, issuer_url);
        spec.nonce = pending.nonce;
        let token = oidc.mint(&spec);
        Ok(
            json!({"access_token": token, "id_token": token, "token_type": "Bearer", "expires_in": spec.lifetime_secs}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_percent_and_plus() {
        let form =
            parse_form("a=1&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcb&scope=openid+email&empty");
        assert_eq!(form["redirect_uri"], "http://127.0.0.1:5/cb");
        assert_eq!(form["scope"], "openid email");
        assert_eq!(form["empty"], "");
    }

    #[test]
    fn code_flow_with_pkce_yields_a_token_for_the_login_identity() {
        let oauth = OAuth::default();
        let oidc = OidcIssuer::new();
        oauth.set_login_identity("bob@example.com");
        let verifier = "v".repeat(43);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
        let response = oauth
            .authorize(&format!(
                "response_type=code&client_id=sigstore&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcb&state=s%201&code_challenge={challenge}&code_challenge_method=S256&nonce=n1"
            ))
            .unwrap();
        assert_eq!(response.status, 302);
        let location = response.location.unwrap();
        assert!(location.starts_with("http://127.0.0.1:5/cb?code="));
        assert!(location.ends_with("&state=s%201"));
        let code = parse_form(location.split_once('?').unwrap().1)["code"].clone();
        let body = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcb&code_verifier={verifier}"
        );
        let basic = format!("Basic {}", STANDARD.encode("sigstore:s3cret"));
        let token = oauth
            .token(body.as_bytes(), Some(&basic), &oidc, "http://iss")
            .unwrap();
        assert_eq!(token["access_token"], token["id_token"]);
        assert_eq!(
            oidc.verify(token["id_token"].as_str().unwrap(), "http://iss")
                .unwrap(),
            crate::oidc::Identity::Email("bob@example.com".into())
        );
        assert_eq!(
            oauth.token_requests(),
            vec![TokenRequest {
                client_id: "sigstore".into(),
                client_secret: "s3cret".into()
            }]
        );
        assert_eq!(
            oauth
                .token(body.as_bytes(), None, &oidc, "http://iss")
                .unwrap_err()
                .to_string(),
            "oidc /token: unknown or already used code"
        );
    }

    #[test]
    fn wrong_verifier_is_refused() {
        let oauth = OAuth::default();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest("right"));
        let response = oauth
            .authorize(&format!(
                "response_type=code&redirect_uri={OOB_REDIRECT_URI}&code_challenge={challenge}&code_challenge_method=S256"
            ))
            .unwrap();
        let code = String::from_utf8(response.body)
            .unwrap()
            .trim()
            .strip_prefix("code=")
            .unwrap()
            .to_string();
        let body = format!("grant_type=authorization_code&code={code}&redirect_uri={OOB_REDIRECT_URI}&code_verifier=wrong&client_id=c");
        assert_eq!(
            oauth
                .token(body.as_bytes(), None, &OidcIssuer::new(), "http://iss")
                .unwrap_err()
                .to_string(),
            "oidc /token: code_verifier does not match code_challenge"
        );
    }
}
