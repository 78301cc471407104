//! Model builders (the reference's `tests/conftest.py` fixtures) and helpers shared by tests.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use oms_format::manifest::{root_digest, HashAlgorithm, Method, Resource};
use oms_hashing::{hash_model, HashOptions, IgnoreRules};

/// The conformance fixtures in the repository (`tests/fixtures/`, see its README).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub const KNOWN_MODEL_TEXT: &[u8] = b"This is a simple model";

pub fn sample_model_file(dir: &Path) -> PathBuf {
    let file = dir.join("file");
    fs::write(&file, KNOWN_MODEL_TEXT).unwrap();
    file
}

pub fn sample_model_folder(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    fs::create_dir(&root).unwrap();
    for i in 0..2 {
        let d = root.join(format!("d{i}"));
        fs::create_dir(&d).unwrap();
        for j in 0..3 {
            fs::write(
                d.join(format!("f{i}{j}")),
                format!("This is file f{i}{j} in d{i}."),
            )
            .unwrap();
        }
    }
    for i in 0..4 {
        fs::write(
            root.join(format!("f{i}")),
            format!("This is file f{i} in root."),
        )
        .unwrap();
    }
    root
}

pub fn deep_model_folder(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    let deepest = root.join("d0/d1/d2/d3/d4");
    fs::create_dir_all(&deepest).unwrap();
    for i in 0..4 {
        fs::write(deepest.join(format!("f{i}")), format!("This is file f{i}.")).unwrap();
    }
    root
}

pub fn opts(method: Method, algorithm: HashAlgorithm) -> HashOptions {
    HashOptions {
        method,
        algorithm,
        workers: None,
    }
}

pub fn shards(size: u64) -> Method {
    Method::Shards { shard_size: size }
}

/// Hashes with no ignore rules and symlinks refused.
pub fn hash(path: &Path, opts: &HashOptions) -> Vec<Resource> {
    hash_model(path, false, &IgnoreRules::new(), opts, &|_| {}).unwrap()
}

/// `name:hex` lines, like the reference's goldens.
pub fn lines(resources: &[Resource]) -> Vec<String> {
    resources
        .iter()
        .map(|r| format!("{}:{}", r.name, r.digest.hex()))
        .collect()
}

pub fn names(resources: &[Resource]) -> Vec<&str> {
    resources.iter().map(|r| r.name.as_str()).collect()
}

pub fn root_hex(resources: &[Resource]) -> String {
    hex::encode(root_digest(
        resources.iter().map(|r| r.digest.value.as_slice()),
    ))
}

pub const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
pub const SHA256_KNOWN: &str = "3aab065c7181a173b5dd9e9d32a9f79923440b413be1e1ffcdba26a7365f719b";
