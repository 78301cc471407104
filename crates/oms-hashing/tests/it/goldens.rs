//! The reference's serializer goldens (`tests/_serialization/testdata`), on the same fixtures.

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;

use common::*;
use oms_format::manifest::{HashAlgorithm, Method};
use oms_hashing::{hash_model, HashError, IgnoreRules};

const SHA: HashAlgorithm = HashAlgorithm::Sha256;

#[test]
fn sample_model_file_is_named_dot() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_file(tmp.path());
    let files = hash(&model, &opts(Method::Files, SHA));
    assert_eq!(lines(&files), [format!(".:{SHA256_KNOWN}")]);
    assert_eq!(files[0].digest.algorithm, "sha256");
    assert_eq!(
        root_hex(&files),
        "002d162f867c5eee944e5080d25829b6625be0e3f081f6fbafc7dd655ca2e178"
    );
    let one_shard = hash(&model, &opts(shards(1_000_000_000), SHA));
    assert_eq!(lines(&one_shard), [format!(".:0:22:{SHA256_KNOWN}")]);
    assert_eq!(one_shard[0].digest.algorithm, "sha256-sharded-1000000000");
}

#[test]
fn sample_model_file_small_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_file(tmp.path());
    let res = hash(&model, &opts(shards(8), SHA));
    assert_eq!(
        lines(&res),
        [
            ".:0:8:a37010c994067764d86540bf479d93b4d0c3bb3955de7b61f951caf2fd0301b0",
            ".:8:16:bd762002a3528a27fb9a8822f822b949d3c9ab7e860af33039c9aa70ebbbe682",
            ".:16:22:a791e1e893ea4260c77475725101fb4cc6ad85f6340f21f10b239184e318cd21",
        ]
    );
    assert!(res.iter().all(|r| r.digest.algorithm == "sha256-sharded-8"));
}

#[test]
fn sample_model_folder_files() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    let res = hash(&model, &opts(Method::Files, SHA));
    assert_eq!(
        names(&res),
        ["d0/f00", "d0/f01", "d0/f02", "d1/f10", "d1/f11", "d1/f12", "f0", "f1", "f2", "f3"]
    );
    assert_eq!(
        root_hex(&res),
        "143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7"
    );
}

#[test]
fn sample_model_folder_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    let whole = hash(&model, &opts(shards(1_000_000_000), SHA));
    assert_eq!(names(&whole)[..2], ["d0/f00:0:23", "d0/f01:0:23"]);
    assert_eq!(names(&whole)[9], "f3:0:24");
    // One shard per file: the same digests as files mode, so the same root.
    assert_eq!(
        root_hex(&whole),
        "143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7"
    );

    let small = hash(&model, &opts(shards(8), SHA));
    assert_eq!(small.len(), 30);
    assert_eq!(
        lines(&small)[..3],
        [
            "d0/f00:0:8:a37010c994067764d86540bf479d93b4d0c3bb3955de7b61f951caf2fd0301b0",
            "d0/f00:8:16:03d5bb235fbf6771da18a650a7d01c1d6b85ada9de9cc62d27752a1c2a05548b",
            "d0/f00:16:23:003b089e217915b12ca9509b2f8a01be7cfe662ffadeb1cd3cf3f430c7b9773a",
        ]
    );
    assert_eq!(names(&small)[27..], ["f3:0:8", "f3:8:16", "f3:16:24"]);
    assert_eq!(
        root_hex(&small),
        "2139af57fd2a4f324ac7cd0fc04898cce73d0871b363c8eb3fc07ab7da4c8445"
    );
}

#[test]
fn deep_model_folder_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let model = deep_model_folder(tmp.path());
    assert_eq!(
        lines(&hash(&model, &opts(shards(1_000_000_000), SHA))),
        [
            "d0/d1/d2/d3/d4/f0:0:16:6efa14bb03544fcb76045c55f25b9315b6eb5be2d8a85f703193a76b7874c6ff",
            "d0/d1/d2/d3/d4/f1:0:16:a9bc149b70b9d325cd68d275d582cfdb98c0347d3ce54590aa6533368daed3d2",
            "d0/d1/d2/d3/d4/f2:0:16:5f597e6a92d1324d9adbed43d527926d11d0131487baf315e65ae1ef3b1ca3c0",
            "d0/d1/d2/d3/d4/f3:0:16:eaf677c35fec6b87889d9e4563d8bb65dcb9869ca0225697c9cc44cf49dca008",
        ]
    );
}

#[test]
fn empty_files_are_hashed_in_files_mode_and_absent_in_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, b"").unwrap();
    assert_eq!(
        lines(&hash(&file, &opts(Method::Files, SHA))),
        [format!(".:{SHA256_EMPTY}")]
    );
    assert!(hash(&file, &opts(shards(8), SHA)).is_empty());

    let folder = tmp.path().join("root");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("empty_file"), b"").unwrap();
    assert_eq!(
        lines(&hash(&folder, &opts(Method::Files, SHA))),
        [format!("empty_file:{SHA256_EMPTY}")]
    );
    let res = hash(&folder, &opts(shards(1_000_000_000), SHA));
    assert!(res.is_empty());
    assert_eq!(root_hex(&res), SHA256_EMPTY);
}

#[test]
fn empty_model_folder_has_no_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("root");
    fs::create_dir_all(folder.join("a/b/c")).unwrap();
    fs::create_dir_all(folder.join("emptydir")).unwrap();
    for method in [Method::Files, shards(8)] {
        assert!(hash(&folder, &opts(method, SHA)).is_empty());
    }
}

#[test]
fn symlink_model_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let external = tmp.path().join("external");
    fs::create_dir(&external).unwrap();
    fs::write(external.join("file"), KNOWN_MODEL_TEXT).unwrap();
    let model = tmp.path().join("model");
    fs::create_dir(&model).unwrap();
    symlink(external.join("file"), model.join("symlink_file")).unwrap();

    let res = hash_model(
        &model,
        true,
        &IgnoreRules::new(),
        &opts(Method::Files, SHA),
        &|_| {},
    )
    .unwrap();
    assert_eq!(lines(&res), [format!("symlink_file:{SHA256_KNOWN}")]);

    let err = hash_model(
        &model,
        false,
        &IgnoreRules::new(),
        &opts(Method::Files, SHA),
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(&err, HashError::Symlink { path } if *path == model.join("symlink_file")));
}

#[test]
fn blake2b_and_blake3_digests_and_names() {
    let tmp = tempfile::tempdir().unwrap();
    let model = sample_model_folder(tmp.path());
    let b2 = hash(&model, &opts(Method::Files, HashAlgorithm::Blake2b));
    assert!(b2
        .iter()
        .all(|r| r.digest.algorithm == "blake2b" && r.digest.value.len() == 64));
    assert_eq!(
        root_hex(&b2),
        "4544f014961f76d34f138ec7e0d04d6070a048a8068662f1744b8b0e3dde38f5"
    );
    let b2s = hash(&model, &opts(shards(8), HashAlgorithm::Blake2b));
    assert_eq!(b2s.len(), 30);
    assert!(b2s
        .iter()
        .all(|r| r.digest.algorithm == "blake2b-sharded-8"));

    let file = sample_model_file(tmp.path());
    assert_eq!(
        lines(&hash(&file, &opts(Method::Files, HashAlgorithm::Blake2b))),
        [".:20e68afc59075f50f66f399d2cc590f2a93f58349dd6626c0f93bfa19d142b1741029b102cbc7ec0b36ad8dc771d66e904ca9a874c76fcc242fee0bea557463f"]
    );

    // BLAKE3 with shards hashes whole files, as the reference does.
    let b3 = hash(&model, &opts(shards(8), HashAlgorithm::Blake3));
    assert_eq!(
        b3,
        hash(&model, &opts(Method::Files, HashAlgorithm::Blake3))
    );
    assert_eq!(b3.len(), 10);
    assert!(b3
        .iter()
        .all(|r| r.digest.algorithm == "blake3" && r.digest.value.len() == 32));
    assert_eq!(
        b3.iter().find(|r| r.name == "f0").unwrap().digest.value,
        blake3::hash(b"This is file f0 in root.").as_bytes()
    );
}

#[test]
fn empty_file_digests_for_every_algorithm() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("e");
    fs::write(&file, b"").unwrap();
    let hex_of = |alg| hash(&file, &opts(Method::Files, alg))[0].digest.hex();
    assert_eq!(hex_of(SHA), SHA256_EMPTY);
    assert!(hex_of(HashAlgorithm::Blake2b).starts_with("786a02f7"));
    assert_eq!(
        hex_of(HashAlgorithm::Blake3),
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    );
}
