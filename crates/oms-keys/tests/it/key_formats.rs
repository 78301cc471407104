//! Every private-key form the reference accepts, the ones it refuses, and interop with OpenSSL.

use crate::common;

use std::path::Path;

use common::{genpkey, openssl};
use oms_keys::{Curve, KeyError, SigningKey, VerifyingKey};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn unsupported(found: &str) -> KeyError {
    KeyError::UnsupportedKeyType {
        found: found.to_string(),
    }
}

#[test]
fn generated_keys_sign_and_verify_on_every_curve() {
    for curve in Curve::ALL {
        let key = SigningKey::generate(curve);
        assert_eq!(key.curve(), curve);
        let sig = key.sign(b"payload");
        let public = key.verifying_key();
        assert_eq!(public.curve(), curve);
        public.verify(b"payload", &sig).unwrap();
        assert_eq!(
            public.verify(b"payload!", &sig),
            Err(KeyError::InvalidSignature {
                curve,
                hash: curve.hash_name()
            })
        );
    }
}

#[test]
fn curve_names_and_hashes() {
    let table: Vec<_> = Curve::ALL
        .iter()
        .map(|c| (c.name(), c.hash_name(), c.key_details()))
        .collect();
    assert_eq!(
        table,
        [
            ("P-256", "SHA-256", "PKIX_ECDSA_P256_SHA_256"),
            ("P-384", "SHA-384", "PKIX_ECDSA_P384_SHA_384"),
            ("P-521", "SHA-512", "PKIX_ECDSA_P521_SHA_512"),
        ]
    );
}

#[test]
fn pkcs8_round_trip_on_every_curve() {
    for curve in Curve::ALL {
        let key = SigningKey::generate(curve);
        let pem = key.to_pkcs8_pem(None).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let back = SigningKey::from_pem(pem.as_bytes(), None).unwrap();
        assert_eq!(back.verifying_key(), key.verifying_key());
    }
}

#[test]
fn encrypted_pkcs8_round_trip_and_password_errors() {
    let key = SigningKey::generate(Curve::P256);
    let pem = key.to_pkcs8_pem(Some(b"secret")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    let back = SigningKey::from_pem(pem.as_bytes(), Some(b"secret")).unwrap();
    assert_eq!(back.verifying_key(), key.verifying_key());
    assert_eq!(
        SigningKey::from_pem(pem.as_bytes(), None).unwrap_err(),
        KeyError::PasswordRequired
    );
    assert_eq!(
        SigningKey::from_pem(pem.as_bytes(), Some(b"wrong")).unwrap_err(),
        KeyError::WrongPassword
    );
    assert_eq!(
        KeyError::PasswordRequired.to_string(),
        "the private key is encrypted (ENCRYPTED PRIVATE KEY) but no password was given"
    );
}

#[test]
fn our_encrypted_pkcs8_is_readable_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Curve::P384);
    let path = dir.path().join("enc.pem");
    std::fs::write(&path, key.to_pkcs8_pem(Some(b"pw")).unwrap()).unwrap();
    let public = openssl(
        dir.path(),
        &["pkey", "-in", "enc.pem", "-passin", "pass:pw", "-pubout"],
    );
    assert_eq!(public, key.verifying_key().to_pem().into_bytes());
}

#[test]
fn password_given_for_an_unencrypted_key_is_refused() {
    let pem = SigningKey::generate(Curve::P256)
        .to_pkcs8_pem(None)
        .unwrap();
    assert_eq!(
        SigningKey::from_pem(pem.as_bytes(), Some(b"pw")).unwrap_err(),
        KeyError::PasswordNotNeeded
    );
}

#[test]
fn openssl_keys_in_every_format_load_on_every_curve() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (i, curve) in Curve::ALL.into_iter().enumerate() {
        let name = format!("k{i}");
        genpkey(d, &name, curve.name());
        let pkcs8 = format!("{name}.key");
        let sec1 = openssl(d, &["ec", "-in", &pkcs8]);
        let encrypted = openssl(
            d,
            &["pkcs8", "-topk8", "-in", &pkcs8, "-passout", "pass:hunter2"],
        );
        let public =
            VerifyingKey::from_pem(&openssl(d, &["pkey", "-in", &pkcs8, "-pubout"])).unwrap();
        assert_eq!(public.curve(), curve);
        assert!(String::from_utf8_lossy(&sec1).contains("BEGIN EC PRIVATE KEY"));
        for (form, bytes, password) in [
            ("pkcs8", read(&d.join(&pkcs8)), None),
            ("sec1", sec1, None),
            ("encrypted", encrypted, Some(&b"hunter2"[..])),
        ] {
            let key = SigningKey::from_pem(&bytes, password)
                .unwrap_or_else(|e| panic!("{curve} {form}: {e}"));
            assert_eq!(key.verifying_key(), public, "{curve} {form}");
        }
    }
}

#[test]
fn openssl_verifies_our_signatures_and_we_verify_its_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("msg"),
        b"DSSEv1 28 application/vnd.in-toto+json 2 {}",
    )
    .unwrap();
    for (i, curve) in Curve::ALL.into_iter().enumerate() {
        let name = format!("k{i}");
        let key_path = genpkey(d, &name, curve.name());
        let key = SigningKey::from_pem(&read(&key_path), None).unwrap();
        let digest = match curve {
            Curve::P256 => "-sha256",
            Curve::P384 => "-sha384",
            Curve::P521 => "-sha512",
        };
        let pub_file = format!("{name}.pub");
        std::fs::write(d.join(&pub_file), key.verifying_key().to_pem()).unwrap();
        let sig_file = format!("{name}.ours");
        std::fs::write(d.join(&sig_file), key.sign(&read(&d.join("msg")))).unwrap();
        openssl(
            d,
            &[
                "dgst",
                digest,
                "-verify",
                &pub_file,
                "-signature",
                &sig_file,
                "msg",
            ],
        );
        let theirs = openssl(d, &["dgst", digest, "-sign", &format!("{name}.key"), "msg"]);
        key.verifying_key()
            .verify(&read(&d.join("msg")), &theirs)
            .unwrap_or_else(|e| panic!("{curve}: {e}"));
    }
}

#[test]
fn sha256_verification_on_every_curve_for_legacy_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("msg"), b"legacy").unwrap();
    for (i, curve) in Curve::ALL.into_iter().enumerate() {
        let name = format!("k{i}");
        let key_path = genpkey(d, &name, curve.name());
        let key = SigningKey::from_pem(&read(&key_path), None).unwrap();
        let sig = openssl(
            d,
            &["dgst", "-sha256", "-sign", &format!("{name}.key"), "msg"],
        );
        let public = key.verifying_key();
        public.verify_with_sha256(b"legacy", &sig).unwrap();
        if curve != Curve::P256 {
            assert_eq!(
                public.verify(b"legacy", &sig),
                Err(KeyError::InvalidSignature {
                    curve,
                    hash: curve.hash_name()
                })
            );
        }
        assert_eq!(
            public.verify_with_sha256(b"other", &sig),
            Err(KeyError::InvalidSignature {
                curve,
                hash: "SHA-256"
            })
        );
    }
}

#[test]
fn legacy_openssl_encrypted_pem_asks_for_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    genpkey(d, "k", "P-256");
    let legacy = openssl(d, &["ec", "-in", "k.key", "-aes256", "-passout", "pass:pw"]);
    assert!(String::from_utf8_lossy(&legacy).contains("Proc-Type: 4,ENCRYPTED"));
    for password in [None, Some(&b"pw"[..])] {
        let err = SigningKey::from_pem(&legacy, password).unwrap_err();
        assert_eq!(err, KeyError::LegacyEncryptedPem);
        assert!(err.to_string().contains("openssl pkcs8 -topk8"), "{err}");
    }
}

#[test]
fn rsa_ed25519_and_other_curves_are_refused_naming_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        ("RSA", "RSA"),
        ("ED25519", "Ed25519"),
        ("secp256k1", "an EC key on curve secp256k1"),
        ("brainpoolP256r1", "an EC key on curve brainpoolP256r1"),
    ];
    for (alg, found) in cases {
        let key = genpkey(d, alg, alg);
        assert_eq!(
            SigningKey::from_pem(&read(&key), None).unwrap_err(),
            unsupported(found),
            "{alg} PKCS#8 private key"
        );
        let public = openssl(d, &["pkey", "-in", &format!("{alg}.key"), "-pubout"]);
        assert_eq!(
            VerifyingKey::from_pem(&public).unwrap_err(),
            unsupported(found),
            "{alg} public key"
        );
    }
    let rsa_traditional = openssl(d, &["rsa", "-in", "RSA.key", "-traditional"]);
    assert!(String::from_utf8_lossy(&rsa_traditional).contains("BEGIN RSA PRIVATE KEY"));
    assert_eq!(
        SigningKey::from_pem(&rsa_traditional, None).unwrap_err(),
        unsupported("RSA")
    );
    let k1_sec1 = openssl(d, &["ec", "-in", "secp256k1.key"]);
    assert_eq!(
        SigningKey::from_pem(&k1_sec1, None).unwrap_err(),
        unsupported("an EC key on curve secp256k1")
    );
    assert_eq!(
        unsupported("RSA").to_string(),
        "Only elliptic curve keys on P-256, P-384 or P-521 are supported; found RSA"
    );
}

#[test]
fn ec_parameters_block_before_the_key_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pem = openssl(d, &["ecparam", "-name", "prime256v1", "-genkey"]);
    assert!(String::from_utf8_lossy(&pem).starts_with("-----BEGIN EC PARAMETERS-----"));
    assert_eq!(
        SigningKey::from_pem(&pem, None).unwrap().curve(),
        Curve::P256
    );
}

#[test]
fn non_key_pem_errors() {
    const EXPECTED: &str =
        "a PEM private key (PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY)";
    assert_eq!(
        SigningKey::from_pem(b"just text", None).unwrap_err(),
        KeyError::NoPemBlock { expected: EXPECTED }
    );
    let public = SigningKey::generate(Curve::P256).verifying_key().to_pem();
    assert_eq!(
        SigningKey::from_pem(public.as_bytes(), None).unwrap_err(),
        KeyError::UnexpectedPemLabel {
            expected: EXPECTED,
            found: "PUBLIC KEY".to_string()
        }
    );
    assert_eq!(
        SigningKey::from_pem(
            b"-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
            None
        )
        .unwrap_err()
        .to_string(),
        "malformed PEM: invalid base64 in PEM block 'PRIVATE KEY': Invalid symbol 33, offset 0."
    );
}
