//! Shared helpers: the reference CLI, a tiny model, and both Rust sides
//! (sigstore-sign through the harness, sigstore-verify against its root).

#![allow(dead_code)]

use sigstore_harness::Harness;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const EMAIL: &str = "alice@example.com";
pub const URI: &str = "https://ci.example.com/workflows/release";

/// The reference virtualenv: `$MODEL_SIGNING_REF_VENV`, else `.venv-ref` in
/// the repository, else `.venv-ref` beside it. Fails (not skips) without it.
pub fn reference_venv() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = match std::env::var_os("MODEL_SIGNING_REF_VENV") {
        Some(v) if !v.is_empty() => vec![PathBuf::from(v)],
        _ => vec![repo.join(".venv-ref"), repo.join("../.venv-ref")],
    };
    candidates
        .iter()
        .find(|venv| venv.join("bin/model_signing").is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "the reference model_signing is not installed in any of {candidates:?}: \
                 run scripts/setup-reference.sh or set MODEL_SIGNING_REF_VENV"
            )
        })
}

/// A two-file model in `dir/model`.
pub fn write_model(dir: &Path) -> PathBuf {
    let model = dir.join("model");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("config.json"), b"{\"layers\": 2}\n").unwrap();
    std::fs::write(model.join("weights.bin"), [7u8; 1000]).unwrap();
    model
}

fn model_signing(args: &[&str]) -> Output {
    Command::new(reference_venv().join("bin/model_signing"))
        .args(args)
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap()
}

/// Write the trust config for `rekor_major` into `dir`.
pub fn trust_file(harness: &Harness, dir: &Path, rekor_major: u32) -> PathBuf {
    let path = dir.join(format!("trust-v{rekor_major}.json"));
    std::fs::write(&path, harness.trust_config_json(rekor_major)).unwrap();
    path
}

/// `model_signing sign sigstore` through the harness.
pub fn py_sign(trust: &Path, token: &str, model: &Path, sig: &Path) -> Output {
    model_signing(&[
        "sign",
        "sigstore",
        "--trust_config",
        trust.to_str().unwrap(),
        "--identity_token",
        token,
        "--signature",
        sig.to_str().unwrap(),
        model.to_str().unwrap(),
    ])
}

/// `model_signing verify sigstore` against the harness trust config.
pub fn py_verify(trust: &Path, identity: &str, issuer: &str, model: &Path, sig: &Path) -> Output {
    model_signing(&[
        "verify",
        "sigstore",
        "--trust_config",
        trust.to_str().unwrap(),
        "--identity",
        identity,
        "--identity_provider",
        issuer,
        "--signature",
        sig.to_str().unwrap(),
        model.to_str().unwrap(),
    ])
}

pub fn text(output: &Output) -> String {
    format!(
        "status: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn assert_ok(output: &Output, expected_stdout: &str) {
    assert!(output.status.success(), "{}", text(output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        expected_stdout,
        "{}",
        text(output)
    );
}

/// The DSSE payload (in-toto statement) of a bundle.
pub fn payload(bundle_json: &str) -> Vec<u8> {
    use base64::Engine;
    let bundle: serde_json::Value = serde_json::from_str(bundle_json).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap()
}

/// Verify a DSSE bundle with sigstore-verify against the harness trusted root.
pub fn rust_verify(harness: &Harness, bundle_json: &str, identity: &str) -> Result<(), String> {
    use sigstore_types::{Bundle, Sha256Hash};
    use sigstore_verify::{VerificationPolicy, Verifier};
    let root = sigstore_trust_root::TrustedRoot::from_json(&harness.trusted_root_json()).unwrap();
    let bundle = Bundle::from_json(bundle_json).map_err(|e| e.to_string())?;
    let statement: serde_json::Value = serde_json::from_slice(&payload(bundle_json)).unwrap();
    let subject = Sha256Hash::from_hex(
        statement["subject"][0]["digest"]["sha256"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let result = Verifier::new(&root)
        .unwrap()
        .verify(
            subject,
            &bundle,
            &VerificationPolicy::new(identity, harness.issuer_url()),
        )
        .map_err(|e| e.to_string())?;
    assert!(result.certificate_verified() && result.sct_verified() && result.tlog_verified());
    Ok(())
}

/// Sign `statement` with sigstore-sign through the harness; the bundle JSON.
pub fn rust_sign(
    harness: &Harness,
    rekor_major: u32,
    identity: &str,
    statement: &[u8],
) -> Result<String, String> {
    use sigstore_sign::oidc::IdentityToken;
    use sigstore_sign::{SigningContext, SigningServices};
    let config =
        sigstore_trust_root::SigningConfig::from_json(&harness.signing_config_json(rekor_major))
            .unwrap();
    let services = SigningServices::from_signing_config(&config).unwrap();
    let token = IdentityToken::from_jwt(&harness.mint_token(identity)).unwrap();
    let signer = SigningContext::new(services).signer(token);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bundle = runtime
        .block_on(signer.sign_raw_statement(statement))
        .map_err(|e| e.to_string())?;
    Ok(bundle.to_json().unwrap())
}
