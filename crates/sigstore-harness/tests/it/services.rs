//! The services over plain HTTP: routes, error statuses and messages.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sigstore_harness::{Harness, TokenSpec};
use std::io::{Read, Write};
use std::net::TcpStream;

/// A one-shot HTTP/1.1 exchange; returns status and body.
fn http(method: &str, url: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response[split + 4..].to_vec())
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

fn signing_cert_request(token: &str) -> Vec<u8> {
    json!({
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "", "content": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n"},
            "proofOfPossession": STANDARD.encode([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]),
        },
    })
    .to_string()
    .into_bytes()
}

#[test]
fn oidc_discovery_and_jwks_describe_the_issuer() {
    let harness = Harness::start();
    let (status, body) = http(
        "GET",
        &format!("{}/.well-known/openid-configuration", harness.issuer_url()),
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    let discovery = json_of(&body);
    assert_eq!(discovery["issuer"], harness.issuer_url());
    assert_eq!(
        discovery["authorization_endpoint"],
        format!("{}/auth", harness.issuer_url())
    );
    assert_eq!(
        discovery["token_endpoint"],
        format!("{}/token", harness.issuer_url())
    );
    assert_eq!(
        discovery["jwks_uri"],
        format!("{}/keys", harness.issuer_url())
    );
    let (status, body) = http(
        "GET",
        &format!("{}/keys", harness.issuer_url()),
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    let key = &json_of(&body)["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("EC"), Some("P-256"), Some("ES256"))
    );
    let (status, body) = http(
        "GET",
        &format!("{}/nothing", harness.issuer_url()),
        "text/plain",
        b"",
    );
    assert_eq!(
        (status, json_of(&body)["message"].as_str().unwrap()),
        (404, "no route for GET /nothing")
    );
}

#[test]
fn fulcio_rejects_bad_tokens_and_proofs() {
    let harness = Harness::start();
    let url = format!("{}/api/v2/signingCert", harness.urls().fulcio);
    let mut expired = TokenSpec::new("alice@example.com", harness.issuer_url());
    expired.lifetime_secs = -1;
    let (status, body) = http(
        "POST",
        &url,
        "application/json",
        &signing_cert_request(&harness.mint_token_with(&expired)),
    );
    assert_eq!(status, 401);
    assert!(json_of(&body)["message"]
        .as_str()
        .unwrap()
        .starts_with("oidc token: unauthorized: token expired at "));

    let mut wrong_audience = TokenSpec::new("alice@example.com", harness.issuer_url());
    wrong_audience.audience = "other".into();
    let (status, body) = http(
        "POST",
        &url,
        "application/json",
        &signing_cert_request(&harness.mint_token_with(&wrong_audience)),
    );
    assert_eq!(
        (status, json_of(&body)["message"].as_str().unwrap()),
        (
            401,
            "oidc token: unauthorized: aud is \"other\", expected \"sigstore\""
        )
    );

    let (status, body) = http(
        "POST",
        &url,
        "application/json",
        &signing_cert_request(&harness.mint_token("alice@example.com")),
    );
    assert_eq!(
        (status, json_of(&body)["message"].as_str().unwrap()),
        (401, "fulcio /api/v2/signingCert: unauthorized: proofOfPossession does not sign \"alice@example.com\"")
    );

    let (status, body) = http("POST", &url, "application/json", b"{}");
    assert_eq!(
        (status, json_of(&body)["message"].as_str().unwrap()),
        (401, "fulcio /api/v2/signingCert: unauthorized: no credentials.oidcIdentityToken and no bearer token")
    );
}

#[test]
fn fulcio_trust_bundle_is_the_intermediate_then_the_root() {
    let harness = Harness::start();
    let (status, body) = http(
        "GET",
        &format!("{}/api/v2/trustBundle", harness.urls().fulcio),
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    let chain = json_of(&body)["chains"][0]["certificates"].clone();
    assert_eq!(chain.as_array().unwrap().len(), 2);
    let root_pem = chain[1].as_str().unwrap();
    assert_eq!(
        sigstore_harness::pki::pem_decode("CERTIFICATE", root_pem).unwrap(),
        harness.fulcio_root_der()
    );
}

#[test]
fn rekor_rejects_unsupported_and_unsigned_entries() {
    let harness = Harness::start();
    let v1 = format!("{}/api/v1/log/entries", harness.urls().rekor_v1);
    let (status, body) = http(
        "POST",
        &v1,
        "application/json",
        br#"{"kind":"intoto","apiVersion":"0.0.2","spec":{}}"#,
    );
    assert_eq!(
        (status, json_of(&body)["message"].as_str().unwrap()),
        (400, "rekor /api/v1/log/entries: unsupported entry \"intoto\" \"0.0.2\", expected dsse or hashedrekord 0.0.1")
    );
    let v2 = format!("{}/api/v2/log/entries", harness.urls().rekor_v2);
    let (status, body) = http("POST", &v2, "application/json", b"{}");
    assert_eq!(
        (status, json_of(&body)["message"].as_str().unwrap()),
        (
            400,
            "rekor /api/v2/log/entries: expected hashedRekordRequestV002 or dsseRequestV002"
        )
    );
    assert_eq!((harness.log_size(1), harness.log_size(2)), (5, 5));
}

#[test]
fn tsa_rejects_garbage_and_serves_its_chain() {
    let harness = Harness::start();
    let (status, body) = http(
        "POST",
        &harness.urls().tsa,
        "application/timestamp-query",
        b"not DER",
    );
    assert_eq!(status, 400);
    assert!(json_of(&body)["message"]
        .as_str()
        .unwrap()
        .starts_with("tsa /api/v1/timestamp: body is not a DER TimeStampReq"));
    let (status, body) = http(
        "GET",
        &format!("{}/certchain", harness.urls().tsa),
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(body)
            .unwrap()
            .matches("-----BEGIN CERTIFICATE-----")
            .count(),
        2
    );
}

#[test]
fn trust_config_selects_the_requested_rekor() {
    let harness = Harness::start();
    for (major, url) in [(1, &harness.urls().rekor_v1), (2, &harness.urls().rekor_v2)] {
        let config: Value = serde_json::from_str(&harness.trust_config_json(major)).unwrap();
        assert_eq!(
            config["mediaType"],
            "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
        );
        let rekor = &config["signingConfig"]["rekorTlogUrls"];
        assert_eq!(rekor.as_array().unwrap().len(), 1);
        assert_eq!(
            (&rekor[0]["url"], &rekor[0]["majorApiVersion"]),
            (&json!(url), &json!(major))
        );
        assert_eq!(config["trustedRoot"]["tlogs"].as_array().unwrap().len(), 2);
        assert_eq!(
            config["signingConfig"]["tsaUrls"][0]["url"],
            json!(harness.urls().tsa)
        );
        assert_eq!(
            config["signingConfig"]["oidcUrls"][0]["url"],
            json!(harness.issuer_url())
        );
    }
}
