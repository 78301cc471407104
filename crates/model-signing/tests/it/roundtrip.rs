//! Library round trips: sign with each hashing option, verify, and report what changed.

use std::fs;
use std::path::Path;

use model_signing::signers::KeySigner;
use model_signing::verifiers::KeyVerifier;
use model_signing::{
    no_progress, sign_model, verify_model, Error, HashAlgorithm, HashingConfig, Method,
    VerifyOptions,
};
use oms_keys::{Curve, SigningKey};

fn model(dir: &Path) {
    fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join("config.json"), b"{\"layers\": 2}").unwrap();
    fs::write(dir.join("weights.bin"), vec![7u8; 5000]).unwrap();
    fs::write(dir.join("empty.txt"), b"").unwrap();
    fs::write(dir.join("sub/tokenizer.txt"), b"a b c").unwrap();
    fs::write(dir.join("sub/deeper/a.txt"), b"deep").unwrap();
    fs::write(dir.join(".git/HEAD"), b"ref: main").unwrap();
}

fn keys() -> (KeySigner, KeyVerifier) {
    let key = SigningKey::generate(Curve::P256);
    let verifier = KeyVerifier::new(key.verifying_key());
    (KeySigner::new(key), verifier)
}

fn configs() -> Vec<HashingConfig> {
    let mut out = Vec::new();
    for algorithm in HashAlgorithm::ALL {
        for method in [Method::Files, Method::Shards { shard_size: 1000 }] {
            out.push(HashingConfig {
                method,
                algorithm,
                // The model has an empty file, which shards cannot record.
                allow_empty_files_in_shards: true,
                ..HashingConfig::default()
            });
        }
    }
    out
}

fn mismatch(
    result: Result<model_signing::VerifiedModel, Error>,
) -> model_signing::VerificationReport {
    match result {
        Err(Error::Mismatch(report)) => *report,
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn every_hashing_option_round_trips_and_detects_a_change() {
    let (signer, verifier) = keys();
    for cfg in configs() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        model(&dir);
        let bundle = sign_model(&dir, &cfg, &signer, &no_progress).unwrap();
        let opts = VerifyOptions::default();
        let ok = verify_model(&dir, &bundle, &verifier, &opts, &no_progress).unwrap();
        assert_eq!(
            ok.manifest.serialization.hash_type, cfg.algorithm,
            "{cfg:?}"
        );

        // A change under the top-level .git is not part of the model.
        fs::write(dir.join(".git/HEAD"), b"ref: other").unwrap();
        verify_model(&dir, &bundle, &verifier, &opts, &no_progress).unwrap();

        let mut w = fs::read(dir.join("weights.bin")).unwrap();
        w[4500] ^= 1;
        fs::write(dir.join("weights.bin"), w).unwrap();
        let report = mismatch(verify_model(&dir, &bundle, &verifier, &opts, &no_progress));
        let changed: Vec<_> = report.changed.iter().map(|c| c.name.as_str()).collect();
        let expected = match cfg.method {
            Method::Shards { .. } if cfg.algorithm != HashAlgorithm::Blake3 => {
                "weights.bin:4000:5000"
            }
            _ => "weights.bin",
        };
        assert_eq!(changed, [expected], "{cfg:?}");
        assert!(report.added.is_empty() && report.missing.is_empty());
    }
}

#[test]
fn report_lists_added_missing_and_changed_files() {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    model(&dir);
    let bundle = sign_model(&dir, &HashingConfig::default(), &signer, &no_progress).unwrap();
    fs::write(dir.join("config.json"), b"{\"layers\": 3}").unwrap();
    fs::remove_file(dir.join("sub/tokenizer.txt")).unwrap();
    fs::write(dir.join("sub/backdoor.py"), b"import os").unwrap();
    let verify = || {
        mismatch(verify_model(
            &dir,
            &bundle,
            &verifier,
            &VerifyOptions::default(),
            &no_progress,
        ))
    };
    // The file lists differ: reported before any file is read.
    let report = verify();
    assert_eq!(report.added, ["sub/backdoor.py"]);
    assert_eq!(report.missing, ["sub/tokenizer.txt"]);
    assert!(report.changed.is_empty() && report.listing_only);
    assert!(report
        .to_string()
        .contains("the file lists differ, so contents were not compared"));
    // With the same files, contents are compared.
    fs::write(dir.join("sub/tokenizer.txt"), b"a b c").unwrap();
    fs::remove_file(dir.join("sub/backdoor.py")).unwrap();
    let report = verify();
    assert!(report.added.is_empty() && report.missing.is_empty() && !report.listing_only);
    assert_eq!(report.changed.len(), 1);
    assert_eq!(report.changed[0].name, "config.json");
    let sha = |b: &[u8]| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b));
    assert_eq!(report.changed[0].expected.hex(), sha(b"{\"layers\": 2}"));
    assert_eq!(report.changed[0].actual.hex(), sha(b"{\"layers\": 3}"));
    let json = report.to_json();
    assert_eq!(json["changed"][0]["actual"]["algorithm"], "sha256");
}

#[test]
fn ignore_unsigned_files_skips_extra_files_but_not_missing_ones() {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    model(&dir);
    let bundle = sign_model(&dir, &HashingConfig::default(), &signer, &no_progress).unwrap();
    fs::write(dir.join("extra.bin"), b"x").unwrap();
    let opts = VerifyOptions {
        ignore_unsigned_files: true,
        ..VerifyOptions::default()
    };
    verify_model(&dir, &bundle, &verifier, &opts, &no_progress).unwrap();
    fs::remove_file(dir.join("empty.txt")).unwrap();
    let report = mismatch(verify_model(&dir, &bundle, &verifier, &opts, &no_progress));
    assert_eq!(report.missing, ["empty.txt"]);
}

#[test]
fn a_signature_from_another_key_is_rejected() {
    let (signer, _) = keys();
    let (_, other_verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    model(&dir);
    let bundle = sign_model(&dir, &HashingConfig::default(), &signer, &no_progress).unwrap();
    let err = verify_model(
        &dir,
        &bundle,
        &other_verifier,
        &VerifyOptions::default(),
        &no_progress,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("Key mismatch"), "{err}");
}

/// The key and certificate methods accept the media type the reference writes and nothing else,
/// as the reference's verifiers do (its `Verifier._verify_bundle` compares the string exactly):
/// the older spelling of v0.3 and the v0.1/v0.2 types are refused, naming what was expected.
#[test]
fn only_the_media_type_the_reference_accepts_is_accepted() {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    model(&dir);
    let bundle = sign_model(&dir, &HashingConfig::default(), &signer, &no_progress).unwrap();
    let written = String::from_utf8(bundle.clone()).unwrap();
    let ours = oms_format::bundle::BUNDLE_MEDIA_TYPE;
    assert!(written.contains(ours), "{written}");
    for other in [
        oms_format::bundle::BUNDLE_MEDIA_TYPE_V01,
        oms_format::bundle::BUNDLE_MEDIA_TYPE_V02,
        oms_format::bundle::BUNDLE_MEDIA_TYPE_V03_ALIAS,
    ] {
        let changed = written.replacen(ours, other, 1);
        let err = verify_model(
            &dir,
            changed.as_bytes(),
            &verifier,
            &VerifyOptions::default(),
            &no_progress,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("media type") && text.contains(other) && text.contains(ours),
            "{other}: {text}"
        );
    }
    verify_model(
        &dir,
        &bundle,
        &verifier,
        &VerifyOptions::default(),
        &no_progress,
    )
    .unwrap();
}
