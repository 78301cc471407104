//! Which files a signature covers: the library's refusals (empty models, unverifiable names,
//! empty files in shards) and the verifier's fast listing comparison.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

use std::fs;
use std::path::Path;

use model_signing::signers::KeySigner;
use model_signing::verifiers::KeyVerifier;
use model_signing::{
    no_progress, sign_model, verify_model, Error, HashingConfig, Method, VerifyOptions,
};
use oms_keys::{Curve, SigningKey};

fn sign(dir: &Path, cfg: &HashingConfig) -> Result<Vec<u8>, Error> {
    let signer = KeySigner::new(SigningKey::generate(Curve::P256));
    sign_model(dir, cfg, &signer, &no_progress)
}

#[test]
fn a_model_with_no_files_left_cannot_be_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join(".git/HEAD"), b"ref").unwrap();
    fs::write(dir.join("README.md"), b"x").unwrap();
    let cfg = HashingConfig {
        ignore_paths: vec!["README.md".into()],
        ..HashingConfig::default()
    };
    let err = sign(&dir, &cfg).unwrap_err();
    assert!(
        matches!(&err, Error::EmptyModel { path } if path == &dir),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "cannot sign '{}': expected at least one file to sign, found none after the ignore rules (OMS v1.0 §6.1)",
            dir.display()
        )
    );
    // An empty directory, too.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(matches!(
        sign(&empty, &HashingConfig::default()),
        Err(Error::EmptyModel { .. })
    ));
}

fn verify(dir: &Path, bundle: &[u8], verifier: &KeyVerifier, opts: &VerifyOptions) -> Error {
    verify_model(dir, bundle, verifier, opts, &no_progress).unwrap_err()
}

fn keys() -> (KeySigner, KeyVerifier) {
    let key = SigningKey::generate(Curve::P256);
    let verifier = KeyVerifier::new(key.verifying_key());
    (KeySigner::new(key), verifier)
}

#[test]
fn an_added_huge_sparse_file_fails_fast_as_added_before_any_hashing() {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("w.bin"), b"weights").unwrap();
    for cfg in [
        HashingConfig::default(),
        HashingConfig {
            method: Method::Shards {
                shard_size: 1 << 30,
            },
            ..HashingConfig::default()
        },
    ] {
        let bundle = sign_model(&dir, &cfg, &signer, &no_progress).unwrap();
        let sparse = fs::File::create(dir.join("huge.bin")).unwrap();
        sparse.set_len(1 << 40).unwrap();
        let hashed = std::sync::atomic::AtomicU64::new(0);
        let progress = |n: u64| {
            hashed.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let err = verify_model(
            &dir,
            &bundle,
            &verifier,
            &VerifyOptions::default(),
            &progress,
        )
        .unwrap_err();
        let Error::Mismatch(report) = err else {
            panic!("expected a mismatch, got {err:?}")
        };
        assert!(
            report.added.iter().all(|n| n.starts_with("huge.bin")),
            "{report:?}"
        );
        assert!(!report.added.is_empty());
        assert_eq!(hashed.into_inner(), 0, "nothing may be hashed");
        fs::remove_file(dir.join("huge.bin")).unwrap();
    }
}

#[test]
fn in_shards_mode_a_grown_file_fails_before_hashing() {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("w.bin"), b"weights").unwrap();
    let cfg = HashingConfig {
        method: Method::Shards { shard_size: 4 },
        ..HashingConfig::default()
    };
    let bundle = sign_model(&dir, &cfg, &signer, &no_progress).unwrap();
    let grow = |len: u64| {
        fs::File::options()
            .write(true)
            .open(dir.join("w.bin"))
            .unwrap()
            .set_len(len)
            .unwrap()
    };
    let hashed = std::sync::atomic::AtomicU64::new(0);
    let progress = |n: u64| {
        hashed.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    grow(12);
    let err = verify_model(
        &dir,
        &bundle,
        &verifier,
        &VerifyOptions::default(),
        &progress,
    )
    .unwrap_err();
    let Error::Mismatch(report) = err else {
        panic!("expected a mismatch, got {err:?}")
    };
    assert_eq!(report.missing, ["w.bin:4:7"]);
    assert_eq!(report.added, ["w.bin:4:8", "w.bin:8:12"]);
    // Grown past what any manifest lists: refused before planning or hashing.
    grow(1 << 40);
    let err = verify_model(
        &dir,
        &bundle,
        &verifier,
        &VerifyOptions::default(),
        &progress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("Too many resources"), "{err}");
    assert_eq!(hashed.into_inner(), 0, "nothing may be hashed");
}

#[test]
fn a_signed_file_present_but_ignored_by_a_default_rule_is_reported_as_ignored() {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("w.bin"), b"weights").unwrap();
    fs::write(dir.join(".gitignore"), b"*.tmp").unwrap();
    let cfg = HashingConfig {
        ignore_git_paths: false,
        ..HashingConfig::default()
    };
    let bundle = sign_model(&dir, &cfg, &signer, &no_progress).unwrap();
    let Error::Mismatch(report) = verify(&dir, &bundle, &verifier, &VerifyOptions::default())
    else {
        panic!("expected a mismatch")
    };
    assert!(report.missing.is_empty(), "{report:?}");
    assert_eq!(report.ignored.len(), 1);
    assert_eq!(report.ignored[0].name, ".gitignore");
    assert_eq!(report.ignored[0].rule, ".gitignore");
    assert!(
        report.to_string().contains(
            "ignored: .gitignore (signed and present, but left out by the ignore rule `.gitignore`)"
        ),
        "{report}"
    );
}

#[test]
fn shards_refuse_empty_files_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(dir.join("pkg")).unwrap();
    fs::write(dir.join("w.bin"), b"weights").unwrap();
    fs::write(dir.join("pkg/__init__.py"), b"").unwrap();
    let cfg = HashingConfig {
        method: Method::Shards { shard_size: 4 },
        ..HashingConfig::default()
    };
    let err = sign(&dir, &cfg).unwrap_err();
    assert!(
        matches!(&err, Error::EmptyFileInShards { name, .. } if name == "pkg/__init__.py"),
        "{err:?}"
    );
    assert!(err.to_string().contains("pkg/__init__.py"), "{err}");
    let allowed = HashingConfig {
        allow_empty_files_in_shards: true,
        ..cfg.clone()
    };
    sign(&dir, &allowed).unwrap();
    // Files mode records empty files: nothing to refuse.
    sign(&dir, &HashingConfig::default()).unwrap();
}

#[test]
fn a_file_name_the_verifier_refuses_is_refused_by_the_signer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("a\\b"), b"x").unwrap();
    let err = sign(&dir, &HashingConfig::default()).unwrap_err();
    assert!(err.to_string().contains("ambiguous"), "{err}");
}
