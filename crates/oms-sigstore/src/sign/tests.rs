//! `sign_statement` up to the first network answer, offline: trust sources
//! without a signing config, token checks before any request, a failing
//! Fulcio named by URL, no OIDC provider, and calls from inside a runtime.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use super::test_http::{self, fresh_token, Request, Response};
use super::*;

const STATEMENT: &[u8] = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{}}"#;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
}

fn endpoint(url: &str) -> Value {
    json!({"url": url, "majorApiVersion": 1, "validFor": {"start": "2020-01-01T00:00:00Z"}, "operator": "test"})
}

/// A ClientTrustConfig with the public-good trusted root and the given services.
fn trust_config(
    dir: &tempfile::TempDir,
    fulcio: &str,
    rekor: &str,
    oidc: Option<&str>,
) -> TrustSource {
    let path = fixtures().join("trust/custom_trust_config.json");
    let mut config: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let object = config.as_object_mut().unwrap();
    object.remove("signing_config");
    object.insert(
        "signingConfig".into(),
        json!({
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [endpoint(fulcio)],
            "rekorTlogUrls": [endpoint(rekor)],
            "oidcUrls": oidc.map(|o| vec![endpoint(o)]).unwrap_or_default(),
        }),
    );
    let file = dir.path().join("trust_config.json");
    std::fs::write(&file, config.to_string()).unwrap();
    TrustSource::ClientTrustConfigFile(file)
}

fn failing_fulcio() -> String {
    test_http::serve(Arc::new(|req: &Request| {
        assert_eq!(req.target, "/api/v2/signingCert");
        Response::json("500 Internal Server Error", "boom")
    }))
}

#[test]
fn a_bare_trusted_root_cannot_sign() {
    let path = fixtures().join("trust/public-good-trusted_root.json");
    let mut opts = SignOptions::new(TrustSource::TrustedRootFile(path.clone()));
    opts.identity_token = Some(fresh_token("sigstore", "a@x"));
    let err = sign_statement(STATEMENT, &opts).unwrap_err();
    assert!(matches!(
        err,
        SigstoreError::Signing(SigningError::NoSigningConfig { .. })
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{} has no signing config: keyless signing needs a ClientTrustConfig \
             (--trust_config) or the embedded public-good / staging instance",
            path.display()
        )
    );
}

#[test]
fn the_explicit_token_is_checked_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) is never contacted: the token fails first.
    let mut opts = SignOptions::new(trust_config(
        &dir,
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        None,
    ));
    opts.identity_token = Some(fresh_token("other-audience", "a@x"));
    let err = sign_statement(STATEMENT, &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "identity token from the signing options is unusable: audience \"other-audience\" does not \
         contain the client id `sigstore`"
    );
    opts.client_id = Some("other-audience".into());
    opts.identity_token = Some("not-a-jwt".into());
    assert!(matches!(
        sign_statement(STATEMENT, &opts).unwrap_err(),
        SigstoreError::Signing(SigningError::IdentityToken {
            source_name: "the signing options",
            ..
        })
    ));
}

#[test]
fn fulcio_failure_names_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let fulcio = failing_fulcio();
    let mut opts = SignOptions::new(trust_config(&dir, &fulcio, "http://127.0.0.1:9", None));
    opts.identity_token = Some(fresh_token("sigstore", "a@x"));
    let err = sign_statement(STATEMENT, &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Fulcio {fulcio} did not issue a signing certificate: Fulcio returned HTTP 500: \
             failed to create signing certificate: boom"
        )
    );
}

#[test]
fn an_invalid_statement_is_rejected_before_fulcio() {
    let dir = tempfile::tempdir().unwrap();
    let fulcio = failing_fulcio();
    let mut opts = SignOptions::new(trust_config(&dir, &fulcio, "http://127.0.0.1:9", None));
    opts.identity_token = Some(fresh_token("sigstore", "a@x"));
    let err = sign_statement(br#"{"_type":"x"}"#, &opts).unwrap_err();
    assert!(matches!(
        err,
        SigstoreError::Signing(SigningError::InvalidStatement { .. })
    ));
}

#[test]
fn signing_works_from_inside_an_async_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let fulcio = failing_fulcio();
    let mut opts = SignOptions::new(trust_config(&dir, &fulcio, "http://127.0.0.1:9", None));
    opts.identity_token = Some(fresh_token("sigstore", "a@x"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt
        .block_on(async { sign_statement(STATEMENT, &opts) })
        .unwrap_err();
    assert!(matches!(
        err,
        SigstoreError::Signing(SigningError::Fulcio { .. })
    ));
}

#[test]
fn without_token_or_oidc_provider_there_is_no_login() {
    let dir = tempfile::tempdir().unwrap();
    let source = trust_config(&dir, "http://127.0.0.1:9", "http://127.0.0.1:9", None);
    let opts = SignOptions::new(source);
    let err = sign_statement(STATEMENT, &opts).unwrap_err();
    assert!(matches!(
        err,
        SigstoreError::Signing(SigningError::NoOidcIssuer { .. })
    ));
}

#[test]
fn debug_output_hides_secrets() {
    let mut opts = SignOptions::new(TrustSource::PublicGood);
    opts.identity_token = Some("secret-token".into());
    opts.client_secret = Some("secret-secret".into());
    let text = format!("{opts:?}");
    assert!(
        !text.contains("secret-token") && !text.contains("secret-secret"),
        "{text}"
    );
    assert!(text.contains("<redacted>"));
}

#[test]
fn the_fixture_trust_config_selects_public_good_services() {
    let path = fixtures().join("trust/custom_trust_config.json");
    let trust = TrustMaterial::load(&TrustSource::ClientTrustConfigFile(path)).unwrap();
    let services =
        select_services(trust.signing_config().unwrap(), jiff::Timestamp::now(), "t").unwrap();
    assert_eq!(
        services,
        SelectedServices {
            fulcio_url: "https://fulcio.sigstore.dev".into(),
            rekor: RekorService {
                url: "https://rekor.sigstore.dev".into(),
                major_api_version: 1
            },
            tsa_urls: vec!["https://timestamp.sigstore.dev/api/v1/timestamp".into()],
            oidc_url: Some("https://oauth2.sigstore.dev/auth".into()),
        }
    );
}
