//! Every conformance fixture (signatures made by the Python reference across its releases, and
//! the OMS specification's own vectors) through our command line, with the commands of docs/FORMAT.md §9.
//! Commands run from `fixtures/model-transparency`, as the reference's own scripts do, so the
//! relative `--ignore-paths` values are resolved against the working directory.

use crate::common;

use std::ffi::OsStr;
use std::path::PathBuf;

use common::bundle::subject_digest;
use common::pki::{ec_key, Curve, KeyFormat};
use common::{fixtures, tempdir, Output, Run};

const PUBLIC_KEY: &str = "keys/certificate/signing-key-pub.pem";
const ROOT_CA: &str = "keys/certificate/ca-cert.pem";
const INTERMEDIATE_CA: &str = "keys/certificate/int-ca-cert.pem";
const IDENTITY: &str = "stefanb@us.ibm.com";
const ISSUER: &str = "https://sigstore.verify.ibm.com/oauth2";

fn vectors() -> PathBuf {
    fixtures().join("model-transparency")
}

fn trust_config() -> PathBuf {
    fixtures().join("trust/custom_trust_config.json")
}

/// `verify key --signature <signature> --public_key <public_key>` run from the vectors
/// directory; the caller adds any options and the model.
fn key_command(signature: impl AsRef<OsStr>, public_key: impl AsRef<OsStr>) -> Run {
    Run::ours()
        .cwd(vectors())
        .args(["verify", "key", "--signature"])
        .arg(signature)
        .arg("--public_key")
        .arg(public_key)
}

/// `verify certificate --signature <signature> --certificate_chain <chain>` run from the
/// vectors directory; the caller adds any options and the model.
fn certificate_command(signature: impl AsRef<OsStr>, chain: impl AsRef<OsStr>) -> Run {
    Run::ours()
        .cwd(vectors())
        .args(["verify", "certificate", "--signature"])
        .arg(signature)
        .arg("--certificate_chain")
        .arg(chain)
}

/// `verify sigstore` with the fixtures' trust configuration, from the current directory; the
/// caller adds any options and the model.
fn sigstore_command(signature: impl AsRef<OsStr>, identity: &str, issuer: &str) -> Run {
    Run::ours()
        .args(["verify", "sigstore", "--signature"])
        .arg(signature)
        .args(["--identity", identity, "--identity_provider", issuer])
        .arg("--trust_config")
        .arg(trust_config())
}

/// `verify key` of a fixture directory's own signature.
fn verify_key(dir: &str, model: &str, extra: &[&str]) -> Output {
    key_command(format!("./{dir}/model.sig"), PUBLIC_KEY)
        .args(extra)
        .arg(model)
        .run()
}

/// `verify certificate` of a fixture directory's own signature.
fn verify_certificate(dir: &str, extra: &[&str]) -> Output {
    certificate_command(format!("./{dir}/model.sig"), ROOT_CA)
        .args(extra)
        .arg(format!("./{dir}/"))
        .run()
}

/// `verify sigstore` run from the vectors directory with the fixtures' identity.
fn verify_sigstore(signature: &str, model: &str, extra: &[&str]) -> Output {
    sigstore_command(signature, IDENTITY, ISSUER)
        .cwd(vectors())
        .args(extra)
        .arg(model)
        .run()
}

// --- certificate ---------------------------------------------------------------------------

#[test]
fn v0_2_0_certificate_legacy_predicate_and_pae_verifies() {
    verify_certificate("v0.2.0-certificate", &[]).verified();
}

#[test]
fn v0_3_1_certificate_verifies() {
    verify_certificate("v0.3.1-certificate", &[]).verified();
}

#[test]
fn v1_0_0_certificate_verifies() {
    verify_certificate("v1.0.0-certificate", &[]).verified();
}

#[test]
fn v1_0_1_certificate_verifies_with_its_ignore_path() {
    verify_certificate(
        "v1.0.1-certificate",
        &["--ignore-paths", "./v1.0.1-certificate/ignore-me"],
    )
    .verified();
}

#[test]
fn v1_0_1_certificate_without_its_ignore_path_reports_the_extra_file() {
    verify_certificate("v1.0.1-certificate", &[])
        .failed()
        .stderr_names("ignore-me");
}

#[test]
fn v1_1_0_certificate_verifies_with_and_without_the_scripts_ignore_path() {
    verify_certificate(
        "v1.1.0-certificate",
        &["--ignore-paths", "./v1.1.0-certificate/ignore-me"],
    )
    .verified();
    // The ignore paths recorded in 1.1.0 signatures suffice.
    verify_certificate("v1.1.0-certificate", &[]).verified();
}

#[test]
fn certificate_fixture_fails_against_an_intermediate_only_trust_store() {
    certificate_command("v1.1.0-certificate/model.sig", INTERMEDIATE_CA)
        .arg("v1.1.0-certificate")
        .run()
        .failed()
        .stderr_names("unable to get issuer certificate: the issuer 'CN=root-ca'");
}

#[test]
fn certificate_fixture_fails_against_an_unrelated_root() {
    let dir = tempdir();
    let pki = common::pki::pki(dir.path(), Curve::P256);
    certificate_command("v1.1.0-certificate/model.sig", &pki.root_cert)
        .arg("v1.1.0-certificate")
        .run()
        .failed()
        .stderr_names("unable to get issuer certificate: the issuer 'CN=root-ca'");
}

// --- elliptic key --------------------------------------------------------------------------

#[test]
fn v0_3_1_elliptic_key_single_file_model_verifies() {
    verify_key("v0.3.1-elliptic-key", "./v0.3.1-elliptic-key/signme-1", &[]).verified();
}

#[test]
fn v1_0_0_elliptic_key_single_file_model_verifies() {
    verify_key("v1.0.0-elliptic-key", "./v1.0.0-elliptic-key/signme-1", &[]).verified();
}

#[test]
fn v1_0_1_elliptic_key_verifies_with_its_ignore_path() {
    verify_key(
        "v1.0.1-elliptic-key",
        "./v1.0.1-elliptic-key/",
        &["--ignore-paths", "./v1.0.1-elliptic-key/ignore-me"],
    )
    .verified();
}

#[test]
fn v1_0_1_elliptic_key_without_its_ignore_path_reports_the_extra_file() {
    verify_key("v1.0.1-elliptic-key", "./v1.0.1-elliptic-key/", &[])
        .failed()
        .stderr_names("ignore-me");
}

#[test]
fn v1_1_0_elliptic_key_verifies_with_and_without_the_scripts_ignore_path() {
    verify_key(
        "v1.1.0-elliptic-key",
        "./v1.1.0-elliptic-key/",
        &["--ignore-paths", "./v1.1.0-elliptic-key/ignore-me"],
    )
    .verified();
    verify_key("v1.1.0-elliptic-key", "./v1.1.0-elliptic-key/", &[]).verified();
}

#[test]
fn directory_fixture_signed_as_single_file_fails_as_a_directory() {
    // v1.0.0-elliptic-key signs the file `signme-1` (resource `.`), not the folder.
    verify_key("v1.0.0-elliptic-key", "./v1.0.0-elliptic-key/", &[])
        .failed()
        .stderr_names("missing: . (signed, not found)");
}

#[test]
fn elliptic_key_fixture_fails_with_another_public_key() {
    let dir = tempdir();
    let other = ec_key(dir.path(), "other", Curve::P384, KeyFormat::Pkcs8);
    key_command("v1.1.0-elliptic-key/model.sig", &other.public)
        .arg("v1.1.0-elliptic-key")
        .run()
        .failed()
        .stderr_names("key");
}

#[test]
fn legacy_key_fixture_without_hint_fails_with_another_public_key() {
    // No hint in the bundle: the signature check itself must catch the wrong key.
    let dir = tempdir();
    let other = ec_key(dir.path(), "other", Curve::P384, KeyFormat::Pkcs8);
    key_command("v1.0.0-elliptic-key/model.sig", &other.public)
        .arg("v1.0.0-elliptic-key/signme-1")
        .run()
        .failed()
        .stderr_names("signature");
}

#[test]
fn a_certificate_bundle_is_refused_by_verify_key_and_vice_versa() {
    key_command("v1.1.0-certificate/model.sig", PUBLIC_KEY)
        .arg("v1.1.0-certificate")
        .run()
        .failed()
        .stderr_names(
            "made with the certificate method, but the key method was asked to verify it",
        );
    certificate_command("v1.1.0-elliptic-key/model.sig", ROOT_CA)
        .arg("v1.1.0-elliptic-key")
        .run()
        .failed()
        .stderr_names(
            "made with the key method, but the certificate method was asked to verify it",
        );
}

// --- digest --------------------------------------------------------------------------------

#[test]
fn digest_equals_the_subject_digest_of_the_fixtures() {
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "v1.1.0-elliptic-key/model.sig",
            "v1.1.0-elliptic-key",
            &[
                "--ignore-paths",
                "v1.1.0-elliptic-key/model.sig",
                "--ignore-paths",
                "v1.1.0-elliptic-key/ignore-me",
            ],
        ),
        (
            "v1.0.0-elliptic-key/model.sig",
            "v1.0.0-elliptic-key/signme-1",
            &[],
        ),
        (
            "v1.0.0-certificate/model.sig",
            "v1.0.0-certificate",
            &["--ignore-paths", "v1.0.0-certificate/model.sig"],
        ),
    ];
    for (signature, model, extra) in cases {
        let want = subject_digest(&vectors().join(signature));
        let out = Run::ours()
            .cwd(vectors())
            .arg("digest")
            .args(extra)
            .arg(model)
            .run();
        out.ok();
        assert_eq!(out.stdout, format!("sha256:{want}\n"), "digest of {model}");
    }
    // The values docs/FORMAT.md §9.1 quotes.
    assert!(
        subject_digest(&vectors().join("v1.1.0-elliptic-key/model.sig")).starts_with("92745110")
    );
    assert!(
        subject_digest(&vectors().join("v1.0.0-elliptic-key/model.sig")).starts_with("afa48c86")
    );
    assert!(
        subject_digest(&vectors().join("v1.0.0-certificate/model.sig")).starts_with("61d4849d")
    );
}

// --- OMS specification vectors -------------------------------------------------------------

fn spec(path: &str) -> PathBuf {
    fixtures().join("oms-spec").join(path)
}

/// `verify key` of an OMS specification bundle against the v1.1.0 elliptic-key model, whose own
/// `model.sig` the spec bundles do not record.
fn verify_spec_key(vector: &str) -> Output {
    key_command(spec(vector), PUBLIC_KEY)
        .args(["--ignore-paths", "v1.1.0-elliptic-key/model.sig"])
        .arg("v1.1.0-elliptic-key")
        .run()
}

/// `verify certificate` of an OMS specification bundle against the v1.1.0 elliptic-key model.
fn verify_spec_certificate(vector: &str) -> Output {
    certificate_command(spec(vector), ROOT_CA)
        .args(["--ignore-paths", "v1.1.0-elliptic-key/model.sig"])
        .arg("v1.1.0-elliptic-key")
        .run()
}

#[test]
fn oms_spec_valid_key_bundle_verifies_against_the_v1_1_0_model() {
    verify_spec_key("valid/key.bundle.json").verified();
}

#[test]
fn oms_spec_valid_certificate_bundle_verifies_against_the_v1_1_0_model() {
    verify_spec_certificate("valid/certificate.bundle.json").verified();
}

#[test]
fn oms_spec_valid_bundle_without_the_signature_ignored_reports_model_sig() {
    // The spec bundles do not record model.sig, which sits inside the model.
    key_command(spec("valid/key.bundle.json"), PUBLIC_KEY)
        .arg("v1.1.0-elliptic-key")
        .run()
        .failed()
        .stderr_names("model.sig");
}

/// Each invalid vector with why `verify key` and why `verify certificate` refuse it.
const INVALID_VECTORS: [(&str, &str, &str); 5] = [
    (
        "invalid/empty.bundle.json",
        "bundle is not valid JSON",
        "bundle is not valid JSON",
    ),
    (
        "invalid/missing-envelope.bundle.json",
        "bundle field `dsseEnvelope` is missing",
        "bundle field `dsseEnvelope` is missing",
    ),
    (
        "invalid/missing-tlog-entries.bundle.json",
        "a keyless (certificate) bundle needs a transparency log entry, found none",
        "a keyless (certificate) bundle needs a transparency log entry, found none",
    ),
    (
        "invalid/missing-verification-material.bundle.json",
        "bundle field `verificationMaterial` is missing",
        "bundle field `verificationMaterial` is missing",
    ),
    (
        "invalid-payload/wrong-predicate.bundle.json",
        "the DSSE signature does not verify with public key",
        "made with the key method, but the certificate method was asked to verify it",
    ),
];

#[test]
fn oms_spec_invalid_vectors_are_rejected_by_verify_key() {
    for (vector, why, _) in INVALID_VECTORS {
        verify_spec_key(vector).failed().stderr_names(why);
    }
}

#[test]
fn oms_spec_invalid_vectors_are_rejected_by_verify_certificate() {
    for (vector, _, why) in INVALID_VECTORS {
        verify_spec_certificate(vector).failed().stderr_names(why);
    }
}

#[test]
fn oms_spec_wrong_predicate_is_rejected_by_the_signature_check() {
    // The vector's payload was edited after signing, so the signature fails before the
    // predicate type is looked at (the reference fails there too, with an empty message).
    verify_spec_key("invalid-payload/wrong-predicate.bundle.json")
        .failed()
        .stderr_names("signature");
}

// --- sigstore ------------------------------------------------------------------------------

#[test]
fn v0_3_1_sigstore_verifies_offline() {
    verify_sigstore("./v0.3.1-sigstore/model.sig", "./v0.3.1-sigstore/", &[]).verified();
}

#[test]
fn v1_0_0_sigstore_verifies_offline() {
    verify_sigstore("./v1.0.0-sigstore/model.sig", "./v1.0.0-sigstore/", &[]).verified();
}

#[test]
fn v1_0_1_sigstore_verifies_offline_with_its_ignore_path() {
    verify_sigstore(
        "./v1.0.1-sigstore/model.sig",
        "./v1.0.1-sigstore/",
        &["--ignore-paths", "./v1.0.1-sigstore/ignore-me"],
    )
    .verified();
}

/// The fixtures' trust configuration lists GitHub's timestamp authority, not the one that
/// stamped this bundle: the timestamp is ignored (the log's signed time carries the check, as in
/// the reference) and the user is told so instead of it vanishing silently.
#[test]
fn v1_1_0_sigstore_with_tsa_timestamp_verifies_offline() {
    let out = verify_sigstore("./v1.1.0-sigstore/model.sig", "./v1.1.0-sigstore/", &[]);
    out.verified();
    assert_eq!(
        out.stdout,
        "WARNING: 1 RFC 3161 timestamp(s) in the signature were ignored: no timestamp \
         authority of the trusted root signed them\nVerification succeeded\n"
    );
}

#[test]
fn oms_spec_valid_sigstore_bundle_verifies_against_the_v1_1_0_model() {
    let bundle = spec("valid/sigstore.bundle.json");
    verify_sigstore(
        bundle.to_str().unwrap(),
        "v1.1.0-sigstore",
        &["--ignore-paths", "v1.1.0-sigstore/model.sig"],
    )
    .verified();
}

#[test]
fn sigstore_fixture_fails_for_another_identity_or_issuer() {
    sigstore_command("v1.1.0-sigstore/model.sig", "someone@example.com", ISSUER)
        .cwd(vectors())
        .arg("v1.1.0-sigstore")
        .run()
        .failed()
        .stderr_names("someone@example.com");
    sigstore_command(
        "v1.1.0-sigstore/model.sig",
        IDENTITY,
        "https://accounts.example.com",
    )
    .cwd(vectors())
    .arg("v1.1.0-sigstore")
    .run()
    .failed()
    .stderr_names("https://accounts.example.com");
}

#[test]
fn sigstore_fixture_signature_fails_against_a_changed_model() {
    let dir = tempdir();
    let model = dir.path().join("model");
    common::models::copy_dir(&vectors().join("v1.1.0-sigstore"), &model);
    std::fs::write(model.join("signme-2"), b"tampered").unwrap();
    sigstore_command(model.join("model.sig"), IDENTITY, ISSUER)
        .arg(&model)
        .run()
        .failed()
        .stderr_names("signme-2");
}
