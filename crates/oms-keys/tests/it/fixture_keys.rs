//! The reference's test key pair and the signatures it made with it.

use crate::common;

use common::{b64, fixture, pae};
use oms_keys::{Curve, KeyError, SigningKey, VerifyingKey};

const PUB: &str = "keys/certificate/signing-key-pub.pem";
const PRIV: &str = "keys/certificate/signing-key.pem";
const HINT: &str = "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e";

fn bundle(version_dir: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(&format!("{version_dir}/model.sig"))).unwrap()
}

#[test]
fn fixture_public_key_hint_matches_the_bundle() {
    let key = VerifyingKey::from_pem(&fixture(PUB)).unwrap();
    assert_eq!(key.curve(), Curve::P384);
    assert_eq!(key.hint(), HINT);
    let bundle = bundle("v1.1.0-elliptic-key");
    assert_eq!(
        bundle["verificationMaterial"]["publicKey"]["hint"].as_str(),
        Some(key.hint().as_str())
    );
}

#[test]
fn canonical_pem_is_what_openssl_writes() {
    let key = VerifyingKey::from_pem(&fixture(PUB)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = common::fixtures().join(PUB);
    let openssl_pem = common::openssl(
        dir.path(),
        &[
            "pkey",
            "-pubin",
            "-in",
            path.to_str().unwrap(),
            "-outform",
            "PEM",
        ],
    );
    assert_eq!(key.to_pem().as_bytes(), openssl_pem.as_slice());
    assert_eq!(
        VerifyingKey::from_spki_der(&key.to_spki_der()).unwrap(),
        key
    );
}

#[test]
fn fixture_private_key_is_sec1_with_preamble_and_matches_the_public_key() {
    let bytes = fixture(PRIV);
    assert!(
        !bytes.starts_with(b"-----"),
        "fixture should have a preamble"
    );
    let key = SigningKey::from_pem(&bytes, None).unwrap();
    assert_eq!(key.curve(), Curve::P384);
    assert_eq!(key.verifying_key().hint(), HINT);
}

#[test]
fn fixture_key_signs_and_verifies() {
    let key = SigningKey::from_pem(&fixture(PRIV), None).unwrap();
    let public = VerifyingKey::from_pem(&fixture(PUB)).unwrap();
    let msg = pae(b"{\"hello\": 1}");
    let sig = key.sign(&msg);
    assert_eq!(sig.first(), Some(&0x30), "DER SEQUENCE");
    public.verify(&msg, &sig).unwrap();
    assert_eq!(
        public.verify(b"other message", &sig),
        Err(KeyError::InvalidSignature {
            curve: Curve::P384,
            hash: "SHA-384"
        })
    );
}

#[test]
fn reference_key_signatures_verify() {
    let public = VerifyingKey::from_pem(&fixture(PUB)).unwrap();
    for dir in [
        "v1.1.0-elliptic-key",
        "v1.0.1-elliptic-key",
        "v1.0.0-elliptic-key",
    ] {
        let bundle = bundle(dir);
        let envelope = &bundle["dsseEnvelope"];
        let payload = b64(envelope["payload"].as_str().unwrap());
        let sig = b64(envelope["signatures"][0]["sig"].as_str().unwrap());
        public
            .verify(&pae(&payload), &sig)
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
    }
}

#[test]
fn reference_certificate_signature_verifies_with_the_leaf_key() {
    let bundle = bundle("v1.1.0-certificate");
    let certs = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array()
        .unwrap();
    let leaf = b64(certs[0]["rawBytes"].as_str().unwrap());
    let key = oms_keys::certificate::leaf_verifying_key(&leaf).unwrap();
    assert_eq!(key.hint(), HINT);
    let envelope = &bundle["dsseEnvelope"];
    let payload = b64(envelope["payload"].as_str().unwrap());
    let sig = b64(envelope["signatures"][0]["sig"].as_str().unwrap());
    key.verify(&pae(&payload), &sig).unwrap();
}

#[test]
fn p1363_signature_is_rejected_as_not_der() {
    let key = SigningKey::from_pem(&fixture(PRIV), None).unwrap();
    let msg = b"message";
    let der = key.sign(msg);
    let sig = p384::ecdsa::Signature::from_der(&der).unwrap();
    let raw = sig.to_bytes().to_vec();
    assert_eq!(raw.len(), 96);
    assert_eq!(
        key.verifying_key().verify(msg, &raw),
        Err(KeyError::SignatureNotDer { len: 96 })
    );
    assert_eq!(
        KeyError::SignatureNotDer { len: 96 }.to_string(),
        "expected an ASN.1 DER ECDSA signature, found 96 bytes that are not DER \
         (a raw r||s / IEEE P1363 signature?)"
    );
}

#[test]
fn public_key_pem_errors() {
    assert_eq!(
        VerifyingKey::from_pem(b"nothing here"),
        Err(KeyError::NoPemBlock {
            expected: "a PEM public key (-----BEGIN PUBLIC KEY-----)"
        })
    );
    assert_eq!(
        VerifyingKey::from_pem(&fixture(PRIV)),
        Err(KeyError::UnexpectedPemLabel {
            expected: "a PEM public key (-----BEGIN PUBLIC KEY-----)",
            found: "EC PRIVATE KEY".to_string()
        })
    );
}
