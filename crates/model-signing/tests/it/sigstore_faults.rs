//! Keyless negative tests: the harness misbehaves in one way (or the policy asks for
//! someone else) and our verifier fails with the variant that names the broken check.
//! The reference's verdict on the same bundle is checked too, where it is meaningful.

#![cfg(feature = "sigstore")]

use crate::sigstore_common as common;

use common::*;
use model_signing::{Error, SignError};
use oms_sigstore::{SigningError, SigstoreError};
use sigstore_harness::Fault;

/// Signs with `fault` active and returns our verifier's error and the reference's last line.
fn sign_with_fault(rekor_major: u32, fault: Fault) -> (SigstoreError, String) {
    let setup = Setup::new(rekor_major);
    setup.harness.inject(fault);
    let issuer = setup.harness.issuer_url().to_owned();
    let bundle = setup.sign(EMAIL).unwrap();
    let err = sigstore_error(setup.verify(&bundle, EMAIL, &issuer));
    let sig = setup.sig_path("faulty.sig");
    std::fs::write(&sig, &bundle).unwrap();
    (err, last_line(&setup.py_verify(EMAIL, &issuer, &sig)))
}

fn assert_starts(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "{text}\n  does not start with\n{prefix}"
    );
}

#[test]
fn wrong_identity() {
    let setup = Setup::new(1);
    let issuer = setup.harness.issuer_url().to_owned();
    let bundle = setup.sign(EMAIL).unwrap();
    let err = sigstore_error(setup.verify(&bundle, "bob@example.com", &issuer));
    assert!(matches!(err, SigstoreError::IdentityMismatch { .. }));
    assert_eq!(
        err.to_string(),
        "Certificate's SANs do not match bob@example.com; actual SANs: {'alice@example.com'}"
    );
}

#[test]
fn wrong_issuer() {
    let setup = Setup::new(2);
    let issuer = setup.harness.issuer_url().to_owned();
    let bundle = setup.sign(EMAIL).unwrap();
    let err = sigstore_error(setup.verify(&bundle, EMAIL, "https://accounts.example.com"));
    assert!(matches!(err, SigstoreError::IssuerMismatch { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "Certificate's OIDCIssuer does not match (got '{issuer}', expected \
             'https://accounts.example.com')"
        )
    );
}

#[test]
fn expired_certificate_at_signing_time() {
    for major in [1, 2] {
        let (err, py) = sign_with_fault(major, Fault::ExpiredCertificate);
        assert!(
            matches!(err, SigstoreError::CertificateChain { .. }),
            "{err:?}"
        );
        assert_starts(
            &err.to_string(),
            "certificate chain check failed: certificate chain is invalid: certificate chain \
             validation failed: CertExpired",
        );
        assert_starts(
            &py,
            "Verification failed with error: failed to build timestamp certificate chain: \
             validation failed: cert is not valid at validation time",
        );
    }
}

#[test]
fn corrupt_sct() {
    let (err, py) = sign_with_fault(1, Fault::CorruptSct);
    assert!(matches!(err, SigstoreError::Sct { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "SCT check failed: invalid signed certificate timestamp: SCT signature verification \
         failed: Verification error: ECDSA_P256_SHA256 signature invalid"
    );
    assert_eq!(
        py,
        "Verification failed with error: failed to verify SCT on signing certificate: SCT \
         verify failed: keyring: invalid signature"
    );
}

#[test]
fn log_entry_for_another_payload() {
    let (err, py) = sign_with_fault(1, Fault::ForeignLogEntry);
    assert!(
        matches!(err, SigstoreError::PayloadMismatch { .. }),
        "{err:?}"
    );
    assert_starts(
        &err.to_string(),
        "log entry / payload consistency check failed: log entry does not match the bundle: \
         DSSE payload hash mismatch: computed ",
    );
    assert_eq!(
        py,
        "Verification failed with error: log entry payload hash does not match bundle"
    );
}

/// Rekor v2 answers with the entry it logged; sigstore-sign compares it with what it
/// submitted, so a foreign entry stops signing instead of producing a bad bundle.
#[test]
fn rekor_v2_foreign_entry_stops_signing() {
    let setup = Setup::new(2);
    setup.harness.inject(Fault::ForeignLogEntry);
    let err = setup.sign(EMAIL).unwrap_err();
    let Error::Sign(SignError::Sigstore(SigstoreError::Signing(SigningError::Rekor {
        url,
        detail,
    }))) = err
    else {
        panic!("expected a Rekor signing error, got {err:?}");
    };
    assert_eq!(url, setup.harness.urls().rekor_v2);
    assert_eq!(
        detail,
        "Invalid response: Rekor v2 response body does not match the submitted entry"
    );
}

#[test]
fn broken_inclusion_proof() {
    for major in [1, 2] {
        let (err, py) = sign_with_fault(major, Fault::CorruptInclusionProof);
        assert!(
            matches!(err, SigstoreError::InclusionProof { .. }),
            "{err:?}"
        );
        assert_starts(
            &err.to_string(),
            "inclusion proof check failed: invalid inclusion proof: inclusion proof \
             verification failed: root hash mismatch: expected ",
        );
        assert_starts(
            &py,
            "Verification failed with error: invalid log entry: inclusion proof contains \
             invalid root hash",
        );
    }
}

#[test]
fn forged_checkpoint() {
    for major in [1, 2] {
        let (err, py) = sign_with_fault(major, Fault::CorruptCheckpoint);
        assert!(matches!(err, SigstoreError::Checkpoint { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "checkpoint check failed: invalid checkpoint: No valid Rekor signature found on \
             checkpoint"
        );
        assert_eq!(
            py,
            "Verification failed with error: invalid log entry: checkpoint: invalid signature: \
             keyring: invalid signature"
        );
    }
}

#[test]
fn forged_signed_entry_timestamp() {
    let (err, py) = sign_with_fault(1, Fault::CorruptSet);
    assert!(
        matches!(err, SigstoreError::SignedEntryTimestamp { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "SET (inclusion promise) check failed: invalid inclusion promise: SET verification \
         failed: Verification error: ECDSA_P256_SHA256 signature invalid"
    );
    assert_eq!(
        py,
        "Verification failed with error: invalid log entry: SET: invalid inclusion promise: \
         keyring: invalid signature"
    );
}

/// A forged RFC 3161 timestamp fails our verifier with either log. The reference only
/// fails with Rekor v2, where the timestamp is the sole verified time; with Rekor v1 it
/// drops the bad timestamp and relies on the SET.
#[test]
fn forged_timestamp() {
    const OURS: &str = "RFC 3161 timestamp check failed: invalid RFC 3161 timestamp: TSA \
                        timestamp verification failed: Failed to verify timestamp signature: \
                        Verification error: ECDSA_P256_SHA256 signature invalid";
    let (err, py) = sign_with_fault(1, Fault::CorruptTimestamp);
    assert!(matches!(err, SigstoreError::Timestamp { .. }), "{err:?}");
    assert_eq!(err.to_string(), OURS);
    assert_eq!(py, "Verification succeeded");

    let (err, py) = sign_with_fault(2, Fault::CorruptTimestamp);
    assert!(matches!(err, SigstoreError::Timestamp { .. }), "{err:?}");
    assert_eq!(err.to_string(), OURS);
    assert_eq!(
        py,
        "Verification failed with error: not enough sources of verified time"
    );
}

/// The reference signs through a misbehaving log and we reject its bundle too.
#[test]
fn reference_bundle_with_forged_set_is_rejected() {
    let setup = Setup::new(1);
    setup.harness.inject(Fault::CorruptSet);
    let issuer = setup.harness.issuer_url().to_owned();
    let sig = setup.sig_path("reference.sig");
    let out = setup.py_sign(EMAIL, &sig);
    assert!(out.status.success(), "{}", text(&out));
    let bundle = std::fs::read(&sig).unwrap();
    let err = sigstore_error(setup.verify(&bundle, EMAIL, &issuer));
    assert!(
        matches!(err, SigstoreError::SignedEntryTimestamp { .. }),
        "{err:?}"
    );
}

/// An expired identity token is refused before Fulcio is asked.
#[test]
fn expired_identity_token() {
    let setup = Setup::new(1);
    let mut spec = sigstore_harness::TokenSpec::new(EMAIL, setup.harness.issuer_url());
    spec.lifetime_secs = -60;
    let token = setup.harness.mint_token_with(&spec);
    let err = setup.sign_with(setup.options(Some(token))).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Sign(SignError::Sigstore(SigstoreError::Signing(
                SigningError::IdentityToken {
                    source_name: "the signing options",
                    ..
                }
            )))
        ),
        "{err:?}"
    );
    assert_starts(
        &err.to_string(),
        "identity token from the signing options is unusable: expired (exp ",
    );
}
