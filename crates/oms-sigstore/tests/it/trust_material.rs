//! Loading trust material: embedded roots, trusted_root.json, ClientTrustConfig,
//! and the errors that name the file and field.

use crate::common;

use common::*;
use oms_sigstore::{SigstoreError, TrustMaterial, TrustSource};
use serde_json::Value;

#[test]
fn embedded_roots_load_with_signing_configs() {
    for (source, origin) in [
        (TrustSource::PublicGood, "embedded public-good trusted root"),
        (TrustSource::Staging, "embedded staging trusted root"),
    ] {
        let trust = TrustMaterial::load(&source).unwrap();
        assert_eq!(trust.origin(), origin);
        assert!(!trust.trusted_root().certificate_authorities.is_empty());
        assert!(trust.signing_config().is_some());
    }
}

#[test]
fn fixture_roots_load() {
    for name in ["public-good-trusted_root.json", "staging-trusted_root.json"] {
        let path = fixtures().join("trust").join(name);
        let trust = TrustMaterial::load(&TrustSource::TrustedRootFile(path.clone())).unwrap();
        assert_eq!(trust.origin(), path.display().to_string());
        assert!(trust.signing_config().is_none());
    }
}

#[test]
fn client_trust_config_with_snake_case_signing_config() {
    let path = fixtures().join("trust/custom_trust_config.json");
    let trust = TrustMaterial::load(&TrustSource::ClientTrustConfigFile(path)).unwrap();
    let config = trust.signing_config().unwrap();
    assert_eq!(config.oidc_urls[0].url, "https://oauth2.sigstore.dev/auth");
    assert_eq!(config.ca_urls.len(), 2);
    assert_eq!(trust.trusted_root().timestamp_authorities.len(), 1);
}

#[test]
fn snake_case_everywhere_is_accepted() {
    let text = std::fs::read_to_string(fixtures().join("trust/custom_trust_config.json")).unwrap();
    let snake = text
        .replace("\"trustedRoot\"", "\"trusted_root\"")
        .replace("\"validFor\"", "\"valid_for\"")
        .replace("\"rawBytes\"", "\"raw_bytes\"");
    TrustMaterial::from_client_trust_config_json(snake.as_bytes(), "snake.json").unwrap();
}

#[test]
fn missing_file_names_the_path() {
    let path = fixtures().join("trust/nope.json");
    let err = TrustMaterial::load(&TrustSource::TrustedRootFile(path.clone())).unwrap_err();
    assert!(matches!(err, SigstoreError::TrustRead { path: ref p, .. } if *p == path));
}

fn custom_config() -> Value {
    json(&std::fs::read(fixtures().join("trust/custom_trust_config.json")).unwrap())
}

fn config_error(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = custom_config();
    edit(&mut v);
    TrustMaterial::from_client_trust_config_json(&bytes(&v), "cfg.json")
        .unwrap_err()
        .to_string()
}

#[test]
fn config_errors_name_the_field() {
    assert_eq!(
        config_error(|v| {
            v.as_object_mut().unwrap().remove("trustedRoot");
        }),
        "invalid trust material cfg.json: field `trustedRoot`: missing"
    );
    assert_eq!(
        config_error(|v| v["mediaType"] = "x".into()),
        "invalid trust material cfg.json: field `mediaType`: expected \
         `application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`, found `x`"
    );
    assert_eq!(
        config_error(|v| v["trustedRoot"]["tlogs"][0]["publicKey"]["rawBytes"] = 7.into()),
        "invalid trust material cfg.json: field `trustedRoot.tlogs[0].publicKey.rawBytes`: \
         invalid type: integer `7`, expected a string"
    );
    assert_eq!(
        config_error(|v| v["signing_config"]["mediaType"] = "y".into()),
        "invalid trust material cfg.json: field `signingConfig.mediaType`: expected \
         `application/vnd.dev.sigstore.signingconfig.v0.2+json`, found `y`"
    );
    assert_eq!(
        config_error(|v| v["trustedRoot"]["mediaType"] = "z".into()),
        "invalid trust material cfg.json: field `trustedRoot.mediaType`: expected \
         `application/vnd.dev.sigstore.trustedroot+json;version=0.1`, found `z`"
    );
}

#[test]
fn unusable_key_names_the_origin() {
    let err = TrustMaterial::from_trusted_root_json(
        &bytes(&{
            let mut v = custom_config();
            v["trustedRoot"]["tlogs"][0]["publicKey"]["rawBytes"] = "AAAA".into();
            v["trustedRoot"].take()
        }),
        "root.json",
    )
    .unwrap_err();
    assert!(
        matches!(err, SigstoreError::TrustRootUnusable { ref origin, .. } if origin == "root.json"),
        "{err:?}"
    );
}

#[test]
fn not_json_is_a_format_error() {
    let err = TrustMaterial::from_trusted_root_json(b"[", "r.json").unwrap_err();
    assert!(matches!(err, SigstoreError::TrustFormat { ref field, .. } if field == "."));
}
