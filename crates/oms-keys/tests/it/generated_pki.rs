//! Chain verification on PKIs built with `openssl ca`: the reference's leniencies (expired leaf,
//! leaf time as the verification time) and its refusals.

use crate::common;

use common::{Issued, Pki, CA_EXT, LEAF_EXT, ROOT_EXT, WIDE};
use oms_keys::certificate::{check_key_matches_certificate, verify_chain, CertError};
use oms_keys::{Curve, SigningKey};

const LEAF_DATES: (&str, &str) = ("20240101000000Z", "20250101000000Z");

fn s(text: &str) -> String {
    text.to_string()
}

fn signing_key(issued: &Issued) -> SigningKey {
    SigningKey::from_pem(&std::fs::read(&issued.key).unwrap(), None).unwrap()
}

type Dates = (&'static str, &'static str);

const P256: (&str, &str, &str) = ("P-256", "P-256", "P-256");

/// `Test Root` (`algs.0`, `root_ext`) -> `Test Intermediate` (`algs.1`, `int_ext`, `int_dates`)
/// -> `Test Leaf` (`algs.2`, standard leaf extensions, `leaf_dates`).
fn chain(
    algs: (&str, &str, &str),
    root_ext: &str,
    int_ext: &str,
    int_dates: Dates,
    leaf_dates: Dates,
) -> (Pki, Issued, Issued, Issued) {
    let pki = Pki::new();
    let root = pki.issue("Test Root", algs.0, None, root_ext, WIDE);
    let int = pki.issue(
        "Test Intermediate",
        algs.1,
        Some("Test Root"),
        int_ext,
        int_dates,
    );
    let leaf = test_leaf(&pki, algs.2, "Test Intermediate", leaf_dates);
    (pki, root, int, leaf)
}

/// Root (`root_alg`) -> intermediate (`int_alg`) -> leaf (`leaf_alg`), standard extensions.
fn three_level(root_alg: &str, int_alg: &str, leaf_alg: &str) -> (Pki, Issued, Issued, Issued) {
    chain(
        (root_alg, int_alg, leaf_alg),
        ROOT_EXT,
        CA_EXT,
        WIDE,
        LEAF_DATES,
    )
}

/// An all-P-256 [`chain`] under a standard root.
fn p256_chain(int_ext: &str, int_dates: Dates, leaf_dates: Dates) -> (Pki, Issued, Issued, Issued) {
    chain(P256, ROOT_EXT, int_ext, int_dates, leaf_dates)
}

/// A P-256 `Test Root` with `root_ext` and `root_dates`, and a P-256 `Test Leaf` it issues
/// directly, with the standard leaf extensions and `leaf_dates`.
fn root_and_leaf(root_ext: &str, root_dates: Dates, leaf_dates: Dates) -> (Pki, Issued, Issued) {
    let pki = Pki::new();
    let root = pki.issue("Test Root", "P-256", None, root_ext, root_dates);
    let leaf = test_leaf(&pki, "P-256", "Test Root", leaf_dates);
    (pki, root, leaf)
}

/// `Test Leaf` with the standard leaf extensions, issued by `issuer`.
fn test_leaf(pki: &Pki, alg: &str, issuer: &str, dates: Dates) -> Issued {
    pki.issue("Test Leaf", alg, Some(issuer), LEAF_EXT, dates)
}

/// A P-256 `Other Root` with the standard root extensions.
fn other_root(pki: &Pki) -> Issued {
    pki.issue("Other Root", "P-256", None, ROOT_EXT, WIDE)
}

#[test]
fn leaves_on_every_curve_verify_and_their_keys_sign() {
    for (root_alg, int_alg, curve) in [
        ("P-256", "P-384", Curve::P256),
        ("P-521", "P-256", Curve::P384),
        ("P-384", "P-521", Curve::P521),
    ] {
        let (_pki, root, int, leaf) = three_level(root_alg, int_alg, curve.name());
        let key = verify_chain(
            &[leaf.der.clone(), int.der.clone()],
            std::slice::from_ref(&root.der),
        )
        .unwrap_or_else(|e| panic!("{curve}: {e}"));
        assert_eq!(key.curve(), curve);
        let private = signing_key(&leaf);
        check_key_matches_certificate(&private, &leaf.der).unwrap();
        assert_eq!(
            check_key_matches_certificate(&SigningKey::generate(curve), &leaf.der),
            Err(CertError::KeyMismatch)
        );
        key.verify(b"payload", &private.sign(b"payload")).unwrap();
    }
}

#[test]
fn rsa_root_and_intermediate_with_ec_leaf() {
    let (_pki, root, int, leaf) = three_level("RSA", "RSA", "P-256");
    verify_chain(&[leaf.der, int.der], &[root.der]).unwrap();
}

#[test]
fn root_in_the_chain_and_any_intermediate_order_are_fine() {
    let (_pki, root, int, leaf) = three_level("P-256", "P-256", "P-256");
    verify_chain(
        &[leaf.der.clone(), root.der.clone(), int.der.clone()],
        std::slice::from_ref(&root.der),
    )
    .unwrap();
}

#[test]
fn leaf_signed_directly_by_the_root() {
    let (_pki, root, leaf) = root_and_leaf(ROOT_EXT, WIDE, LEAF_DATES);
    verify_chain(&[leaf.der], &[root.der]).unwrap();
}

#[test]
fn expired_leaf_passes_like_the_reference() {
    let (_pki, root, int, leaf) = p256_chain(CA_EXT, WIDE, ("20200101000000Z", "20200102000000Z"));
    verify_chain(&[leaf.der, int.der], &[root.der]).unwrap();
}

#[test]
fn not_yet_valid_leaf_passes_like_the_reference() {
    let (_pki, root, leaf) = root_and_leaf(ROOT_EXT, WIDE, ("20390101000000Z", "20391231000000Z"));
    verify_chain(&[leaf.der], &[root.der]).unwrap();
}

#[test]
fn intermediate_must_be_valid_at_the_leaf_not_before() {
    let (_pki, root, int, leaf) =
        p256_chain(CA_EXT, ("20190101000000Z", "20230101000000Z"), LEAF_DATES);
    let err = verify_chain(&[leaf.der, int.der], &[root.der]).unwrap_err();
    assert_eq!(
        err,
        CertError::Expired {
            subject: s("CN=Test Intermediate"),
            at: s("2024-01-01T00:00:00Z"),
            not_after: s("2023-01-01T00:00:00Z")
        }
    );
    assert_eq!(
        err.to_string(),
        "certificate 'CN=Test Intermediate' has expired at 2024-01-01T00:00:00Z (the signing \
         certificate's notBefore, the verification time): its notAfter is 2023-01-01T00:00:00Z"
    );
}

#[test]
fn root_not_yet_valid_at_the_leaf_not_before_fails() {
    let (_pki, root, leaf) =
        root_and_leaf(ROOT_EXT, ("20240601000000Z", "20400101000000Z"), LEAF_DATES);
    assert_eq!(
        verify_chain(&[leaf.der], &[root.der]).unwrap_err(),
        CertError::NotYetValid {
            subject: s("CN=Test Root"),
            at: s("2024-01-01T00:00:00Z"),
            not_before: s("2024-06-01T00:00:00Z")
        }
    );
}

#[test]
fn leaf_usage_needs_digital_signature_or_code_signing() {
    let pki = Pki::new();
    let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
    let cases = [
        ("Only KU", "keyUsage=critical,digitalSignature\n", true),
        ("Only EKU", "extendedKeyUsage=codeSigning\n", true),
        (
            "Wrong usages",
            "keyUsage=critical,keyEncipherment\nextendedKeyUsage=serverAuth\n",
            false,
        ),
        ("No usages", "subjectKeyIdentifier=hash\n", false),
    ];
    for (cn, ext, ok) in cases {
        let leaf = pki.issue(cn, "P-256", Some("Test Root"), ext, LEAF_DATES);
        let result = verify_chain(&[leaf.der], std::slice::from_ref(&root.der));
        if ok {
            result.unwrap_or_else(|e| panic!("{cn}: {e}"));
        } else {
            let err = result.unwrap_err();
            assert_eq!(
                err,
                CertError::NotForSigning {
                    subject: format!("CN={cn}")
                }
            );
            assert!(err
                .to_string()
                .starts_with("Signing certificate cannot be used for signing"));
        }
    }
}

#[test]
fn intermediate_only_trust_store_fails() {
    let (_pki, _root, int, leaf) = three_level("P-256", "P-256", "P-256");
    let err = verify_chain(&[leaf.der, int.der.clone()], &[int.der]).unwrap_err();
    assert_eq!(
        err,
        CertError::IssuerNotFound {
            subject: s("CN=Test Intermediate"),
            issuer: s("CN=Test Root")
        }
    );
    assert_eq!(
        err.to_string(),
        "unable to get issuer certificate: the issuer 'CN=Test Root' of 'CN=Test Intermediate' \
         is neither in the chain nor among the trusted certificates"
    );
}

#[test]
fn unrelated_root_fails() {
    let (pki, _root, int, leaf) = three_level("P-256", "P-256", "P-256");
    let other = other_root(&pki);
    assert_eq!(
        verify_chain(&[leaf.der, int.der], &[other.der]).unwrap_err(),
        CertError::IssuerNotFound {
            subject: s("CN=Test Intermediate"),
            issuer: s("CN=Test Root")
        }
    );
}

#[test]
fn root_in_the_chain_but_not_trusted_fails() {
    let (pki, root, int, leaf) = three_level("P-256", "P-256", "P-256");
    let other = other_root(&pki);
    assert_eq!(
        verify_chain(&[leaf.der, int.der, root.der], &[other.der]).unwrap_err(),
        CertError::UntrustedRoot {
            subject: s("CN=Test Root")
        }
    );
}

#[test]
fn same_name_root_with_another_key_fails_on_the_signature() {
    // Without key identifiers the impostor is a name match, so the signature decides.
    let real = Pki::new();
    // OpenSSL 3 adds key identifiers unless told not to.
    let no_ids = "subjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n";
    let root_ext =
        format!("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n{no_ids}");
    let leaf_ext = format!("keyUsage=critical,digitalSignature\n{no_ids}");
    real.issue("Test Root", "P-256", None, &root_ext, WIDE);
    let leaf = real.issue(
        "Test Leaf",
        "P-256",
        Some("Test Root"),
        &leaf_ext,
        LEAF_DATES,
    );
    let impostor = Pki::new().issue("Test Root", "P-256", None, &root_ext, WIDE);
    let err = verify_chain(&[leaf.der], &[impostor.der]).unwrap_err();
    assert!(
        matches!(&err, CertError::BadSignature { subject, issuer, .. }
            if subject == "CN=Test Leaf" && issuer == "CN=Test Root"),
        "{err:?}"
    );
}

#[test]
fn tampered_leaf_signature_fails() {
    let (_pki, root, int, leaf) = three_level("P-256", "RSA", "P-256");
    let mut tampered = leaf.der.clone();
    if let Some(last) = tampered.last_mut() {
        *last ^= 0x01;
    }
    let err = verify_chain(&[tampered, int.der], &[root.der]).unwrap_err();
    assert!(
        matches!(&err, CertError::BadSignature { subject, issuer, .. }
            if subject == "CN=Test Leaf" && issuer == "CN=Test Intermediate"),
        "{err:?}"
    );
}

#[test]
fn issuer_without_ca_true_fails() {
    for (cn, ext) in [
        (
            "CA False",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign\n",
        ),
        ("No Basic Constraints", "keyUsage=critical,keyCertSign\n"),
    ] {
        let pki = Pki::new();
        let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
        let int = pki.issue(cn, "P-256", Some("Test Root"), ext, WIDE);
        let leaf = test_leaf(&pki, "P-256", cn, LEAF_DATES);
        let err = verify_chain(&[leaf.der, int.der], &[root.der]).unwrap_err();
        assert_eq!(
            err,
            CertError::NotACa {
                subject: format!("CN={cn}")
            }
        );
    }
}

#[test]
fn issuer_without_key_cert_sign_fails() {
    let (_pki, root, int, leaf) = p256_chain(
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n",
        WIDE,
        LEAF_DATES,
    );
    assert_eq!(
        verify_chain(&[leaf.der, int.der], &[root.der]).unwrap_err(),
        CertError::MissingKeyCertSign {
            subject: s("CN=Test Intermediate")
        }
    );
}

#[test]
fn path_length_constraints() {
    let pathlen_0 = "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n";
    let (pki, root, int, leaf) = chain(P256, pathlen_0, pathlen_0, WIDE, LEAF_DATES);
    assert_eq!(
        verify_chain(&[leaf.der, int.der], std::slice::from_ref(&root.der)).unwrap_err(),
        CertError::PathLengthExceeded {
            subject: s("CN=Test Root"),
            path_len: 0,
            found: 1
        }
    );
    // pathlen:0 on the intermediate itself still lets it issue the leaf.
    let direct = pki.issue(
        "Direct Leaf",
        "P-256",
        Some("Test Root"),
        LEAF_EXT,
        LEAF_DATES,
    );
    verify_chain(&[direct.der], &[root.der]).unwrap();
}

#[test]
fn unknown_critical_extension_fails() {
    let (_pki, root, int, leaf) = p256_chain(
        &format!("{CA_EXT}1.2.3.4=critical,ASN1:UTF8String:hello\n"),
        WIDE,
        LEAF_DATES,
    );
    assert_eq!(
        verify_chain(&[leaf.der, int.der], &[root.der]).unwrap_err(),
        CertError::UnhandledCriticalExtension {
            subject: s("CN=Test Intermediate"),
            oid: s("1.2.3.4")
        }
    );
}

#[test]
fn self_signed_leaf_trusted_directly() {
    let pki = Pki::new();
    let leaf = pki.issue(
        "Self Signed",
        "P-384",
        None,
        "keyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\n",
        LEAF_DATES,
    );
    verify_chain(
        std::slice::from_ref(&leaf.der),
        std::slice::from_ref(&leaf.der),
    )
    .unwrap();
    let other = other_root(&pki);
    assert_eq!(
        verify_chain(&[leaf.der], &[other.der]).unwrap_err(),
        CertError::UntrustedRoot {
            subject: s("CN=Self Signed")
        }
    );
}

#[test]
fn non_ec_leaf_is_refused_after_the_chain_checks() {
    let pki = Pki::new();
    let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
    for (alg, found) in [
        ("RSA", "RSA"),
        ("ED25519", "Ed25519"),
        ("secp256k1", "an EC key on curve secp256k1"),
    ] {
        let cn = format!("Leaf {alg}");
        let leaf = pki.issue(&cn, alg, Some("Test Root"), LEAF_EXT, LEAF_DATES);
        assert_eq!(
            verify_chain(&[leaf.der], std::slice::from_ref(&root.der)).unwrap_err(),
            CertError::UnsupportedKey {
                subject: format!("CN={cn}"),
                source: oms_keys::KeyError::UnsupportedKeyType { found: s(found) }
            }
        );
    }
}

/// Policy constraints OpenSSL would enforce but this verifier does not process: a certificate
/// marking one of them critical is refused rather than accepted with the constraint ignored.
/// (nameConstraints are enforced: tests/it/name_constraints.rs.)
#[test]
fn critical_constraint_extensions_are_refused() {
    let cases = [
        (
            "policyConstraints",
            "2.5.29.36",
            "policyConstraints=critical,requireExplicitPolicy:0\n",
        ),
        (
            "policyMappings",
            "2.5.29.33",
            "policyMappings=critical,1.2.3.4:1.2.3.5\n",
        ),
        (
            "inhibitAnyPolicy",
            "2.5.29.54",
            "inhibitAnyPolicy=critical,0\n",
        ),
    ];
    for (name, oid, ext) in cases {
        let (_pki, root, int, leaf) = p256_chain(&format!("{CA_EXT}{ext}"), WIDE, LEAF_DATES);
        let err = verify_chain(&[leaf.der, int.der], &[root.der]).unwrap_err();
        assert_eq!(
            err,
            CertError::UnsupportedCriticalExtension {
                subject: s("CN=Test Intermediate"),
                extension: name,
                oid: s(oid),
            },
            "{name}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "certificate 'CN=Test Intermediate' marks {name} ({oid}) critical, and this \
                 verifier does not enforce that constraint: refusing the certificate rather \
                 than ignoring it"
            )
        );
    }
}

#[test]
fn chains_longer_than_ten_certificates_are_refused() {
    let pki = Pki::new();
    let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
    let mut intermediates = Vec::new();
    let mut issuer = "Test Root".to_string();
    for i in 1..=9 {
        let cn = format!("Int {i}");
        intermediates.push(pki.issue(&cn, "P-256", Some(&issuer), CA_EXT, WIDE).der);
        issuer = cn;
    }
    // Leaf, nine intermediates and the root: eleven certificates.
    let deep = test_leaf(&pki, "P-256", "Int 9", LEAF_DATES);
    let mut chain = vec![deep.der];
    chain.extend(intermediates.iter().rev().cloned());
    let err = verify_chain(&chain, std::slice::from_ref(&root.der)).unwrap_err();
    assert_eq!(
        err,
        CertError::ChainTooLong {
            subject: s("CN=Test Leaf"),
            max: 10
        }
    );
    assert_eq!(
        err.to_string(),
        "the certificate chain of 'CN=Test Leaf' is longer than 10 certificates (the signing \
         certificate, its intermediates and the trusted root)"
    );
    // Ten certificates (leaf, eight intermediates, root) are still fine.
    let ok = pki.issue("Shallow Leaf", "P-256", Some("Int 8"), LEAF_EXT, LEAF_DATES);
    let mut chain = vec![ok.der];
    chain.extend(intermediates.iter().take(8).rev().cloned());
    verify_chain(&chain, std::slice::from_ref(&root.der)).unwrap();
}

#[test]
fn more_certificates_than_any_acceptable_chain_are_refused_before_parsing() {
    let garbage = vec![vec![0u8; 4]; 11];
    assert_eq!(
        verify_chain(&garbage, &[vec![0u8; 4]]).unwrap_err(),
        CertError::TooManyCertificates { found: 11, max: 10 }
    );
}
