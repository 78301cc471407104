//! Verify-plus-scan through the one verification plan (cargo feature `scan`): the scan of the
//! bytes hashed from disk and the scan of the same bytes read once into memory agree, over
//! generated models and every hashing option; a model that does not verify is never scanned.

#![cfg(feature = "scan")]

use std::fs;
use std::path::Path;

use model_signing::signers::KeySigner;
use model_signing::verifiers::KeyVerifier;
use model_signing::{
    no_progress, plan_verification, sign_model, Error, HashAlgorithm, HashingConfig, Method,
    ScannedModel, VerificationPlan, VerifyOptions,
};
use oms_keys::{Curve, SigningKey};
use oms_scan::{Policy, Verdict};

/// A protocol-0 pickle whose loader calls `os.system("ls")`.
const RUNS_CODE: &[u8] = b"cos\nsystem\n(S'ls'\ntR.";
/// A protocol-0 pickle of a plain list: nothing to import.
const PLAIN: &[u8] = b"(lp0\nI1\naI2\na.";

/// A small deterministic generator (no dependency for one loop).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A model of text, opaque bytes and pickles, one of them perhaps running code.
fn model(dir: &Path, rng: &mut Lcg, dangerous: bool) {
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(dir.join("config.json"), b"{\"layers\": 2}").unwrap();
    let len = 1 + rng.next() % 3000;
    let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    fs::write(dir.join("sub/weights.bin"), bytes).unwrap();
    fs::write(dir.join("plain.pkl"), PLAIN).unwrap();
    if dangerous {
        fs::write(dir.join("sub/model.pkl"), RUNS_CODE).unwrap();
    }
}

fn plan(dir: &Path, bundle: &[u8], verifier: &KeyVerifier) -> VerificationPlan {
    plan_verification(dir, bundle, verifier, &VerifyOptions::default()).unwrap()
}

/// The plan's files read once into memory, as the Python package reads them.
fn read_all(plan: &VerificationPlan) -> Vec<(String, Vec<u8>)> {
    plan.files()
        .iter()
        .map(|f| {
            let mut buf = vec![0u8; usize::try_from(f.len).unwrap()];
            oms_hashing::read_listed(f, &mut buf).unwrap();
            (f.name.clone(), buf)
        })
        .collect()
}

#[test]
fn on_disk_and_in_memory_scans_agree() {
    let key = SigningKey::generate(Curve::P256);
    let verifier = KeyVerifier::new(key.verifying_key());
    let signer = KeySigner::new(key);
    let policy = Policy::default();
    let mut rng = Lcg(16);
    for case in 0..12 {
        let dangerous = case % 2 == 0;
        let dir = tempfile::tempdir().unwrap();
        model(dir.path(), &mut rng, dangerous);
        let algorithm = HashAlgorithm::ALL[case % 3];
        let method = if case % 4 < 2 {
            Method::Files
        } else {
            Method::Shards {
                shard_size: 1 + rng.next() % 64,
            }
        };
        let cfg = HashingConfig {
            method,
            algorithm,
            ..HashingConfig::default()
        };
        let bundle = sign_model(dir.path(), &cfg, &signer, &no_progress).unwrap();

        let on_disk: ScannedModel = plan(dir.path(), &bundle, &verifier)
            .verify_and_scan_on_disk(&no_progress, &policy)
            .unwrap();
        let in_memory_plan = plan(dir.path(), &bundle, &verifier);
        let contents = read_all(&in_memory_plan);
        let in_memory = in_memory_plan
            .verify_and_scan_contents(&contents, &policy)
            .unwrap();
        assert_eq!(on_disk, in_memory, "case {case}: {method:?} {algorithm}");

        let flagged: Vec<&str> = on_disk
            .scan
            .files
            .iter()
            .filter(|f| f.verdict == Verdict::Dangerous)
            .map(|f| f.name.as_str())
            .collect();
        let expected: &[&str] = if dangerous { &["sub/model.pkl"] } else { &[] };
        assert_eq!(flagged, expected, "case {case}");
        assert_eq!(
            on_disk.scan.failure(true).is_some(),
            dangerous,
            "case {case}"
        );
    }
}

/// A model that does not match its signature gives the mismatch, not a scan.
#[test]
fn a_model_that_does_not_verify_is_not_scanned() {
    let key = SigningKey::generate(Curve::P256);
    let verifier = KeyVerifier::new(key.verifying_key());
    let signer = KeySigner::new(key);
    let dir = tempfile::tempdir().unwrap();
    model(dir.path(), &mut Lcg(1), false);
    let bundle = sign_model(dir.path(), &HashingConfig::default(), &signer, &no_progress).unwrap();
    fs::write(dir.path().join("plain.pkl"), RUNS_CODE).unwrap();
    let result = plan(dir.path(), &bundle, &verifier)
        .verify_and_scan_on_disk(&no_progress, &Policy::default());
    match result {
        Err(Error::Mismatch(report)) => {
            assert_eq!(report.changed.len(), 1);
            assert_eq!(report.changed[0].name, "plain.pkl");
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}
