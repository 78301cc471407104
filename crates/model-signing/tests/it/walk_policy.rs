//! Which files a signature covers: the library's refusals (empty models, unverifiable names,
//! empty files in shards), the verifier's fast listing comparison, and the signature file
//! inside the model (left out at its own path only, never by identity alone).

use std::fs;
use std::path::Path;

use model_signing::signers::KeySigner;
use model_signing::verifiers::KeyVerifier;
use model_signing::{
    no_progress, open_signature, plan_verification, sign_model, verify_model, Error, HashingConfig,
    Method, OpenedSignature, VerifyOptions,
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

/// A signed model with its signature written inside it, as `model_signing sign` does.
fn signed_with_signature_inside(
    cfg: &HashingConfig,
) -> (tempfile::TempDir, std::path::PathBuf, KeyVerifier) {
    let (signer, verifier) = keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("model.safetensors"), b"weights").unwrap();
    fs::write(dir.join("config.json"), b"{}").unwrap();
    let bundle = sign_model(&dir, cfg, &signer, &no_progress).unwrap();
    model_signing::write_signature(&dir.join("model.sig"), &bundle).unwrap();
    (tmp, dir, verifier)
}

fn with_signature(path: &Path, allow_symlinks: bool) -> (OpenedSignature, VerifyOptions) {
    let opened = open_signature(path).unwrap();
    let opts = VerifyOptions {
        signature: Some(opened.location()),
        allow_symlinks,
        ..VerifyOptions::default()
    };
    (opened, opts)
}

fn added(err: Error) -> Vec<String> {
    match err {
        Error::Mismatch(report) => report.added,
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

/// Leaving the signature out by file identity alone skipped every name sharing its inode: a
/// hard link to the signature (whose JSON an attacker controls: unknown fields are accepted)
/// verified as if it were not there. Only the signature's own path is left out.
#[test]
fn a_hard_link_to_the_signature_is_an_added_file() {
    let (_tmp, dir, verifier) = signed_with_signature_inside(&HashingConfig::default());
    let (opened, opts) = with_signature(&dir.join("model.sig"), false);
    let ok = verify_model(&dir, &opened.bytes, &verifier, &opts, &no_progress);
    assert!(ok.is_ok(), "{ok:?}");
    fs::hard_link(dir.join("model.sig"), dir.join("generation_config.json")).unwrap();
    let (opened, opts) = with_signature(&dir.join("model.sig"), false);
    let err = verify(&dir, &opened.bytes, &verifier, &opts);
    assert_eq!(added(err), ["generation_config.json"]);
}

/// The same with the signature kept outside the model and a link to it put inside.
#[test]
fn a_hard_link_to_a_signature_outside_the_model_is_an_added_file() {
    let (_tmp, dir, verifier) = signed_with_signature_inside(&HashingConfig::default());
    let outside = dir.parent().unwrap().join("model.sig");
    fs::rename(dir.join("model.sig"), &outside).unwrap();
    fs::hard_link(&outside, dir.join("chat_template.json")).unwrap();
    let (opened, opts) = with_signature(&outside, false);
    let err = verify(&dir, &opened.bytes, &verifier, &opts);
    assert_eq!(added(err), ["chat_template.json"]);
}

/// With symlinks allowed, a symlink to the signature is a model file like any other.
#[test]
fn an_allowed_symlink_to_the_signature_is_an_added_file() {
    let cfg = HashingConfig {
        allow_symlinks: true,
        ..HashingConfig::default()
    };
    let (_tmp, dir, verifier) = signed_with_signature_inside(&cfg);
    std::os::unix::fs::symlink("model.sig", dir.join("tokenizer_config.json")).unwrap();
    let (opened, opts) = with_signature(&dir.join("model.sig"), true);
    let err = verify(&dir, &opened.bytes, &verifier, &opts);
    assert_eq!(added(err), ["tokenizer_config.json"]);
}

/// The signature file is held open while the model is verified, so its inode cannot be reused:
/// removing it and creating a model file (which on ext4 tends to get the freed inode) adds a
/// file; and another file put at the signature's path is listed, not skipped.
#[test]
fn a_file_that_takes_the_signatures_place_or_inode_is_listed() {
    let (_tmp, dir, verifier) = signed_with_signature_inside(&HashingConfig::default());
    let sig = dir.join("model.sig");
    let (opened, opts) = with_signature(&sig, false);
    fs::remove_file(&sig).unwrap();
    fs::write(dir.join("model-00002.safetensors"), b"new weights").unwrap();
    let err = verify(&dir, &opened.bytes, &verifier, &opts);
    assert_eq!(added(err), ["model-00002.safetensors"]);
    fs::remove_file(dir.join("model-00002.safetensors")).unwrap();
    fs::write(&sig, b"not the signature that was read").unwrap();
    let err = verify(&dir, &opened.bytes, &verifier, &opts);
    assert_eq!(added(err), ["model.sig"]);
}

/// A swap after the listing (the signature's path left out, then given another file) fails the
/// verification instead of leaving an unlisted, unhashed file at that path.
#[test]
fn a_signature_replaced_after_the_listing_fails_the_verification() {
    let (_tmp, dir, verifier) = signed_with_signature_inside(&HashingConfig::default());
    let sig = dir.join("model.sig");
    let (opened, opts) = with_signature(&sig, false);
    let plan = plan_verification(&dir, &opened.bytes, &verifier, &opts).unwrap();
    fs::remove_file(&sig).unwrap();
    fs::write(&sig, b"a payload in place of the signature").unwrap();
    let err = plan.verify_on_disk(&no_progress).unwrap_err();
    assert!(
        matches!(&err, Error::SignatureReplaced { path } if path == &sig),
        "{err:?}"
    );
}

/// With symlinks allowed, a link to a directory is not entered (as the reference's glob), so
/// nothing behind it is covered: verifying reports it as added, with its target; signing
/// refuses it. The reference skips it silently both ways (a `numpy` link in a model folder
/// shadows the real package for a process started there).
#[test]
fn a_symlink_to_a_directory_is_reported_and_never_signed() {
    let cfg = HashingConfig {
        allow_symlinks: true,
        ..HashingConfig::default()
    };
    let (tmp, dir, verifier) = signed_with_signature_inside(&cfg);
    let package = tmp.path().join("attacker-package");
    fs::create_dir_all(&package).unwrap();
    fs::write(package.join("__init__.py"), b"import os").unwrap();
    std::os::unix::fs::symlink(&package, dir.join("numpy")).unwrap();
    let (opened, opts) = with_signature(&dir.join("model.sig"), true);
    let err = verify(&dir, &opened.bytes, &verifier, &opts);
    let Error::Mismatch(report) = err else {
        panic!("expected a mismatch, got {err:?}")
    };
    assert_eq!(report.added, ["numpy"]);
    assert_eq!(report.linked_directories.len(), 1);
    assert_eq!(report.linked_directories[0].target, package);
    assert!(
        report.to_string().contains(&format!(
            "added:   numpy (a symbolic link to the directory {}",
            package.display()
        )),
        "{report}"
    );
    let err = sign(&dir, &cfg).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot sign '{}': it is a symbolic link to a directory ({}); expected files only, since the files behind the link would not be covered by the signature",
            dir.join("numpy").display(),
            package.display()
        )
    );
}

/// A verified file with a second name is named in the result, not skipped and not a failure.
#[test]
fn hard_linked_model_files_are_reported() {
    let (tmp, dir, verifier) = signed_with_signature_inside(&HashingConfig::default());
    fs::hard_link(dir.join("config.json"), tmp.path().join("elsewhere.json")).unwrap();
    let (opened, opts) = with_signature(&dir.join("model.sig"), false);
    let verified = verify_model(&dir, &opened.bytes, &verifier, &opts, &no_progress).unwrap();
    assert_eq!(verified.hard_linked, [("config.json".to_string(), 2)]);
}
