//! What a hostile model author can do between listing and hashing, or with names and links
//! the normal walk would refuse: each must fail closed.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use oms_format::manifest::Method;
use oms_hashing::{hash_files, list_files, list_named, HashError, HashOptions, IgnoreRules};

fn write(path: &Path, content: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

#[test]
fn listing_signed_names_refuses_a_symlinked_parent_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    write(&model.join("config.json"), b"{}");
    write(&tmp.path().join("elsewhere/w.bin"), b"weights from outside");
    symlink(tmp.path().join("elsewhere"), model.join("sub")).unwrap();
    let names = ["config.json".to_string(), "sub/w.bin".to_string()];
    let err = list_named(&model, &names, false, &IgnoreRules::new()).unwrap_err();
    assert!(
        matches!(&err, HashError::Symlink { path } if path == &model.join("sub")),
        "{err:?}"
    );
    // With links allowed, the linked directory is not entered, as in the walk.
    let (files, missing) = list_named(&model, &names, true, &IgnoreRules::new()).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(missing, ["sub/w.bin"]);
}

#[test]
fn a_file_name_a_verifier_refuses_is_refused_when_listing() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("a\\b"), b"x");
    write(&tmp.path().join("ok"), b"x");
    let err = list_files(tmp.path(), false, &IgnoreRules::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot sign '{}': expected `/` as the only separator, found `\\`, which is ambiguous (a separator on Windows, a file-name character on POSIX)",
            tmp.path().join("a\\b").display()
        )
    );
    // Ignored, it is not a problem.
    let rules = IgnoreRules::from_paths(["a\\b"]);
    assert!(rules.is_err(), "a backslash ignore path is refused too");
}

#[test]
fn a_symlinked_model_root_is_refused_with_or_without_a_trailing_slash() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("real/w.bin"), b"w");
    symlink(tmp.path().join("real"), tmp.path().join("link")).unwrap();
    for arg in ["link", "link/", "link/."] {
        let err = list_files(&tmp.path().join(arg), false, &IgnoreRules::new()).unwrap_err();
        assert!(matches!(err, HashError::Symlink { .. }), "{arg}: {err:?}");
        let files = list_files(&tmp.path().join(arg), true, &IgnoreRules::new()).unwrap();
        assert_eq!(files.len(), 1, "{arg}");
    }
}

#[test]
fn an_ignored_symlink_is_refused_unless_links_are_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    write(&model.join("w.bin"), b"w");
    write(&model.join("newdir/backdoor.py"), b"import os");
    symlink("newdir", model.join("README.md")).unwrap();
    let rules = IgnoreRules::from_paths(["README.md"]).unwrap();
    let err = list_files(&model, false, &rules).unwrap_err();
    assert!(
        matches!(&err, HashError::Symlink { path } if path == &model.join("README.md")),
        "{err:?}"
    );
    assert_eq!(list_files(&model, true, &rules).unwrap().len(), 2);
}

#[test]
fn a_file_replaced_by_a_symlink_after_listing_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    write(&model.join("w.bin"), b"weights");
    write(&tmp.path().join("same.bin"), b"weights");
    let files = list_files(&model, false, &IgnoreRules::new()).unwrap();
    fs::remove_file(model.join("w.bin")).unwrap();
    symlink(tmp.path().join("same.bin"), model.join("w.bin")).unwrap();
    let err = hash_files(&files, &HashOptions::default(), &|_| {}).unwrap_err();
    assert!(err.to_string().contains("w.bin"), "{err}");
}

#[test]
fn a_file_that_changed_after_listing_is_an_error_not_a_partial_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    write(&model.join("w.bin"), b"weights");
    for method in [Method::Files, Method::Shards { shard_size: 4 }] {
        let opts = HashOptions {
            method,
            ..HashOptions::default()
        };
        let files = list_files(&model, false, &IgnoreRules::new()).unwrap();
        // Grown.
        fs::write(model.join("w.bin"), b"weights and more").unwrap();
        let err = hash_files(&files, &opts, &|_| {}).unwrap_err();
        assert!(
            matches!(&err, HashError::Changed { path, .. } if path == &model.join("w.bin")),
            "{method:?}: {err:?}"
        );
        // Replaced by another file of the same size.
        let files = list_files(&model, false, &IgnoreRules::new()).unwrap();
        let other = tmp.path().join("other");
        fs::write(&other, b"weights and less").unwrap();
        fs::rename(&other, model.join("w.bin")).unwrap();
        let err = hash_files(&files, &opts, &|_| {}).unwrap_err();
        assert!(
            matches!(err, HashError::Changed { .. }),
            "{method:?}: {err:?}"
        );
        fs::write(model.join("w.bin"), b"weights").unwrap();
    }
}

#[test]
fn shard_planning_of_a_huge_sparse_file_is_refused_without_allocating() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    fs::create_dir_all(&model).unwrap();
    let sparse = fs::File::create(model.join("sparse.bin")).unwrap();
    sparse.set_len(1 << 40).unwrap();
    let files = list_files(&model, false, &IgnoreRules::new()).unwrap();
    let opts = HashOptions {
        method: Method::Shards { shard_size: 1 },
        ..HashOptions::default()
    };
    let err = hash_files(&files, &opts, &|_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Too many resources: 1099511627776 shards, expected at most 1000000 (the most a verifier reads)"
    );
}
