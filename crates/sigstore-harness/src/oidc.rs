//! A minimal OpenID Connect issuer: ES256 ID tokens, discovery document and
//! JWKS. Fulcio here trusts only tokens of this issuer.

use crate::error::HarnessError;
use crate::pki::KeyPair;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// The audience Sigstore clients ask for (their default OAuth client ID).
pub const AUDIENCE: &str = "sigstore";

/// What a token says about its subject, as Fulcio puts it in the certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// `email` claim with `email_verified: true`: SAN rfc822Name.
    Email(String),
    /// `sub` claim without email: SAN URI.
    Uri(String),
}

impl Identity {
    /// An identity containing `://` is a URI subject, anything else an email.
    pub fn parse(identity: &str) -> Identity {
        if identity.contains("://") {
            Identity::Uri(identity.to_string())
        } else {
            Identity::Email(identity.to_string())
        }
    }

    /// The string clients sign as proof of possession (the email for email
    /// identities, the subject otherwise).
    pub fn value(&self) -> &str {
        match self {
            Identity::Email(v) | Identity::Uri(v) => v,
        }
    }
}

/// How to mint a token; the defaults give a valid token for ten minutes.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    /// Email or URI identity.
    pub identity: String,
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
    /// Seconds from now to `exp`; negative for an already expired token.
    pub lifetime_secs: i64,
    /// `email_verified` claim of email identities.
    pub email_verified: bool,
    /// `nonce` claim (echoed from an OAuth authorization request).
    pub nonce: Option<String>,
}

impl TokenSpec {
    /// A valid token for `identity` issued by `issuer`.
    pub fn new(identity: &str, issuer: &str) -> TokenSpec {
        TokenSpec {
            identity: identity.to_string(),
            issuer: issuer.to_string(),
            audience: AUDIENCE.to_string(),
            lifetime_secs: 600,
            email_verified: true,
            nonce: None,
        }
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The issuer's signing key.
pub struct OidcIssuer {
    key: KeyPair,
    kid: String,
}

impl Default for OidcIssuer {
    fn default() -> Self {
        OidcIssuer::new()
    }
}

impl OidcIssuer {
    /// A fresh issuer key.
    pub fn new() -> OidcIssuer {
        let key = KeyPair::generate();
        let kid = hex::encode(key.key_id().get(..8).unwrap_or_default());
        OidcIssuer { key, kid }
    }

    /// A signed ES256 ID token for `identity` from `issuer_url`.
    pub fn mint_token(&self, identity: &str, issuer_url: &str) -> String {
        self.mint(&TokenSpec::new(identity, issuer_url))
    }

    /// A signed ES256 ID token as described by `spec`.
    pub fn mint(&self, spec: &TokenSpec) -> String {
        let now = now_secs();
        let mut claims = json!({
            "iss": spec.issuer,
            "sub": spec.identity,
            "aud": spec.audience,
            "iat": now,
            "nbf": now,
            "exp": now + spec.lifetime_secs,
        });
        if let (Identity::Email(email), Some(map)) =
            (Identity::parse(&spec.identity), claims.as_object_mut())
        {
            map.insert("email".into(), json!(email));
            map.insert("email_verified".into(), json!(spec.email_verified));
        }
        if let (Some(nonce), Some(map)) = (&spec.nonce, claims.as_object_mut()) {
            map.insert("nonce".into(), json!(nonce));
        }
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign_fixed(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Check a token the way Fulcio does: signature by this issuer, `iss`,
    /// audience, validity period; then derive the certificate identity.
    pub fn verify(&self, token: &str, issuer_url: &str) -> Result<Identity, HarnessError> {
        const EP: &str = "oidc token";
        let parts: Vec<&str> = token.trim().split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(HarnessError::unauthorized(
                EP,
                format!("expected a JWT with 3 parts, found {}", parts.len()),
            ));
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or_else(|| {
                HarnessError::unauthorized(EP, "signature is not a 64-byte ES256 value")
            })?;
        let key = VerifyingKey::from_public_key_der(&self.key.spki_der())
            .map_err(|e| HarnessError::unauthorized(EP, e.to_string()))?;
        key.verify(format!("{header}.{payload}").as_bytes(), &signature)
            .map_err(|_| {
                HarnessError::unauthorized(EP, "signature not made by the harness issuer")
            })?;
        let claims: Value = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| HarnessError::unauthorized(EP, "claims are not base64url JSON"))?;
        let iss = claims["iss"].as_str().unwrap_or_default();
        if iss != issuer_url {
            return Err(HarnessError::unauthorized(
                EP,
                format!("iss is {iss:?}, expected {issuer_url:?}"),
            ));
        }
        let audience_ok = match &claims["aud"] {
            Value::String(aud) => aud == AUDIENCE,
            Value::Array(auds) => auds.iter().any(|a| a == AUDIENCE),
            _ => false,
        };
        if !audience_ok {
            return Err(HarnessError::unauthorized(
                EP,
                format!("aud is {}, expected {AUDIENCE:?}", claims["aud"]),
            ));
        }
        let now = now_secs();
        let exp = claims["exp"].as_i64().unwrap_or_default();
        if exp <= now {
            return Err(HarnessError::unauthorized(
                EP,
                format!("token expired at {exp}"),
            ));
        }
        if let Some(email) = claims["email"].as_str() {
            if claims["email_verified"] != Value::Bool(true) {
                return Err(HarnessError::unauthorized(EP, "email_verified is not true"));
            }
            return Ok(Identity::Email(email.to_string()));
        }
        match claims["sub"].as_str() {
            Some(sub) if !sub.is_empty() => Ok(Identity::Uri(sub.to_string())),
            _ => Err(HarnessError::unauthorized(EP, "no email and no sub claim")),
        }
    }

    /// `/.well-known/openid-configuration`.
    pub fn discovery(&self, issuer_url: &str) -> Value {
        json!({
            "issuer": issuer_url,
            "authorization_endpoint": format!("{issuer_url}/auth"),
            "token_endpoint": format!("{issuer_url}/token"),
            "jwks_uri": format!("{issuer_url}/keys"),
            "response_types_supported": ["code", "id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "scopes_supported": ["openid", "email"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "email", "email_verified"],
        })
    }

    /// The JWKS with the issuer's public key.
    pub fn jwks(&self) -> Value {
        let (x, y) = self.key.public_xy();
        json!({"keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        }]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "http://127.0.0.1:1";

    #[test]
    fn minted_email_token_verifies_to_the_email() {
        let issuer = OidcIssuer::new();
        let token = issuer.mint_token("alice@example.com", ISS);
        assert_eq!(
            issuer.verify(&token, ISS).unwrap(),
            Identity::Email("alice@example.com".into())
        );
    }

    #[test]
    fn minted_uri_token_verifies_to_the_subject() {
        let issuer = OidcIssuer::new();
        let token = issuer.mint_token("https://example.com/ci", ISS);
        assert_eq!(
            issuer.verify(&token, ISS).unwrap(),
            Identity::Uri("https://example.com/ci".into())
        );
    }

    #[test]
    fn foreign_expired_unverified_and_misaddressed_tokens_are_rejected() {
        let issuer = OidcIssuer::new();
        let other = OidcIssuer::new();
        let foreign = other.mint_token("a@b.c", ISS);
        assert_eq!(
            issuer.verify(&foreign, ISS).unwrap_err().to_string(),
            "oidc token: unauthorized: signature not made by the harness issuer"
        );
        let mut spec = TokenSpec::new("a@b.c", ISS);
        spec.lifetime_secs = -60;
        assert!(issuer
            .verify(&issuer.mint(&spec), ISS)
            .unwrap_err()
            .to_string()
            .contains("token expired at"));
        let mut spec = TokenSpec::new("a@b.c", ISS);
        spec.email_verified = false;
        assert_eq!(
            issuer
                .verify(&issuer.mint(&spec), ISS)
                .unwrap_err()
                .to_string(),
            "oidc token: unauthorized: email_verified is not true"
        );
        assert_eq!(
            issuer
                .verify(&issuer.mint_token("a@b.c", "http://x"), ISS)
                .unwrap_err()
                .to_string(),
            "oidc token: unauthorized: iss is \"http://x\", expected \"http://127.0.0.1:1\""
        );
    }
}
