//! Reading signature bundles, and forging them: new payloads signed with `openssl` over the
//! DSSE pre-authentication encoding, so that tests can present validly signed but malicious
//! statements.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::pki::{openssl_sign, KeyPair};
use super::{sha256_hex, unhex};

pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

pub fn read_json(path: &Path) -> Value {
    let text = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The raw DSSE payload bytes of a bundle.
pub fn payload_bytes(bundle: &Value) -> Vec<u8> {
    let text = bundle["dsseEnvelope"]["payload"]
        .as_str()
        .expect("dsseEnvelope.payload");
    b64_decode(text)
}

/// The in-toto statement a signature file carries.
pub fn statement(signature: &Path) -> Value {
    serde_json::from_slice(&payload_bytes(&read_json(signature))).unwrap()
}

/// `subject[0].digest.sha256` of a signature file: the model's root digest.
pub fn subject_digest(signature: &Path) -> String {
    statement(signature)["subject"][0]["digest"]["sha256"]
        .as_str()
        .expect("subject[0].digest.sha256")
        .to_owned()
}

/// The signed resource names, in payload order.
pub fn resource_names(signature: &Path) -> Vec<String> {
    statement(signature)["predicate"]["resources"]
        .as_array()
        .expect("predicate.resources")
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

/// DSSE v1 PAE: `DSSEv1 <len> <type> <len> <payload>`.
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        PAYLOAD_TYPE.len(),
        PAYLOAD_TYPE,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The root digest the verifier recomputes: SHA-256 over the raw resource digests in order.
pub fn root_digest(resources: &[Value]) -> String {
    let mut concatenated = Vec::new();
    for r in resources {
        concatenated.extend(unhex(r["digest"].as_str().unwrap()));
    }
    sha256_hex(&concatenated)
}

/// Writes `template` with its payload replaced by `statement` (subject digest recomputed so the
/// statement is self-consistent) and signed afresh with `key`. Everything else — the key hint,
/// media type — is kept, so only the statement is under test.
pub fn forge(template: &Path, key: &KeyPair, mut statement: Value, out: &Path) {
    let resources = statement["predicate"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    statement["subject"][0]["digest"]["sha256"] = Value::String(root_digest(&resources));
    let payload = serde_json::to_vec(&statement).unwrap();
    let mut bundle = read_json(template);
    let signature = openssl_sign(key, &pae(&payload));
    bundle["dsseEnvelope"]["payload"] = Value::String(b64_encode(&payload));
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = Value::String(b64_encode(&signature));
    fs::write(out, serde_json::to_vec(&bundle).unwrap()).unwrap();
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4).
pub fn b64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn b64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .unwrap_or_else(|| panic!("not base64: {c:?}")) as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn base64_round_trips() {
    for n in 0..20u8 {
        let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
        assert_eq!(b64_decode(&b64_encode(&data)), data);
    }
    assert_eq!(b64_encode(b"foob"), "Zm9vYg==");
    assert_eq!(b64_encode(b"fooba"), "Zm9vYmE=");
}
