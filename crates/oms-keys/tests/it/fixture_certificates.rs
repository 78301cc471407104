//! The reference's test PKI: RSA-3072 root and intermediate, P-384 leaf with CA:TRUE.

use crate::common;

use common::{b64, fixture};
use oms_keys::certificate::{
    check_key_matches_certificate, fingerprint_sha256, leaf_verifying_key, parse_pem_certificates,
    verify_chain, CertError,
};
use oms_keys::{SigningKey, VerifyingKey};

fn bundle_chain(dir: &str) -> Vec<Vec<u8>> {
    let bundle: serde_json::Value =
        serde_json::from_slice(&fixture(&format!("{dir}/model.sig"))).unwrap();
    bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| b64(c["rawBytes"].as_str().unwrap()))
        .collect()
}

fn pem_certs(rel: &str) -> Vec<Vec<u8>> {
    parse_pem_certificates(&fixture(rel)).unwrap()
}

#[test]
fn reference_chains_verify_against_the_root() {
    let anchors = pem_certs("keys/certificate/ca-cert.pem");
    let expected =
        VerifyingKey::from_pem(&fixture("keys/certificate/signing-key-pub.pem")).unwrap();
    for dir in [
        "v1.1.0-certificate",
        "v1.0.1-certificate",
        "v1.0.0-certificate",
        "v0.3.1-certificate",
    ] {
        let chain = bundle_chain(dir);
        let key = verify_chain(&chain, &anchors).unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(key, expected, "{dir}");
    }
}

#[test]
fn reference_chain_fails_against_the_intermediate_alone() {
    let anchors = pem_certs("keys/certificate/int-ca-cert.pem");
    let err = verify_chain(&bundle_chain("v1.1.0-certificate"), &anchors).unwrap_err();
    assert_eq!(
        err,
        CertError::IssuerNotFound {
            subject: "CN=intermediate-ca".to_string(),
            issuer: "CN=root-ca".to_string()
        }
    );
    assert!(
        err.to_string()
            .starts_with("unable to get issuer certificate"),
        "{err}"
    );
}

#[test]
fn reference_leaf_alone_verifies_when_the_intermediate_comes_from_the_trust_files() {
    // The CLI puts every --certificate_chain certificate into the trust store.
    let mut anchors = pem_certs("keys/certificate/ca-cert.pem");
    anchors.extend(pem_certs("keys/certificate/int-ca-cert.pem"));
    let chain = bundle_chain("v1.1.0-certificate");
    verify_chain(&chain[..1], &anchors).unwrap();
}

#[test]
fn leaf_alone_without_intermediate_fails() {
    let anchors = pem_certs("keys/certificate/ca-cert.pem");
    let chain = bundle_chain("v1.1.0-certificate");
    assert_eq!(
        verify_chain(&chain[..1], &anchors).unwrap_err(),
        CertError::IssuerNotFound {
            subject: "CN=intermediate-ca".to_string(),
            issuer: "CN=intermediate-ca".to_string()
        }
    );
}

#[test]
fn fixture_pem_files_and_the_bundle_agree() {
    let chain = bundle_chain("v1.1.0-certificate");
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain[0],
        pem_certs("keys/certificate/signing-key-cert.pem")[0]
    );
    assert_eq!(chain[1], pem_certs("keys/certificate/int-ca-cert.pem")[0]);
    let key = SigningKey::from_pem(&fixture("keys/certificate/signing-key.pem"), None).unwrap();
    check_key_matches_certificate(&key, &chain[0]).unwrap();
    assert_eq!(
        check_key_matches_certificate(&SigningKey::generate(oms_keys::Curve::P384), &chain[0]),
        Err(CertError::KeyMismatch)
    );
    assert_eq!(
        CertError::KeyMismatch.to_string(),
        "The public key from the certificate does not match the public key paired with the private key"
    );
}

#[test]
fn fingerprint_matches_openssl() {
    let der = pem_certs("keys/certificate/ca-cert.pem").remove(0);
    let dir = tempfile::tempdir().unwrap();
    let path = common::fixtures().join("keys/certificate/ca-cert.pem");
    let out = common::openssl(
        dir.path(),
        &[
            "x509",
            "-in",
            path.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out.trim(),
        format!("sha256 Fingerprint={}", fingerprint_sha256(&der))
    );
}

#[test]
fn rsa_ca_certificate_is_not_a_usable_leaf_key() {
    let der = pem_certs("keys/certificate/ca-cert.pem").remove(0);
    assert_eq!(
        leaf_verifying_key(&der).unwrap_err(),
        CertError::UnsupportedKey {
            subject: "CN=root-ca".to_string(),
            source: oms_keys::KeyError::UnsupportedKeyType {
                found: "RSA".to_string()
            }
        }
    );
}

#[test]
fn pem_certificate_parsing() {
    let mut text = b"Some preamble\n".to_vec();
    text.extend(fixture("keys/certificate/ca-cert.pem"));
    text.extend(b"between\n");
    text.extend(fixture("keys/certificate/int-ca-cert.pem"));
    let certs = parse_pem_certificates(&text).unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(
        parse_pem_certificates(&fixture("keys/certificate/signing-key-pub.pem")),
        Err(CertError::NoCertificates)
    );
    assert_eq!(parse_pem_certificates(b""), Err(CertError::NoCertificates));
    let bad = b"-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        parse_pem_certificates(bad),
        Err(CertError::Parse { which, .. }) if which == "PEM certificate #0"
    ));
}

#[test]
fn empty_inputs() {
    let anchors = pem_certs("keys/certificate/ca-cert.pem");
    assert_eq!(verify_chain(&[], &anchors), Err(CertError::EmptyChain));
    assert_eq!(
        verify_chain(&bundle_chain("v1.1.0-certificate"), &[]),
        Err(CertError::NoTrustAnchors)
    );
}

/// Python's `repr(bytes)`, which model-signing v0.2 put into its (buggy) PAE.
fn python_bytes_repr(payload: &[u8]) -> String {
    let quote = if payload.contains(&b'\'') && !payload.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &b in payload {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

#[test]
fn v0_2_certificate_bundle_verifies_with_sha256_over_the_legacy_pae() {
    let anchors = pem_certs("keys/certificate/ca-cert.pem");
    let key = verify_chain(&bundle_chain("v0.2.0-certificate"), &anchors).unwrap();
    let bundle: serde_json::Value =
        serde_json::from_slice(&fixture("v0.2.0-certificate/model.sig")).unwrap();
    let envelope = &bundle["dsseEnvelope"];
    let payload = b64(envelope["payload"].as_str().unwrap());
    let sig = b64(envelope["signatures"][0]["sig"].as_str().unwrap());
    let legacy_pae = format!(
        "DSSEV1 28 application/vnd.in-toto+json {} {}",
        payload.len(),
        python_bytes_repr(&payload)
    );
    key.verify_with_sha256(legacy_pae.as_bytes(), &sig).unwrap();
    assert_eq!(
        key.verify(legacy_pae.as_bytes(), &sig),
        Err(oms_keys::KeyError::InvalidSignature {
            curve: oms_keys::Curve::P384,
            hash: "SHA-384"
        })
    );
}
