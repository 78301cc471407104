//! Shared by the `sigstore_*` tests (included with `#[path]`): a model, the loopback
//! harness with a trust config on disk, our signer and verifier, and the reference CLI.

#![cfg(feature = "sigstore")]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use model_signing::signers::SigstoreSigner;
use model_signing::verifiers::SigstoreVerifier;
use model_signing::{
    no_progress, sign_model, verify_model, Error, HashingConfig, VerifiedModel, VerifyOptions,
};
use oms_sigstore::sign::SignOptions;
use oms_sigstore::{IdentityPolicy, SigstoreError, TrustMaterial, TrustSource};
use sigstore_harness::Harness;

pub const EMAIL: &str = "alice@example.com";
pub const URI: &str = "https://ci.example.com/workflows/release";

/// A harness, a model and the trust config selecting Rekor v1 or v2, in a temp dir.
pub struct Setup {
    pub harness: Harness,
    pub dir: tempfile::TempDir,
    pub model: PathBuf,
    pub trust: PathBuf,
    pub rekor_major: u32,
}

impl Setup {
    pub fn new(rekor_major: u32) -> Self {
        let harness = Harness::start();
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model");
        std::fs::create_dir_all(model.join("sub")).unwrap();
        std::fs::write(model.join("config.json"), b"{\"layers\": 2}\n").unwrap();
        std::fs::write(model.join("weights.bin"), [7u8; 3000]).unwrap();
        std::fs::write(model.join("sub/tokenizer.txt"), b"a b c").unwrap();
        let trust = dir.path().join(format!("trust-v{rekor_major}.json"));
        std::fs::write(&trust, harness.trust_config_json(rekor_major)).unwrap();
        Self {
            harness,
            dir,
            model,
            trust,
            rekor_major,
        }
    }

    pub fn options(&self, token: Option<String>) -> SignOptions {
        let mut opts = SignOptions::new(TrustSource::ClientTrustConfigFile(self.trust.clone()));
        opts.identity_token = token;
        opts
    }

    /// Our `sign sigstore` with an explicit token for `identity`.
    pub fn sign(&self, identity: &str) -> Result<Vec<u8>, Error> {
        let token = self.harness.mint_token(identity);
        self.sign_with(self.options(Some(token)))
    }

    pub fn sign_with(&self, opts: SignOptions) -> Result<Vec<u8>, Error> {
        let signer = SigstoreSigner::new(opts);
        sign_model(
            &self.model,
            &HashingConfig::default(),
            &signer,
            &no_progress,
        )
    }

    /// Our `verify sigstore` with the same trust config.
    pub fn verify(
        &self,
        bundle: &[u8],
        identity: &str,
        issuer: &str,
    ) -> Result<VerifiedModel, Error> {
        let trust =
            TrustMaterial::load(&TrustSource::ClientTrustConfigFile(self.trust.clone())).unwrap();
        let verifier = SigstoreVerifier::new(trust, IdentityPolicy::exact(identity, issuer));
        verify_model(
            &self.model,
            bundle,
            &verifier,
            &VerifyOptions::default(),
            &no_progress,
        )
    }

    pub fn sig_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The reference's `sign sigstore` through the harness.
    pub fn py_sign(&self, identity: &str, sig: &Path) -> Output {
        let token = self.harness.mint_token(identity);
        model_signing(&[
            "sign",
            "sigstore",
            "--trust_config",
            path(&self.trust),
            "--identity_token",
            &token,
            "--signature",
            path(sig),
            path(&self.model),
        ])
    }

    /// The reference's `verify sigstore` with the harness trust config.
    pub fn py_verify(&self, identity: &str, issuer: &str, sig: &Path) -> Output {
        model_signing(&[
            "verify",
            "sigstore",
            "--trust_config",
            path(&self.trust),
            "--identity",
            identity,
            "--identity_provider",
            issuer,
            "--signature",
            path(sig),
            path(&self.model),
        ])
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The reference virtualenv: `$MODEL_SIGNING_REF_VENV`, else `.venv-ref` in or beside the
/// repository. Missing it fails the test (it is part of the interop contract).
pub fn reference_cli() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = match std::env::var_os("MODEL_SIGNING_REF_VENV") {
        Some(v) if !v.is_empty() => vec![PathBuf::from(v)],
        _ => vec![repo.join(".venv-ref"), repo.join("../.venv-ref")],
    };
    candidates
        .iter()
        .map(|venv| venv.join("bin/model_signing"))
        .find(|cli| cli.is_file())
        .unwrap_or_else(|| panic!("reference model_signing not found in {candidates:?}"))
}

fn model_signing(args: &[&str]) -> Output {
    Command::new(reference_cli())
        .args(args)
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap()
}

/// Status, stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "status: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The last non-empty line the reference printed (stdout then stderr).
pub fn last_line(output: &Output) -> String {
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    all.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// The Sigstore error inside a verification failure.
pub fn sigstore_error(result: Result<VerifiedModel, Error>) -> SigstoreError {
    match result {
        Err(Error::Verify(model_signing::VerifyError::Sigstore(e))) => e,
        other => panic!("expected a Sigstore verification error, got {other:?}"),
    }
}

pub fn json(bundle: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bundle).unwrap()
}

/// A blocking `GET http://host:port/path…`; returns (status, Location header, body).
pub fn http_get(url: &str) -> (u16, Option<String>, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host.replace("localhost", "127.0.0.1")).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.trim().to_owned());
    (status, location, body.to_owned())
}

/// A person at a terminal with a browser: the browser follows the provider's redirect
/// back to our loopback server. Records what the login showed.
#[derive(Default)]
pub struct BrowserUser {
    pub messages: std::sync::Mutex<Vec<String>>,
    pub opened: std::sync::Mutex<Vec<String>>,
}

impl oms_sigstore::sign::LoginPrompt for BrowserUser {
    fn open_browser(&self, url: &str) -> bool {
        self.opened.lock().unwrap().push(url.to_owned());
        let url = url.to_owned();
        std::thread::spawn(move || {
            let (status, location, _) = http_get(&url);
            assert_eq!(status, 302, "{url}");
            http_get(&location.unwrap());
        });
        true
    }

    fn notify(&self, message: &str) {
        self.messages.lock().unwrap().push(message.to_owned());
    }

    fn read_code(&self) -> std::io::Result<String> {
        panic!("the browser flow must not ask for a code")
    }
}

/// A person without a browser: opens the printed link elsewhere (the harness shows
/// `code=…`) and pastes the code.
#[derive(Default)]
pub struct OutOfBandUser {
    pub messages: std::sync::Mutex<Vec<String>>,
}

impl oms_sigstore::sign::LoginPrompt for OutOfBandUser {
    fn open_browser(&self, _: &str) -> bool {
        false
    }

    fn notify(&self, message: &str) {
        self.messages.lock().unwrap().push(message.to_owned());
    }

    fn read_code(&self) -> std::io::Result<String> {
        let message = self.messages.lock().unwrap().last().cloned().unwrap();
        let url = message
            .strip_prefix("Go to the following link in a browser:\n\n\t")
            .unwrap();
        let (status, _, body) = http_get(url);
        assert_eq!(status, 200, "{body}");
        Ok(body.trim().strip_prefix("code=").unwrap().to_owned())
    }
}
