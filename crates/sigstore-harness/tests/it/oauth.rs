//! The OAuth authorization-code flow against the harness issuer, driven by
//! the real clients in out-of-band mode: the test plays the browser.

use crate::common;

use common::*;
use sigstore_harness::{Harness, TokenRequest};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// GET `url` and return the body (the harness answers OOB requests with `code=…`).
fn get_body(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_once("\r\n\r\n").unwrap().1.to_string()
}

fn code_from(url: &str) -> String {
    get_body(url)
        .trim()
        .strip_prefix("code=")
        .unwrap()
        .to_string()
}

#[test]
fn reference_signs_after_an_oob_login_with_a_client_secret() {
    let harness = Harness::start();
    harness.set_login_identity(EMAIL);
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let trust = trust_file(&harness, dir.path(), 1);
    let sig = dir.path().join("model.sig");
    let mut child = Command::new(reference_venv().join("bin/model_signing"))
        .args([
            "sign",
            "sigstore",
            "--trust_config",
            trust.to_str().unwrap(),
            "--oauth_force_oob",
        ])
        .args([
            "--client_id",
            "sigstore",
            "--client_secret",
            "s3cret",
            "--signature",
            sig.to_str().unwrap(),
        ])
        .arg(&model)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut line = String::new();
    while url.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        url = line
            .trim()
            .strip_prefix(&format!("{}/auth?", harness.issuer_url()))
            .map(|_| line.trim().to_string());
        line.clear();
    }
    let code = code_from(&url.expect("the reference printed no authorization URL"));
    writeln!(child.stdin.take().unwrap(), "{code}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_ok(&output, "Enter verification code: Signing succeeded");
    assert_eq!(
        harness.token_requests(),
        vec![TokenRequest {
            client_id: "sigstore".into(),
            client_secret: "s3cret".into()
        }]
    );
    assert_ok(
        &py_verify(&trust, EMAIL, harness.issuer_url(), &model, &sig),
        "Verification succeeded",
    );
}

struct Browser;

impl sigstore_sign::oidc::templates::HtmlTemplates for Browser {
    fn success_html(&self) -> &str {
        "ok"
    }
    fn error_html(&self, error: &str) -> String {
        error.to_string()
    }
}

impl sigstore_sign::oidc::AuthCallback for Browser {
    fn auth_url_ready(&self, url: &str, _mode: sigstore_sign::oidc::AuthMode) {
        *URL.lock().unwrap() = Some(url.to_string());
    }
    fn prompt_for_code(&self) -> std::io::Result<sigstore_sign::oidc::SecretString> {
        let url = URL.lock().unwrap().clone().unwrap();
        Ok(sigstore_sign::oidc::SecretString::new(code_from(&url)))
    }
}

static URL: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

#[test]
fn sigstore_oidc_gets_an_identity_token_through_oob() {
    use sigstore_sign::oidc::{OAuthClient, OAuthConfig};
    let harness = Harness::start();
    harness.set_login_identity(URI);
    let client = OAuthClient::new(OAuthConfig::dex(harness.issuer_url())).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = runtime.block_on(client.authenticate(Browser)).unwrap();
    assert_eq!(
        (token.issuer(), token.subject(), token.email()),
        (harness.issuer_url(), URI, None)
    );
    assert_eq!(
        harness.token_requests(),
        vec![TokenRequest {
            client_id: "sigstore".into(),
            client_secret: String::new()
        }]
    );
}
