//! Verifying file contents already in memory against a signed manifest, so that a loader can be
//! handed exactly the bytes that were hashed (no second read of the file, no time-of-check to
//! time-of-use gap).

use oms_format::manifest::shard_name;
use oms_format::{statement, Digest, HashAlgorithm, Manifest, Method, Resource};
use rayon::prelude::*;

use crate::{BundleVerifier, Error, VerificationReport, VerifiedModel};

/// Checks a bundle's signature and signer and returns what it signs, without hashing anything.
/// Pair it with [`verify_contents`] to verify bytes that were read once.
pub fn verify_signature(
    bundle: &[u8],
    verifier: &dyn BundleVerifier,
) -> Result<VerifiedModel, Error> {
    let verified = verifier.verify(bundle)?;
    let signed = statement::parse_statement(&verified.payload)?;
    Ok(VerifiedModel {
        signer: verified.signer,
        warnings: verified.warnings,
        manifest: signed.manifest,
        legacy: signed.legacy,
        hard_linked: Vec::new(),
    })
}

/// Hashes in-memory files (`(resource path, contents)`, paths relative and `/`-separated, `.`
/// for a single-file model) into the resources hashing them on disk with `method` and
/// `algorithm` gives: same names, same digests. Files and shards are hashed in parallel on the
/// current rayon pool.
pub fn hash_contents<B: AsRef<[u8]> + Sync>(
    files: &[(String, B)],
    method: Method,
    algorithm: HashAlgorithm,
) -> Vec<Resource> {
    // The method hashing on disk would use (BLAKE3 never shards).
    let method = oms_hashing::HashOptions {
        method,
        algorithm,
        workers: None,
    }
    .effective_method();
    let name = method.algorithm_name(algorithm);
    let units: Vec<(String, &[u8])> = match method {
        Method::Files => files
            .iter()
            .map(|(path, data)| (path.clone(), data.as_ref()))
            .collect(),
        Method::Shards { shard_size } => files
            .iter()
            .flat_map(|(path, data)| shards(path, data.as_ref(), shard_size))
            .collect(),
    };
    units
        .into_par_iter()
        .map(|(resource, data)| Resource {
            name: resource,
            digest: Digest::new(name.clone(), oms_hashing::digest_bytes(algorithm, data)),
        })
        .collect()
}

/// The shards of one file's contents, named `path:start:end`; an empty file has none.
fn shards<'a>(path: &'a str, data: &'a [u8], shard_size: u64) -> Vec<(String, &'a [u8])> {
    let size = usize::try_from(shard_size).unwrap_or(usize::MAX).max(1);
    let mut start = 0u64;
    data.chunks(size)
        .map(|chunk| {
            let end = start + chunk.len() as u64;
            let named = (shard_name(path, start, end), chunk);
            start = end;
            named
        })
        .collect()
}

/// Verifies in-memory files against a manifest that [`verify_signature`] returned, hashing
/// them the way the manifest records. A difference gives [`Error::Mismatch`].
pub fn verify_contents<B: AsRef<[u8]> + Sync>(
    expected: &Manifest,
    files: &[(String, B)],
) -> Result<(), Error> {
    let ser = &expected.serialization;
    let actual = hash_contents(files, ser.method, ser.hash_type);
    let report = VerificationReport::compare(&expected.resources, &actual, ser.method);
    if report.is_match() {
        Ok(())
    } else {
        Err(Error::Mismatch(Box::new(report)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oms_hashing::{HashOptions, IgnoreRules};

    fn on_disk(
        files: &[(String, Vec<u8>)],
        method: Method,
        algorithm: HashAlgorithm,
    ) -> Vec<Resource> {
        let dir = tempfile::tempdir().unwrap();
        for (name, data) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        let opts = HashOptions {
            method,
            algorithm,
            workers: Some(2),
        };
        oms_hashing::hash_model(dir.path(), false, &IgnoreRules::new(), &opts, &|_| {}).unwrap()
    }

    fn sorted(mut r: Vec<Resource>) -> Vec<(String, String)> {
        r.sort_by(|a, b| a.name.cmp(&b.name));
        r.into_iter()
            .map(|r| (r.name, r.digest.to_string()))
            .collect()
    }

    #[test]
    fn in_memory_resources_equal_the_on_disk_ones() {
        let files = vec![
            ("a.bin".to_string(), (0..100u8).collect::<Vec<_>>()),
            ("empty".to_string(), Vec::new()),
            ("sub/b.txt".to_string(), b"hello world".to_vec()),
        ];
        for method in [
            Method::Files,
            Method::Shards { shard_size: 7 },
            Method::Shards { shard_size: 100 },
        ] {
            for algorithm in [
                HashAlgorithm::Sha256,
                HashAlgorithm::Blake2b,
                HashAlgorithm::Blake3,
            ] {
                assert_eq!(
                    sorted(hash_contents(&files, method, algorithm)),
                    sorted(on_disk(&files, method, algorithm)),
                    "{method:?} {algorithm:?}"
                );
            }
        }
    }

    #[test]
    fn changed_contents_are_a_mismatch_naming_the_file() {
        let files = vec![("w".to_string(), b"weights".to_vec())];
        let manifest = Manifest::new(
            "m",
            oms_format::Serialization::default(),
            hash_contents(&files, Method::Files, HashAlgorithm::Sha256),
        )
        .unwrap();
        verify_contents(&manifest, &files).unwrap();
        let tampered = vec![("w".to_string(), b"weightz".to_vec())];
        match verify_contents(&manifest, &tampered) {
            Err(Error::Mismatch(report)) => {
                assert_eq!(report.changed.len(), 1);
                assert_eq!(report.changed[0].name, "w");
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }
}
