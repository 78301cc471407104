//! The HTTP side of the login: OIDC discovery and the code exchange at the token endpoint.

use sigstore_sign::reqwest;

use super::OAuthClientId;
use crate::sign::error::SigningError;

/// The largest discovery or token response accepted.
const MAX_RESPONSE: usize = 1 << 20;

/// The two endpoints discovery yields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OidcEndpoints {
    /// Where the browser goes.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
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

pub(super) async fn exchange_code(
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
