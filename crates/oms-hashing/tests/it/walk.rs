//! The reference's enumeration rules: ignores, symlinks, special files, names.

use crate::common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::*;
use oms_hashing::{list_files, list_model, HashError, IgnoreRules, LinkedDirectory, ModelFile};

fn listed(model: &Path, allow_symlinks: bool, ignore: &IgnoreRules) -> Vec<String> {
    let mut names: Vec<String> = list_files(model, allow_symlinks, ignore)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    names.sort();
    names
}

fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn dot_files_are_listed_and_empty_dirs_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    write(&m.join(".hidden"), "h");
    write(&m.join("sub/.env"), "e");
    fs::create_dir_all(m.join("emptydir/deeper")).unwrap();
    assert_eq!(
        listed(m, false, &IgnoreRules::new()),
        [".hidden", "sub/.env"]
    );
}

#[test]
fn model_files_carry_path_and_size() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("a/b.bin"), "12345");
    assert_eq!(
        list_files(tmp.path(), false, &IgnoreRules::new()).unwrap(),
        [ModelFile {
            name: "a/b.bin".into(),
            path: tmp.path().join("a/b.bin"),
            len: 5,
            id: oms_hashing::FileId::of(&fs::metadata(tmp.path().join("a/b.bin")).unwrap()),
            links: 1,
            via_link: false,
        }]
    );
}

#[test]
fn git_defaults_apply_at_top_level_only() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    for f in [
        ".git/HEAD",
        ".gitattributes",
        ".github/workflows/ci.yml",
        ".gitignore",
        ".gitmodules",
        ".gitkeep",
        "sub/.git/HEAD",
        "sub/.gitignore",
        "w.bin",
    ] {
        write(&m.join(f), f);
    }
    assert_eq!(
        listed(m, false, &IgnoreRules::git_defaults()),
        [
            ".gitkeep",
            ".gitmodules",
            "sub/.git/HEAD",
            "sub/.gitignore",
            "w.bin"
        ]
    );
}

#[test]
fn ignore_is_a_component_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    for f in [
        "sub/x",
        "sub/deeper/y",
        "sub2/x",
        "subx",
        "other/sub/z",
        "README.md",
    ] {
        write(&m.join(f), f);
    }
    let ignore = IgnoreRules::from_paths(["sub", "README.md", "nonexistent"]).unwrap();
    assert_eq!(listed(m, false, &ignore), ["other/sub/z", "sub2/x", "subx"]);
    let ignore = IgnoreRules::from_paths(["sub/deeper"]).unwrap();
    assert_eq!(
        listed(m, false, &ignore),
        ["README.md", "other/sub/z", "sub/x", "sub2/x", "subx"]
    );
}

#[test]
fn ignored_entries_are_skipped_before_any_check() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    write(&m.join("keep"), "k");
    symlink("keep", m.join("link")).unwrap();
    mkfifo(&m.join("fifo"));
    fs::create_dir(m.join("dir")).unwrap();
    mkfifo(&m.join("dir/fifo"));
    let ignore = IgnoreRules::from_paths(["link", "fifo", "dir"]).unwrap();
    // An ignored symlink is still refused without allow_symlinks (the reference 1.1.1 refuses
    // `--ignore-paths m/link` with "Cannot use 'm/link' because it is a symlink"); other
    // special entries are skipped before any check.
    let err = list_files(m, false, &ignore).unwrap_err();
    assert!(
        matches!(&err, HashError::Symlink { path } if path.ends_with("link")),
        "{err:?}"
    );
    fs::remove_file(m.join("link")).unwrap();
    assert_eq!(listed(m, false, &ignore), ["keep"]);
}

#[test]
fn symlinks_are_refused_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("model");
    write(&m.join("sub/target"), "t");
    symlink("target", m.join("sub/rel-link")).unwrap();
    let err = list_files(&m, false, &IgnoreRules::new()).unwrap_err();
    let link = m.join("sub/rel-link");
    assert!(matches!(&err, HashError::Symlink { path } if *path == link));
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot use '{}' because it is a symlink. This behavior can be changed with `allow_symlinks`.",
            link.display()
        )
    );
    // Allowed: kept under the link's own name, read through the link.
    let files = list_files(&m, true, &IgnoreRules::new()).unwrap();
    let mut names: Vec<_> = files.iter().map(|f| (f.name.as_str(), f.len)).collect();
    names.sort();
    assert_eq!(names, [("sub/rel-link", 1), ("sub/target", 1)]);
}

#[test]
fn symlinked_directories_are_not_entered() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    write(&outside.join("secret"), "s");
    let m = tmp.path().join("model");
    write(&m.join("w"), "w");
    symlink(&outside, m.join("dirlink")).unwrap();
    // Not entered, but not unseen either: listed apart, and refused for signing.
    let listing = list_model(&m, true, &IgnoreRules::new()).unwrap();
    let files: Vec<&str> = listing.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(files, ["w"]);
    assert_eq!(
        listing.linked_directories,
        [LinkedDirectory {
            name: "dirlink".into(),
            target: outside.clone(),
        }]
    );
    assert!(matches!(
        list_files(&m, true, &IgnoreRules::new()),
        Err(HashError::LinkedDirectory { path, target }) if path == m.join("dirlink") && target == outside
    ));
    assert!(matches!(
        list_files(&m, false, &IgnoreRules::new()),
        Err(HashError::Symlink { .. })
    ));
}

#[test]
fn a_symlinked_model_root_needs_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    write(&real.join("w"), "w");
    let link = tmp.path().join("model");
    symlink(&real, &link).unwrap();
    assert!(matches!(
        list_files(&link, false, &IgnoreRules::new()),
        Err(HashError::Symlink { path }) if path == link
    ));
    let files = list_files(&link, true, &IgnoreRules::new()).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "w");
    assert_eq!(files[0].path, link.join("w"));

    let file_link = tmp.path().join("file-link");
    symlink(real.join("w"), &file_link).unwrap();
    let files = list_files(&file_link, true, &IgnoreRules::new()).unwrap();
    assert_eq!(files[0].name, ".");
}

#[test]
fn special_files_and_broken_links_are_refused_without_opening() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("model");
    fs::create_dir(&m).unwrap();
    mkfifo(&m.join("fifo"));
    let err = list_files(&m, false, &IgnoreRules::new()).unwrap_err();
    assert!(matches!(&err, HashError::NotFileOrDirectory { path } if *path == m.join("fifo")));
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot use '{}' as file or directory. It could be a special file, it could be missing, or there might be a permission issue.",
            m.join("fifo").display()
        )
    );

    let m2 = tmp.path().join("model2");
    fs::create_dir(&m2).unwrap();
    symlink("nowhere", m2.join("broken")).unwrap();
    assert!(matches!(
        list_files(&m2, true, &IgnoreRules::new()),
        Err(HashError::NotFileOrDirectory { path }) if path == m2.join("broken")
    ));
    // Without the flag, the symlink check comes first.
    assert!(matches!(
        list_files(&m2, false, &IgnoreRules::new()),
        Err(HashError::Symlink { .. })
    ));
    // A link to a FIFO, even allowed.
    let m3 = tmp.path().join("model3");
    fs::create_dir(&m3).unwrap();
    symlink(m.join("fifo"), m3.join("to-fifo")).unwrap();
    assert!(matches!(
        list_files(&m3, true, &IgnoreRules::new()),
        Err(HashError::NotFileOrDirectory { .. })
    ));
}

#[test]
fn missing_model_path_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    assert!(matches!(
        list_files(&missing, false, &IgnoreRules::new()),
        Err(HashError::NotFileOrDirectory { path }) if path == missing
    ));
    mkfifo(&tmp.path().join("fifo"));
    assert!(matches!(
        list_files(&tmp.path().join("fifo"), false, &IgnoreRules::new()),
        Err(HashError::NotFileOrDirectory { .. })
    ));
}

#[test]
fn non_utf8_file_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("model");
    fs::create_dir(&m).unwrap();
    let bad = m.join(OsStr::from_bytes(b"bad\xff.bin"));
    fs::write(&bad, "x").unwrap();
    let err = list_files(&m, false, &IgnoreRules::new()).unwrap_err();
    assert!(matches!(&err, HashError::NonUtf8Name { path } if *path == bad));
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot use '{}': expected a UTF-8 file name, found bytes that are not UTF-8",
            bad.display()
        )
    );

    // A file below a non-UTF-8 directory too; an empty one is invisible, like other dirs.
    let m2 = tmp.path().join("model2");
    let bad_dir = m2.join(OsStr::from_bytes(b"d\xfe"));
    fs::create_dir_all(&bad_dir).unwrap();
    assert!(list_files(&m2, false, &IgnoreRules::new())
        .unwrap()
        .is_empty());
    fs::write(bad_dir.join("ok-name"), "x").unwrap();
    assert!(matches!(
        list_files(&m2, false, &IgnoreRules::new()),
        Err(HashError::NonUtf8Name { path }) if path == bad_dir.join("ok-name")
    ));
}

#[test]
fn unicode_names_are_not_normalized() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    write(&m.join("\u{e9}.txt"), "nfc");
    write(&m.join("e\u{301}.txt"), "nfd");
    write(&m.join("sp ace"), "s");
    write(&m.join("a/c:d"), "c");
    assert_eq!(
        listed(m, false, &IgnoreRules::new()),
        ["a/c:d", "e\u{301}.txt", "sp ace", "\u{e9}.txt"]
    );
}

#[test]
fn reference_order_of_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    for f in [
        "é.txt", "sp ace", "ab", "a.d/x", "a.b", "a-b", "a/c:d", "a/b", "B", ".hidden",
    ] {
        write(&m.join(f), f);
    }
    let res = hash(
        m,
        &opts(
            oms_format::manifest::Method::Files,
            oms_format::manifest::HashAlgorithm::Sha256,
        ),
    );
    assert_eq!(
        names(&res),
        [".hidden", "B", "a/b", "a/c:d", "a-b", "a.b", "a.d/x", "ab", "sp ace", "é.txt"]
    );
}
