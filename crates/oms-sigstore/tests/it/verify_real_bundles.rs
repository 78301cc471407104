//! The real public-good model-signing bundles verify offline, with each kind of
//! trust material, and the identity policy decides who may have signed.

use crate::common;

use common::*;
use oms_sigstore::{
    verify_bundle, IdentityPolicy, SigstoreError, StringMatcher, TimeSource, TrustMaterial,
    TrustSource, VerifiedTime,
};

const PRETTY_PAYLOAD_PREFIX: &[u8] = b"{\n  \"_type\": \"https://in-toto.io/Statement/v1\"";

fn all_bundles() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("v0.3.1", sigstore_bundle("v0.3.1")),
        ("v1.0.0", sigstore_bundle("v1.0.0")),
        ("v1.0.1", sigstore_bundle("v1.0.1")),
        ("v1.1.0", sigstore_bundle("v1.1.0")),
        ("oms-spec", oms_spec_bundle()),
    ]
}

fn trust_sources() -> Vec<TrustMaterial> {
    vec![
        public_good(),
        TrustMaterial::load(&TrustSource::ClientTrustConfigFile(
            fixtures().join("trust/custom_trust_config.json"),
        ))
        .unwrap(),
        TrustMaterial::load(&TrustSource::TrustedRootFile(
            fixtures().join("trust/public-good-trusted_root.json"),
        ))
        .unwrap(),
    ]
}

#[test]
fn every_real_bundle_verifies_with_every_trust_source() {
    for trust in trust_sources() {
        for (name, bundle) in all_bundles() {
            let verified = verify_bundle(&bundle, &trust, &policy())
                .unwrap_or_else(|e| panic!("{name} with {}: {e}", trust.origin()));
            assert_eq!(verified.identity, IDENTITY, "{name}");
            assert_eq!(verified.issuer, ISSUER, "{name}");
            assert_eq!(verified.payload_type, "application/vnd.in-toto+json");
            assert!(!verified.verified_times.is_empty());
        }
    }
}

#[test]
fn v1_1_0_has_a_tsa_time_and_a_log_time() {
    let verified = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy()).unwrap();
    assert_eq!(
        verified.verified_times,
        vec![
            VerifiedTime {
                source: TimeSource::Rfc3161Timestamp,
                unix_seconds: 1_760_062_340
            },
            VerifiedTime {
                source: TimeSource::TransparencyLog,
                unix_seconds: 1_760_062_340
            },
        ]
    );
    assert_eq!(verified.log_index, 598_151_086);
    assert_eq!(verified.integrated_time, Some(1_760_062_340));
    assert_eq!(verified.certificate.sans, vec![IDENTITY.to_owned()]);
    assert_eq!(verified.certificate.issuer_v1.as_deref(), Some(ISSUER));
    assert_eq!(verified.certificate.issuer_v2.as_deref(), Some(ISSUER));
}

#[test]
fn older_bundles_have_only_the_log_time() {
    let verified = verify_bundle(&sigstore_bundle("v1.0.0"), &public_good(), &policy()).unwrap();
    assert_eq!(
        verified.verified_times,
        vec![VerifiedTime {
            source: TimeSource::TransparencyLog,
            unix_seconds: 1_746_236_086
        }]
    );
    assert_eq!(verified.log_index, 206_344_181);
    // The payload is returned byte for byte, indentation included.
    assert!(verified.payload.starts_with(PRETTY_PAYLOAD_PREFIX));
}

#[test]
fn regex_identity_and_issuer_pass() {
    let policy = IdentityPolicy::new(
        StringMatcher::regex("identity", r".*@us\.ibm\.com").unwrap(),
        StringMatcher::regex("issuer", r"https://sigstore\.verify\.ibm\.com/.*").unwrap(),
    );
    let verified = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy).unwrap();
    assert_eq!(verified.identity, IDENTITY);
}

#[test]
fn regex_identity_must_match_the_whole_san() {
    let policy = IdentityPolicy::new(
        StringMatcher::regex("identity", r"stefanb@us\.ibm").unwrap(),
        StringMatcher::exact(ISSUER),
    );
    let err = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        r"Certificate's SANs do not match stefanb@us\.ibm; actual SANs: {'stefanb@us.ibm.com'}"
    );
}

#[test]
fn wrong_identity_fails_with_the_reference_message() {
    let policy = IdentityPolicy::exact("foo@example.com", ISSUER);
    let err = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy).unwrap_err();
    assert!(matches!(err, SigstoreError::IdentityMismatch { .. }));
    assert_eq!(
        err.to_string(),
        "Certificate's SANs do not match foo@example.com; actual SANs: {'stefanb@us.ibm.com'}"
    );
}

#[test]
fn identity_match_is_case_sensitive() {
    let policy = IdentityPolicy::exact("Stefanb@us.ibm.com", ISSUER);
    let err = verify_bundle(&sigstore_bundle("v1.0.0"), &public_good(), &policy).unwrap_err();
    assert!(matches!(err, SigstoreError::IdentityMismatch { .. }));
}

#[test]
fn wrong_issuer_fails_with_the_reference_message() {
    let policy = IdentityPolicy::exact(IDENTITY, "https://accounts.google.com");
    let err = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy).unwrap_err();
    assert!(matches!(err, SigstoreError::IssuerMismatch { .. }));
    assert_eq!(
        err.to_string(),
        "Certificate's OIDCIssuer does not match (got 'https://sigstore.verify.ibm.com/oauth2', \
         expected 'https://accounts.google.com')"
    );
}

#[test]
fn github_constraint_fails_on_a_human_certificate() {
    let policy = policy().with_github_workflow_repository("sigstore/model-transparency");
    let err = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Certificate's GitHub workflow repository does not match (got '<absent>', expected \
         'sigstore/model-transparency')"
    );
}

#[test]
fn staging_root_does_not_trust_public_good_bundles() {
    let staging = TrustMaterial::load(&TrustSource::Staging).unwrap();
    let err = verify_bundle(&sigstore_bundle("v1.0.0"), &staging, &policy()).unwrap_err();
    assert!(
        matches!(err, SigstoreError::SignedEntryTimestamp { .. }),
        "{err:?}"
    );
}

/// The reference's custom trust config lists GitHub's TSA, not sigstore.dev's:
/// the v1.1.0 timestamp is ignored (as sigstore-python does) and the SET-backed
/// integratedTime carries the verification.
#[test]
fn timestamp_from_an_unlisted_tsa_is_ignored() {
    let trust = TrustMaterial::load(&TrustSource::ClientTrustConfigFile(
        fixtures().join("trust/custom_trust_config.json"),
    ))
    .unwrap();
    let verified = verify_bundle(&sigstore_bundle("v1.1.0"), &trust, &policy()).unwrap();
    assert_eq!(verified.ignored_timestamps, 1);
    assert_eq!(
        verified.verified_times,
        vec![VerifiedTime {
            source: TimeSource::TransparencyLog,
            unix_seconds: 1_760_062_340
        }]
    );
    let with_tsa = verify_bundle(&sigstore_bundle("v1.1.0"), &public_good(), &policy()).unwrap();
    assert_eq!(with_tsa.ignored_timestamps, 0);
}
