//! Helpers of the registry tests: a fresh key pair, a single-thread runtime.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "test helpers; not every test binary uses each"
)]

use model_signing::signers::KeySigner;
use model_signing::verifiers::KeyVerifier;
use oms_keys::{Curve, SigningKey};

pub fn keys() -> (KeySigner, KeyVerifier) {
    let key = SigningKey::generate(Curve::P256);
    let verifier = KeyVerifier::new(key.verifying_key());
    (KeySigner::new(key), verifier)
}

/// The process's rustls provider, as a binary's `main` installs it (the library never does).
pub fn install_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
