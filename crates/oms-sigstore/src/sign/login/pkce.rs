//! PKCE (RFC 7636, S256) and the authorization URL the browser is sent to.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use sigstore_sign::reqwest::Url;

use super::oidc::OidcEndpoints;

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
    pub(super) fn generate() -> Result<Self, String> {
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
