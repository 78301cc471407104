//! hash_files / hash_named / hash_model behaviour beyond the goldens.

use crate::common;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use common::*;
use oms_format::manifest::{HashAlgorithm, ManifestError, Method};
use oms_hashing::{
    hash_files, hash_model, hash_named, hash_named_with, list_files, model_relative_path,
    HashError, HashOptions, IgnoreRules,
};

const SHA: HashAlgorithm = HashAlgorithm::Sha256;

fn varied_model(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("m");
    for (i, size) in [0usize, 1, 8, 9, 65_535, 65_536, 65_537, 300_001]
        .iter()
        .enumerate()
    {
        let data: Vec<u8> = (0..*size).map(|b| (b * 31 + i) as u8).collect();
        let sub = root.join(format!("d{}", i % 3));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("f{i}")), data).unwrap();
    }
    root
}

#[test]
fn results_do_not_depend_on_worker_count() {
    let tmp = tempfile::tempdir().unwrap();
    let model = varied_model(tmp.path());
    for alg in HashAlgorithm::ALL {
        for method in [
            Method::Files,
            shards(4096),
            shards(65_536),
            shards(1_000_000_000),
        ] {
            let base = hash(
                &model,
                &HashOptions {
                    method,
                    algorithm: alg,
                    workers: Some(1),
                },
            );
            for workers in [Some(2), Some(7), None, Some(0)] {
                let other = hash(
                    &model,
                    &HashOptions {
                        method,
                        algorithm: alg,
                        workers,
                    },
                );
                assert_eq!(base, other, "{alg} {method:?} {workers:?}");
            }
        }
    }
}

#[test]
fn shards_cover_each_file_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let model = varied_model(tmp.path());
    let res = hash(&model, &opts(shards(65_536), SHA));
    let f6: Vec<&str> = names(&res)
        .into_iter()
        .filter(|n| n.starts_with("d0/f6:"))
        .collect();
    assert_eq!(f6, ["d0/f6:0:65536", "d0/f6:65536:65537"]);
    let f5: Vec<&str> = names(&res)
        .into_iter()
        .filter(|n| n.starts_with("d2/f5:"))
        .collect();
    assert_eq!(f5, ["d2/f5:0:65536"]);
    assert!(
        !names(&res).iter().any(|n| n.starts_with("d0/f0:")),
        "empty file has no shard"
    );
    let data = fs::read(model.join("d1/f7")).unwrap();
    let last = res
        .iter()
        .find(|r| r.name == "d1/f7:262144:300001")
        .unwrap();
    assert_eq!(
        last.digest.value,
        oms_hashing::digest_bytes(SHA, &data[262_144..])
    );
}

#[test]
fn progress_counts_every_byte_once() {
    let tmp = tempfile::tempdir().unwrap();
    let model = varied_model(tmp.path());
    let total: u64 = list_files(&model, false, &IgnoreRules::new())
        .unwrap()
        .iter()
        .map(|f| f.len)
        .sum();
    for alg in HashAlgorithm::ALL {
        for method in [Method::Files, shards(1000)] {
            let seen = AtomicU64::new(0);
            hash_model(
                &model,
                false,
                &IgnoreRules::new(),
                &opts(method, alg),
                &|n| {
                    seen.fetch_add(n, Ordering::Relaxed);
                },
            )
            .unwrap();
            assert_eq!(seen.load(Ordering::Relaxed), total, "{alg} {method:?}");
        }
    }
}

#[test]
fn a_file_that_changes_size_is_an_error_not_a_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("f"), vec![7u8; 100]).unwrap();
    let files = list_files(&model, false, &IgnoreRules::new()).unwrap();
    OpenOptions::new()
        .write(true)
        .open(model.join("f"))
        .unwrap()
        .set_len(10)
        .unwrap();
    for method in [Method::Files, shards(40)] {
        let err = hash_files(&files, &opts(method, SHA), &|_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Cannot use '{}': it changed while being hashed (its size went from 100 to 10 bytes)",
                model.join("f").display()
            ),
            "{method:?}"
        );
    }
}

#[test]
fn a_file_that_vanished_is_an_io_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    let files = list_files(&model, false, &IgnoreRules::new()).unwrap();
    fs::remove_file(model.join("d1/f11")).unwrap();
    let err = hash_files(&files, &opts(Method::Files, SHA), &|_| {}).unwrap_err();
    assert!(matches!(&err, HashError::Io { path, .. } if *path == model.join("d1/f11")));
    assert!(err.to_string().starts_with(&format!(
        "Cannot read '{}': ",
        model.join("d1/f11").display()
    )));
}

#[test]
fn colons_are_refused_in_shard_mode_only() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    fs::create_dir_all(model.join("a")).unwrap();
    fs::write(model.join("a/c:d"), "x").unwrap();
    assert_eq!(names(&hash(&model, &opts(Method::Files, SHA))), ["a/c:d"]);
    let err = hash_model(
        &model,
        false,
        &IgnoreRules::new(),
        &opts(shards(8), SHA),
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(
        &err,
        HashError::InvalidName { name, source: ManifestError::InvalidName { .. } } if name == "a/c:d"
    ));
}

#[test]
fn zero_shard_size_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_file(tmp.path());
    assert!(matches!(
        hash_model(
            &model,
            false,
            &IgnoreRules::new(),
            &opts(shards(0), SHA),
            &|_| {}
        ),
        Err(HashError::ZeroShardSize)
    ));
}

#[test]
fn hash_named_hashes_only_listed_files_and_reports_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    fs::write(model.join("extra"), "not signed").unwrap();
    let names_in = ["f0", "d1/f12", "gone", "d0", "d0/f00", "f0", "d9/x"].map(String::from);
    let (res, missing) = hash_named(&model, &names_in, &opts(Method::Files, SHA), &|_| {}).unwrap();
    assert_eq!(names(&res), ["d0/f00", "d1/f12", "f0"]);
    assert_eq!(missing, ["d0", "d9/x", "gone"]);
    let full = hash(&model, &opts(Method::Files, SHA));
    for r in &res {
        assert!(full.contains(r));
    }
    // Missing under a file component is missing too.
    let (_, missing) =
        hash_named(&model, &["f0/x".into()], &opts(Method::Files, SHA), &|_| {}).unwrap();
    assert_eq!(missing, ["f0/x"]);
}

#[test]
fn hash_named_single_file_model_uses_dot() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sample_model_file(tmp.path());
    let (res, missing) =
        hash_named(&file, &[".".into()], &opts(Method::Files, SHA), &|_| {}).unwrap();
    assert_eq!(lines(&res), [format!(".:{SHA256_KNOWN}")]);
    assert!(missing.is_empty());
    let (res, _) = hash_named(&file, &[".".into()], &opts(shards(8), SHA), &|_| {}).unwrap();
    assert_eq!(names(&res), [".:0:8", ".:8:16", ".:16:22"]);
}

#[test]
fn hash_named_refuses_names_leaving_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    for bad in ["../x", "/etc/passwd", "a/../f0", ""] {
        let err =
            hash_named(&model, &[bad.into()], &opts(Method::Files, SHA), &|_| {}).unwrap_err();
        assert!(
            matches!(&err, HashError::InvalidName { name, .. } if name == bad),
            "{bad}"
        );
    }
}

#[test]
fn hash_named_applies_ignores_and_the_symlink_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    symlink("f0", model.join("link")).unwrap();
    let o = opts(Method::Files, SHA);
    assert!(matches!(
        hash_named(&model, &["link".into()], &o, &|_| {}),
        Err(HashError::Symlink { path }) if path == model.join("link")
    ));
    let (res, _) = hash_named_with(
        &model,
        &["link".into()],
        true,
        &IgnoreRules::new(),
        &o,
        &|_| {},
    )
    .unwrap();
    assert_eq!(names(&res), ["link"]);
    let ignore = IgnoreRules::from_paths(["d0", "link"]).unwrap();
    let (res, missing) = hash_named_with(
        &model,
        &["link".into(), "d0/f01".into(), "f1".into()],
        false,
        &ignore,
        &o,
        &|_| {},
    )
    .unwrap();
    assert_eq!(names(&res), ["f1"]);
    assert!(missing.is_empty());
}

#[test]
fn model_relative_path_with_absolute_arguments() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    // The current directory plays no part for absolute paths.
    let resolve_cli_ignore_path = |arg: &std::path::Path, model: &std::path::Path| {
        model_relative_path(std::path::Path::new("/nonexistent-cwd"), arg, model).unwrap()
    };
    assert_eq!(
        resolve_cli_ignore_path(&model.join("d0/f00"), &model).as_deref(),
        Some("d0/f00")
    );
    assert_eq!(
        resolve_cli_ignore_path(&model.join("model.sig"), &model).as_deref(),
        Some("model.sig")
    );
    assert_eq!(resolve_cli_ignore_path(&model, &model), None);
    assert_eq!(resolve_cli_ignore_path(tmp.path(), &model), None);
}

#[test]
fn long_streams_with_read_ahead_match_single_threaded_hashing() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    fs::create_dir(&model).unwrap();
    // Long enough for read-ahead, and not a multiple of its chunk size.
    let big: Vec<u8> = (0..(17 << 20) + 3u32)
        .map(|i| (i ^ (i >> 11)) as u8)
        .collect();
    fs::write(model.join("big"), &big).unwrap();
    fs::write(model.join("small"), b"small").unwrap();
    for alg in HashAlgorithm::ALL {
        for method in [Method::Files, shards(16 << 20), shards(1_000_000_000)] {
            let one = hash(
                &model,
                &HashOptions {
                    method,
                    algorithm: alg,
                    workers: Some(1),
                },
            );
            for workers in [Some(2), Some(3)] {
                let many = hash(
                    &model,
                    &HashOptions {
                        method,
                        algorithm: alg,
                        workers,
                    },
                );
                assert_eq!(one, many, "{alg} {method:?} {workers:?}");
            }
        }
    }
    let res = hash(&model, &opts(Method::Files, SHA));
    assert_eq!(res[0].digest.value, oms_hashing::digest_bytes(SHA, &big));
    let b3 = hash(&model, &opts(Method::Files, HashAlgorithm::Blake3));
    assert_eq!(b3[0].digest.value, blake3::hash(&big).as_bytes());
    // A single long file: the pool still starts, so a helper can read ahead.
    let single = hash(
        &model.join("big"),
        &HashOptions {
            workers: Some(2),
            ..opts(Method::Files, SHA)
        },
    );
    assert_eq!(single[0].digest.value, res[0].digest.value);
}

#[test]
fn a_panicking_progress_callback_propagates_instead_of_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big");
    fs::write(&file, vec![1u8; 40 << 20]).unwrap();
    for algorithm in HashAlgorithm::ALL {
        let o = HashOptions {
            method: Method::Files,
            algorithm,
            workers: Some(2),
        };
        let outcome = std::panic::catch_unwind(|| {
            hash_model(&file, false, &IgnoreRules::new(), &o, &|_| {
                panic!("progress bar broke")
            })
        });
        assert!(outcome.is_err(), "{algorithm}");
    }
}
