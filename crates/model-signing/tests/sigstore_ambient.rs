//! Token precedence end to end: an explicit token beats ambient credentials, ambient
//! GitHub Actions credentials (a fake token service on loopback handing out a harness
//! token) are used when enabled, and without them the interactive login is next. One
//! test in its own binary, because it sets process environment variables.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]
#![cfg(feature = "sigstore")]

#[path = "it/sigstore_common.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::*;
use model_signing::signers::SigstoreSigner;
use model_signing::{no_progress, sign_model, HashingConfig};
use oms_sigstore::sign::LoginPrompt;

/// GitHub's ID-token endpoint: answers `GET …&audience=A` with `{"value": token}` and
/// records each request line and Authorization header.
fn fake_github_token_service(token: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/token?api-version=2.0",
        listener.local_addr().unwrap()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                lines.push(line.trim().to_owned());
            }
            let auth = lines
                .iter()
                .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .cloned()
                .unwrap_or_default();
            log.lock().unwrap().push(format!("{} | {auth}", lines[0]));
            let body = format!(r#"{{"value":"{token}"}}"#);
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (url, seen)
}

#[test]
fn explicit_then_ambient_then_interactive() {
    for var in ["GITLAB_CI", "BUILDKITE", "CIRCLECI"] {
        std::env::remove_var(var);
    }
    let setup = Setup::new(1);
    let issuer = setup.harness.issuer_url().to_owned();
    let ci_identity = "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main";
    let (url, seen) = fake_github_token_service(setup.harness.mint_token(ci_identity));
    std::env::set_var("GITHUB_ACTIONS", "true");
    std::env::set_var("ACTIONS_ID_TOKEN_REQUEST_URL", &url);
    std::env::set_var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token");

    // 1. An explicit token wins: the CI token service is not asked.
    let mut opts = setup.options(Some(setup.harness.mint_token(EMAIL)));
    opts.use_ambient_credentials = true;
    let bundle = setup.sign_with(opts).unwrap();
    setup.verify(&bundle, EMAIL, &issuer).unwrap();
    assert!(seen.lock().unwrap().is_empty());

    // 2. Ambient credentials, requested for the client id as audience.
    let mut opts = setup.options(None);
    opts.use_ambient_credentials = true;
    let bundle = setup.sign_with(opts).unwrap();
    let verified = setup.verify(&bundle, ci_identity, &issuer).unwrap();
    assert_eq!(verified.signer, format!("{ci_identity} (issuer {issuer})"));
    assert_eq!(
        *seen.lock().unwrap(),
        ["GET /token?api-version=2.0&audience=sigstore HTTP/1.1 | authorization: Bearer request-token"]
    );

    // 3. Ambient credentials not enabled: the interactive login with the signing
    //    config's OIDC provider, whatever the environment holds.
    setup.harness.set_login_identity("carol@example.com");
    let bundle = sign_with_prompt(&setup, setup.options(None), OutOfBandUser::default());
    setup.verify(&bundle, "carol@example.com", &issuer).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);

    // 4. Enabled but nothing in the environment: the login again.
    std::env::remove_var("GITHUB_ACTIONS");
    let mut opts = setup.options(None);
    opts.use_ambient_credentials = true;
    let bundle = sign_with_prompt(&setup, opts, BrowserUser::default());
    setup.verify(&bundle, "carol@example.com", &issuer).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(setup.harness.token_requests().len(), 2);
}

fn sign_with_prompt(
    setup: &Setup,
    opts: oms_sigstore::SignOptions,
    prompt: impl LoginPrompt + Send + 'static,
) -> Vec<u8> {
    let signer = SigstoreSigner::new(opts).with_login_prompt(Box::new(prompt));
    sign_model(
        &setup.model,
        &HashingConfig::default(),
        &signer,
        &no_progress,
    )
    .unwrap()
}
