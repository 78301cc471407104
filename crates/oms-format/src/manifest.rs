//! The manifest: resource name → digest, ordered the way the reference orders it
//! (docs/FORMAT.md §1.4), and the root digest over it (§3.2).

use std::cmp::Ordering;
use std::fmt;

use sha2::{Digest as _, Sha256};

/// A per-resource hash function. The root digest is always SHA-256 whatever this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Sha256,
    /// BLAKE2b with a 64-byte digest (`hashlib.blake2b()`); the reference's config calls it `blake2`.
    Blake2b,
    Blake3,
}

impl HashAlgorithm {
    pub const ALL: [HashAlgorithm; 3] = [Self::Sha256, Self::Blake2b, Self::Blake3];

    /// The name written in `hash_type` and in a files-method `algorithm`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Blake2b => "blake2b",
            Self::Blake3 => "blake3",
        }
    }

    /// Parses a name as a statement writes it (`hash_type`): only the exact wire names, so
    /// `SHA256` or the configuration name `blake2` never verify (they do not in the reference).
    pub fn from_wire_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.wire_name() == name)
    }

    /// Parses a name a user gives in a hashing configuration: the wire names, and `blake2`,
    /// the reference's `hashing.Config` name for BLAKE2b. Never for reading a statement.
    pub fn from_config_name(name: &str) -> Option<Self> {
        match name {
            "blake2" => Some(Self::Blake2b),
            other => Self::from_wire_name(other),
        }
    }

    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha256 | Self::Blake3 => 32,
            Self::Blake2b => 64,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire_name())
    }
}

/// How a model is cut into resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One resource per file, named by its relative POSIX path (`.` for a single-file model).
    Files,
    /// One resource per `shard_size` bytes of each non-empty file, named `path:start:end`.
    Shards { shard_size: u64 },
}

impl Method {
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Files => "files",
            Self::Shards { .. } => "shards",
        }
    }

    /// The per-resource `algorithm` string the reference writes for this method.
    pub fn algorithm_name(self, hash: HashAlgorithm) -> String {
        match self {
            Self::Files => hash.wire_name().to_string(),
            Self::Shards { shard_size } => format!("{}-sharded-{}", hash.wire_name(), shard_size),
        }
    }
}

/// The `predicate.serialization` object: how the manifest was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serialization {
    pub method: Method,
    pub hash_type: HashAlgorithm,
    pub allow_symlinks: bool,
    /// Paths relative to the model root that were ignored when signing (recorded since 1.1.0).
    pub ignore_paths: Vec<String>,
}

impl Default for Serialization {
    fn default() -> Self {
        Self {
            method: Method::Files,
            hash_type: HashAlgorithm::Sha256,
            allow_symlinks: false,
            ignore_paths: Vec::new(),
        }
    }
}

/// A digest as written in a statement: the algorithm string exactly as recorded (it takes part
/// in equality, like in the reference) and the raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    pub algorithm: String,
    pub value: Vec<u8>,
}

impl Digest {
    pub fn new(algorithm: impl Into<String>, value: Vec<u8>) -> Self {
        Self {
            algorithm: algorithm.into(),
            value,
        }
    }

    pub fn hex(&self) -> String {
        hex::encode(&self.value)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex())
    }
}

/// One manifest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub name: String,
    pub digest: Digest,
}

/// Errors about resource names and manifests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("invalid resource name {name:?}: expected {expected}")]
    InvalidName {
        name: String,
        expected: &'static str,
    },
    #[error("duplicate resource name {0:?} in the manifest")]
    DuplicateName(String),
}

/// The sort key of a resource name: path components, then numeric shard offsets. This is how
/// the reference orders `PurePosixPath` keys (`a/b` < `a-b`) and shard tuples (`f:8:16` < `f:16:24`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceKey<'a> {
    components: Vec<&'a str>,
    range: Option<(u64, u64)>,
}

impl<'a> ResourceKey<'a> {
    /// The key of a files-method name.
    pub fn file(name: &'a str) -> Self {
        Self {
            components: split_components(name),
            range: None,
        }
    }

    /// The key of a shards-method name `path:start:end`. Like the reference, exactly three
    /// `:`-separated parts are required.
    pub fn shard(name: &'a str) -> Result<Self, ManifestError> {
        let (path, start, end) = parse_shard_name(name)?;
        Ok(Self {
            components: split_components(path),
            range: Some((start, end)),
        })
    }

    /// The key of a name under the given method.
    pub fn for_method(name: &'a str, method: Method) -> Result<Self, ManifestError> {
        match method {
            Method::Files => Ok(Self::file(name)),
            Method::Shards { .. } => Self::shard(name),
        }
    }
}

fn split_components(path: &str) -> Vec<&str> {
    // PurePosixPath drops empty components and `.`; "." itself has no components.
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Splits `path:start:end` into its parts (exactly three parts, decimal offsets, start < end).
pub fn parse_shard_name(name: &str) -> Result<(&str, u64, u64), ManifestError> {
    let invalid = || ManifestError::InvalidName {
        name: name.to_string(),
        expected: "`path:start:end` with exactly 3 `:`-separated parts and start < end",
    };
    let mut parts = name.split(':');
    let (Some(path), Some(start), Some(end), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let start: u64 = start.parse().map_err(|_| invalid())?;
    let end: u64 = end.parse().map_err(|_| invalid())?;
    if start >= end {
        return Err(invalid());
    }
    Ok((path, start, end))
}

/// The shard name the reference writes.
pub fn shard_name(path: &str, start: u64, end: u64) -> String {
    format!("{path}:{start}:{end}")
}

/// Checks that a resource path (without shard suffix) stays inside the model: relative,
/// `/`-separated, no `..`, no empty or `.` components, except the single-file name `.`.
pub fn validate_resource_path(path: &str) -> Result<(), ManifestError> {
    if path == "." {
        return Ok(());
    }
    let ok = !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(())
    } else {
        Err(ManifestError::InvalidName {
            name: path.to_string(),
            expected:
                "a relative path inside the model (no leading `/`, no `.` or `..` components)",
        })
    }
}

/// A model's manifest: its name, how it was serialized, and its resources in the order they
/// are (or will be) written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub model_name: String,
    pub serialization: Serialization,
    pub resources: Vec<Resource>,
}

impl Manifest {
    /// Builds a manifest with resources sorted in the reference's order.
    pub fn new(
        model_name: impl Into<String>,
        serialization: Serialization,
        mut resources: Vec<Resource>,
    ) -> Result<Self, ManifestError> {
        sort_resources(&mut resources, serialization.method)?;
        Ok(Self {
            model_name: model_name.into(),
            serialization,
            resources,
        })
    }

    /// SHA-256 over the raw resource digests in their current order (§3.2).
    pub fn root_digest(&self) -> [u8; 32] {
        root_digest(self.resources.iter().map(|r| r.digest.value.as_slice()))
    }
}

/// Sorts resources in the reference's order; fails on a malformed shard name.
pub fn sort_resources(resources: &mut [Resource], method: Method) -> Result<(), ManifestError> {
    for r in resources.iter() {
        ResourceKey::for_method(&r.name, method)?;
    }
    resources.sort_by(|a, b| compare_names(&a.name, &b.name, method));
    Ok(())
}

/// Compares two names in the reference's order. Malformed shard names sort last, by string.
pub fn compare_names(a: &str, b: &str, method: Method) -> Ordering {
    match (
        ResourceKey::for_method(a, method),
        ResourceKey::for_method(b, method),
    ) {
        (Ok(ka), Ok(kb)) => ka.cmp(&kb),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// SHA-256 over the concatenation of the given digests.
pub fn root_digest<'a>(digests: impl IntoIterator<Item = &'a [u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str], method: Method) -> Vec<String> {
        let mut v: Vec<Resource> = names
            .iter()
            .map(|n| Resource {
                name: n.to_string(),
                digest: Digest::new("sha256", vec![]),
            })
            .collect();
        sort_resources(&mut v, method).unwrap();
        v.into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn files_sort_by_components_like_the_reference() {
        let names = [
            "é.txt", "sp ace", "ab", "a.d/x", "a.b", "a-b", "a/c:d", "a/b", "B", ".hidden",
        ];
        assert_eq!(
            sorted(&names, Method::Files),
            [".hidden", "B", "a/b", "a/c:d", "a-b", "a.b", "a.d/x", "ab", "sp ace", "é.txt"]
        );
    }

    #[test]
    fn shards_sort_numerically() {
        let m = Method::Shards { shard_size: 8 };
        assert_eq!(
            sorted(
                &["f:96:100", "f:16:24", "f:8:16", "f:0:8", "a-b:0:1", "a/b:0:1"],
                m
            ),
            ["a/b:0:1", "a-b:0:1", "f:0:8", "f:8:16", "f:16:24", "f:96:100"]
        );
    }

    #[test]
    fn shard_names_need_exactly_three_parts() {
        assert_eq!(
            parse_shard_name("w.bin:0:1000").unwrap(),
            ("w.bin", 0, 1000)
        );
        for bad in ["a/c:d:0:3", "a:0", "a:x:3", "a:3:3", "a:4:3"] {
            assert!(parse_shard_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn root_digest_of_empty_manifest_is_sha256_of_nothing() {
        let m = Manifest::new("m", Serialization::default(), vec![]).unwrap();
        assert_eq!(
            hex::encode(m.root_digest()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn root_digest_of_single_file_model() {
        let file = Sha256::digest(b"This is a simple model").to_vec();
        let m = Manifest::new(
            "m",
            Serialization::default(),
            vec![Resource {
                name: ".".into(),
                digest: Digest::new("sha256", file),
            }],
        )
        .unwrap();
        assert_eq!(
            hex::encode(m.root_digest()),
            "002d162f867c5eee944e5080d25829b6625be0e3f081f6fbafc7dd655ca2e178"
        );
    }

    #[test]
    fn resource_paths_must_stay_inside_the_model() {
        for ok in [".", "a", "a/b", "é/ü x"] {
            assert!(validate_resource_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a/.",
            "a\\b",
        ] {
            assert!(validate_resource_path(bad).is_err(), "{bad}");
        }
    }

    /// A statement is read with the wire names only; a configuration also takes the
    /// reference's `blake2`.
    #[test]
    fn wire_names_and_config_names() {
        for h in HashAlgorithm::ALL {
            assert_eq!(HashAlgorithm::from_wire_name(h.wire_name()), Some(h));
            assert_eq!(HashAlgorithm::from_config_name(h.wire_name()), Some(h));
        }
        for name in ["blake2", "SHA256", "Blake3", "md5", ""] {
            assert_eq!(HashAlgorithm::from_wire_name(name), None, "{name}");
        }
        assert_eq!(
            HashAlgorithm::from_config_name("blake2"),
            Some(HashAlgorithm::Blake2b)
        );
        assert_eq!(HashAlgorithm::from_config_name("SHA256"), None);
    }

    #[test]
    fn algorithm_names_per_method() {
        assert_eq!(
            Method::Files.algorithm_name(HashAlgorithm::Blake2b),
            "blake2b"
        );
        assert_eq!(
            Method::Shards {
                shard_size: 1_000_000_000
            }
            .algorithm_name(HashAlgorithm::Sha256),
            "sha256-sharded-1000000000"
        );
    }
}
