//! Fixture paths and JSON tampering helpers shared by the integration tests.
#![allow(dead_code)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use oms_sigstore::{IdentityPolicy, TrustMaterial, TrustSource};
use serde_json::Value;
use std::path::PathBuf;

pub const IDENTITY: &str = "stefanb@us.ibm.com";
pub const ISSUER: &str = "https://sigstore.verify.ibm.com/oauth2";

/// The conformance fixtures in the repository (`tests/fixtures/`, see its README).
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn sigstore_bundle(version: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(format!("model-transparency/{version}-sigstore/model.sig")))
        .unwrap()
}

pub fn oms_spec_bundle() -> Vec<u8> {
    std::fs::read(fixtures().join("oms-spec/valid/sigstore.bundle.json")).unwrap()
}

pub fn public_good() -> TrustMaterial {
    TrustMaterial::load(&TrustSource::PublicGood).unwrap()
}

pub fn policy() -> IdentityPolicy {
    IdentityPolicy::exact(IDENTITY, ISSUER)
}

pub fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

pub fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

pub fn entry(bundle: &mut Value) -> &mut Value {
    &mut bundle["verificationMaterial"]["tlogEntries"][0]
}

/// XORs one byte of a base64 string in place; `at` may be negative (from the end).
pub fn flip_b64(field: &mut Value, at: isize) {
    let mut raw = STANDARD.decode(field.as_str().unwrap()).unwrap();
    let i = if at < 0 {
        raw.len() - at.unsigned_abs()
    } else {
        at as usize
    };
    raw[i] ^= 0x01;
    *field = Value::String(STANDARD.encode(raw));
}

/// Flips a byte of the signature (not the 4-byte key hint) on the checkpoint's
/// signature line, keeping the note parseable.
pub fn flip_checkpoint_signature(bundle: &mut Value) {
    let envelope = &mut entry(bundle)["inclusionProof"]["checkpoint"]["envelope"];
    let text = envelope.as_str().unwrap().to_owned();
    let (head, sig_line) = text.trim_end_matches('\n').rsplit_once('\n').unwrap();
    let (name, sig_b64) = sig_line.rsplit_once(' ').unwrap();
    let mut sig = Value::String(sig_b64.to_owned());
    flip_b64(&mut sig, 10);
    *envelope = Value::String(format!("{head}\n{name} {}\n", sig.as_str().unwrap()));
}

/// Decodes the DSSE payload, lets `f` edit it, re-encodes it.
pub fn edit_payload(bundle: &mut Value, f: impl FnOnce(&mut Value)) {
    let field = &mut bundle["dsseEnvelope"]["payload"];
    let mut payload = json(&STANDARD.decode(field.as_str().unwrap()).unwrap());
    f(&mut payload);
    *field = Value::String(STANDARD.encode(bytes(&payload)));
}

/// Decodes the Rekor canonicalized body, lets `f` edit it, re-encodes it.
pub fn edit_body(bundle: &mut Value, f: impl FnOnce(&mut Value)) {
    let field = &mut entry(bundle)["canonicalizedBody"];
    let mut body = json(&STANDARD.decode(field.as_str().unwrap()).unwrap());
    f(&mut body);
    *field = Value::String(STANDARD.encode(bytes(&body)));
}
