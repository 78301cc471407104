//! The OIDC identity token Fulcio binds the certificate to: where it comes
//! from (explicit, ambient CI credentials, interactive login, in that order,
//! like sigstore-python) and the sanity checks sigstore-python applies before
//! sending it (required claims, audience = client id, validity period). The
//! signature is not checked here: Fulcio authenticates the token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use super::error::SigningError;

/// Where the identity token comes from, in the reference's order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `--identity_token`.
    Explicit,
    /// CI credentials (`--use_ambient_credentials`): GitHub Actions, GitLab CI,
    /// Buildkite, CircleCI. Falls through to the login when none are found.
    Ambient,
    /// Browser login with a loopback redirect, or out-of-band code entry.
    Interactive,
}

impl TokenSource {
    /// How errors name this source.
    pub fn name(self) -> &'static str {
        match self {
            Self::Explicit => "the signing options",
            Self::Ambient => "ambient credentials",
            Self::Interactive => "the OAuth login",
        }
    }
}

/// The sources to try, in order: an explicit token wins outright; otherwise
/// ambient credentials (when enabled), then the interactive login.
pub fn token_sources(explicit_token: bool, use_ambient_credentials: bool) -> Vec<TokenSource> {
    if explicit_token {
        vec![TokenSource::Explicit]
    } else if use_ambient_credentials {
        vec![TokenSource::Ambient, TokenSource::Interactive]
    } else {
        vec![TokenSource::Interactive]
    }
}

/// Clock skew tolerated on `exp` and `iat`, as sigstore-python (PyJWT leeway).
const LEEWAY_SECONDS: i64 = 5;

/// Checks `token` the way sigstore-python's `IdentityToken` does: a JWT whose
/// payload has `aud`, `sub`, `iat`, `exp` and `iss`, whose audience contains
/// `client_id`, and which is valid at `now` (`nbf <= now < exp`). Returns the
/// issuer.
pub fn check_identity_token(
    token: &str,
    client_id: &str,
    now: i64,
    source: TokenSource,
) -> Result<String, SigningError> {
    let fail = |reason: String| SigningError::IdentityToken {
        source_name: source.name(),
        reason,
    };
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(fail(
            "not a JWT (expected three dot-separated base64url parts)".to_owned(),
        ));
    };
    let payload = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| fail(format!("payload is not base64url: {e}")))?;
    let claims: Value =
        serde_json::from_slice(&payload).map_err(|e| fail(format!("payload is not JSON: {e}")))?;
    let Value::Object(claims) = claims else {
        return Err(fail("payload is not a JSON object".to_owned()));
    };
    for required in ["aud", "sub", "iat", "exp", "iss"] {
        if !claims.contains_key(required) {
            return Err(fail(format!("missing required claim `{required}`")));
        }
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_ok {
        return Err(fail(format!(
            "audience {} does not contain the client id `{client_id}`",
            claims.get("aud").map(Value::to_string).unwrap_or_default()
        )));
    }
    let number = |name: &str| -> Result<Option<i64>, SigningError> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| fail(format!("claim `{name}` is not a number: {v}"))),
        }
    };
    let exp = number("exp")?.unwrap_or_default();
    let iat = number("iat")?.unwrap_or_default();
    let nbf = number("nbf")?;
    if now >= exp + LEEWAY_SECONDS {
        return Err(fail(format!("expired (exp {exp}, now {now})")));
    }
    if iat > now + LEEWAY_SECONDS {
        return Err(fail(format!("issued in the future (iat {iat}, now {now})")));
    }
    // sigstore-python's own validity check, without leeway.
    if nbf.is_some_and(|nbf| now < nbf) || now >= exp {
        return Err(fail(format!(
            "not within its validity period (nbf {}, exp {exp}, now {now})",
            nbf.map(|n| n.to_string()).unwrap_or_else(|| "-".to_owned())
        )));
    }
    match claims.get("iss") {
        Some(Value::String(iss)) => Ok(iss.clone()),
        other => Err(fail(format!(
            "claim `iss` is not a string: {}",
            other.map(Value::to_string).unwrap_or_default()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    const NOW: i64 = 1_700_000_000;

    fn good() -> String {
        jwt(
            r#"{"iss":"https://issuer","sub":"alice","aud":"sigstore","iat":1699999990,"exp":1700000600,"email":"a@x"}"#,
        )
    }

    #[test]
    fn precedence_matches_the_reference() {
        use TokenSource::*;
        assert_eq!(token_sources(true, true), [Explicit]);
        assert_eq!(token_sources(true, false), [Explicit]);
        assert_eq!(token_sources(false, true), [Ambient, Interactive]);
        assert_eq!(token_sources(false, false), [Interactive]);
    }

    #[test]
    fn a_good_token_yields_its_issuer() {
        let iss = check_identity_token(&good(), "sigstore", NOW, TokenSource::Explicit).unwrap();
        assert_eq!(iss, "https://issuer");
        let multi =
            jwt(r#"{"iss":"i","sub":"s","aud":["x","custom"],"iat":1699999990,"exp":1700000600}"#);
        check_identity_token(&multi, "custom", NOW, TokenSource::Ambient).unwrap();
    }

    #[test]
    fn bad_tokens_say_why() {
        let check = |t: &str, client: &str| {
            check_identity_token(t, client, NOW, TokenSource::Explicit)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            check("abc", "sigstore"),
            "identity token from the signing options is unusable: not a JWT (expected three \
             dot-separated base64url parts)"
        );
        assert_eq!(
            check(&good(), "other"),
            "identity token from the signing options is unusable: audience \"sigstore\" does not \
             contain the client id `other`"
        );
        let no_iat = jwt(r#"{"iss":"i","sub":"s","aud":"sigstore","exp":1700000600}"#);
        assert_eq!(
            check(&no_iat, "sigstore"),
            "identity token from the signing options is unusable: missing required claim `iat`"
        );
        let expired = jwt(r#"{"iss":"i","sub":"s","aud":"sigstore","iat":1,"exp":1699999000}"#);
        assert_eq!(
            check(&expired, "sigstore"),
            "identity token from the signing options is unusable: expired (exp 1699999000, now 1700000000)"
        );
        let early = jwt(
            r#"{"iss":"i","sub":"s","aud":"sigstore","iat":1699999990,"nbf":1700000100,"exp":1700000600}"#,
        );
        assert_eq!(
            check(&early, "sigstore"),
            "identity token from the signing options is unusable: not within its validity period \
             (nbf 1700000100, exp 1700000600, now 1700000000)"
        );
    }
}
