//! Interoperability with the Python reference `model_signing` 1.1.1, in both directions:
//! it verifies what we sign, we verify what it signs (CLI and library API, including the shard
//! and BLAKE hashings only its library can produce), and our `digest` is its subject digest.
//!
//! Needs the reference virtualenv and the all-MiniLM-L6-v2 model files: run
//! `scripts/setup-reference.sh` (CI does), or set MODEL_SIGNING_REF_VENV. Without them these
//! tests fail rather than pass vacuously.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::bundle::{read_json, resource_names, statement, subject_digest};
use common::models::{pattern, rich_model, write};
use common::pki::{ec_key, pki, Curve, KeyFormat, KeyPair, Pki};
use common::{fixtures, minilm_model, sha256_hex, tempdir, Output, Run};

// --- the two command lines -----------------------------------------------------------------

fn sign_key(run: Run, model: &Path, sig: &Path, key: &KeyPair, extra: &[&str]) -> Output {
    run.args(["sign", "key", "--private_key"])
        .arg(&key.private)
        .arg("--signature")
        .arg(sig)
        .args(extra)
        .arg(model)
        .run()
}

fn verify_key(run: Run, model: &Path, sig: &Path, key: &KeyPair, extra: &[&str]) -> Output {
    run.args(["verify", "key", "--public_key"])
        .arg(&key.public)
        .arg("--signature")
        .arg(sig)
        .args(extra)
        .arg(model)
        .run()
}

fn sign_certificate(run: Run, model: &Path, sig: &Path, pki: &Pki) -> Output {
    run.args(["sign", "certificate", "--private_key"])
        .arg(&pki.leaf.private)
        .arg("--signing_certificate")
        .arg(&pki.leaf_cert)
        .arg("--certificate_chain")
        .arg(&pki.intermediate_cert)
        .arg("--signature")
        .arg(sig)
        .arg(model)
        .run()
}

fn verify_certificate(run: Run, model: &Path, sig: &Path, pki: &Pki) -> Output {
    run.args(["verify", "certificate", "--certificate_chain"])
        .arg(&pki.root_cert)
        .arg("--signature")
        .arg(sig)
        .arg(model)
        .run()
}

/// Our `digest` output, as bare hex.
fn our_digest(model: &Path, extra: &[&str]) -> String {
    let out = Run::ours().arg("digest").args(extra).arg(model).run();
    out.ok();
    out.stdout
        .strip_prefix("sha256:")
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("digest output {:?}", out.stdout))
        .to_owned()
}

/// Signs through the reference's library API with an explicit hashing configuration.
const API_SIGN: &str = r#"
import sys
import model_signing
model, sig, key, algorithm, method, shard_size = sys.argv[1:7]
hashing = model_signing.hashing.Config()
if method == "shards":
    hashing = hashing.use_shard_serialization(hashing_algorithm=algorithm, shard_size=int(shard_size))
else:
    hashing = hashing.use_file_serialization(hashing_algorithm=algorithm)
(model_signing.signing.Config()
    .use_elliptic_key_signer(private_key=key)
    .set_hashing_config(hashing)
    .sign(model, sig))
print("api: signed")
"#;

/// Verifies through the reference's library API; `method == "guess"` lets the reference derive
/// the hashing configuration from the signature (its default when no config is set).
const API_VERIFY: &str = r#"
import sys
import model_signing
model, sig, key, algorithm, method, shard_size = sys.argv[1:7]
config = model_signing.verifying.Config().use_elliptic_key_verifier(public_key=key)
if method == "shards":
    config = config.set_hashing_config(model_signing.hashing.Config().use_shard_serialization(
        hashing_algorithm=algorithm, shard_size=int(shard_size)))
elif method == "files":
    config = config.set_hashing_config(
        model_signing.hashing.Config().use_file_serialization(hashing_algorithm=algorithm))
config.verify(model, sig)
print("api: verified")
"#;

fn api(
    script: &str,
    model: &Path,
    sig: &Path,
    key: &Path,
    algorithm: &str,
    method: &str,
    shard_size: u64,
) -> Output {
    Run::reference_python(script)
        .arg(model)
        .arg(sig)
        .arg(key)
        .args([algorithm, method, &shard_size.to_string()])
        .run()
}

fn key_formats() -> [(Curve, KeyFormat); 3] {
    [
        (Curve::P256, KeyFormat::Pkcs8),
        (Curve::P384, KeyFormat::Sec1),
        (Curve::P521, KeyFormat::Pkcs8),
    ]
}

// --- the reference verifies our signatures -------------------------------------------------

#[test]
fn reference_verifies_our_key_signatures_on_every_curve() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "my model");
    for (curve, format) in key_formats() {
        let key = ec_key(dir.path(), &format!("{curve:?}"), curve, format);
        let sig = dir.path().join(format!("{curve:?}.sig"));
        sign_key(Run::ours(), &model, &sig, &key, &[]).signed();
        // The key hint is SHA-256 of the canonical PEM (which is what openssl writes).
        let hint = &read_json(&sig)["verificationMaterial"]["publicKey"]["hint"];
        assert_eq!(
            hint,
            &Value::String(sha256_hex(&fs::read(&key.public).unwrap()))
        );
        verify_key(Run::reference(), &model, &sig, &key, &[]).verified();
    }
}

#[test]
fn reference_verifies_our_signature_made_with_the_certtool_fixture_key() {
    // The fixture key is SEC1 P-384 with a text preamble before the PEM block.
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    let keys = fixtures().join("model-transparency/keys/certificate");
    let key = KeyPair {
        curve: Curve::P384,
        private: keys.join("signing-key.pem"),
        public: keys.join("signing-key-pub.pem"),
    };
    let sig = dir.path().join("model.sig");
    sign_key(Run::ours(), &model, &sig, &key, &[]).signed();
    let hint = read_json(&sig)["verificationMaterial"]["publicKey"]["hint"].clone();
    assert!(hint.as_str().unwrap().starts_with("e8450dec"), "{hint}");
    verify_key(Run::reference(), &model, &sig, &key, &[]).verified();
}

#[test]
fn reference_verifies_our_certificate_signatures() {
    for curve in Curve::ALL {
        let dir = tempdir();
        let model = rich_model(dir.path(), "model");
        let pki = pki(dir.path(), curve);
        let sig = dir.path().join("cert.sig");
        sign_certificate(Run::ours(), &model, &sig, &pki).signed();
        let chain =
            &read_json(&sig)["verificationMaterial"]["x509CertificateChain"]["certificates"];
        assert_eq!(
            chain.as_array().map(Vec::len),
            Some(2),
            "[leaf, intermediate]"
        );
        verify_certificate(Run::reference(), &model, &sig, &pki).verified();
    }
}

#[test]
fn reference_rejects_our_signature_once_the_model_changes() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let sig = dir.path().join("model.sig");
    sign_key(Run::ours(), &model, &sig, &key, &[]).signed();
    write(&model, "sub/.git/HEAD", b"nested change\n");
    verify_key(Run::reference(), &model, &sig, &key, &[])
        .failed()
        .stderr_names("sub/.git/HEAD");
}

#[test]
fn reference_library_verifies_our_shard_and_blake_signatures() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let cases: [(&[&str], &str, &str, u64); 4] = [
        (
            // rich_model holds an empty file, which our shards signing refuses by default.
            &[
                "--method",
                "shards",
                "--shard-size",
                "1000",
                "--allow-empty-files-in-shards",
            ],
            "sha256",
            "shards",
            1000,
        ),
        (
            &["--method", "shards", "--allow-empty-files-in-shards"],
            "sha256",
            "shards",
            1_000_000_000,
        ),
        (&["--hash-algorithm", "blake2b"], "blake2", "files", 0),
        (&["--hash-algorithm", "blake3"], "blake3", "files", 0),
    ];
    for (flags, algorithm, method, shard_size) in cases {
        let sig = dir.path().join("api.sig");
        sign_key(Run::ours(), &model, &sig, &key, flags).signed();
        api(
            API_VERIFY,
            &model,
            &sig,
            &key.public,
            algorithm,
            method,
            shard_size,
        )
        .ok();
        // Our own CLI reads the hashing from the signature.
        verify_key(Run::ours(), &model, &sig, &key, &[]).verified();
    }
    // An integral shard_size lets the reference guess the configuration from the signature.
    let sig = dir.path().join("guess.sig");
    sign_key(
        Run::ours(),
        &model,
        &sig,
        &key,
        &[
            "--method",
            "shards",
            "--shard-size",
            "1000",
            "--allow-empty-files-in-shards",
        ],
    )
    .signed();
    let serialization = &statement(&sig)["predicate"]["serialization"];
    assert_eq!(serialization["shard_size"], Value::from(1000));
    assert!(resource_names(&sig).contains(&"weights.bin:4000:5000".to_owned()));
    api(API_VERIFY, &model, &sig, &key.public, "", "guess", 0).ok();
}

// --- we verify the reference's signatures --------------------------------------------------

#[test]
fn we_verify_reference_key_signatures_on_every_curve() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "my model");
    for (curve, format) in key_formats() {
        let key = ec_key(dir.path(), &format!("{curve:?}"), curve, format);
        let sig = dir.path().join(format!("{curve:?}.sig"));
        sign_key(Run::reference(), &model, &sig, &key, &[]).signed();
        verify_key(Run::ours(), &model, &sig, &key, &[]).verified();
    }
}

#[test]
fn we_verify_reference_certificate_signatures() {
    for curve in [Curve::P256, Curve::P384] {
        let dir = tempdir();
        let model = rich_model(dir.path(), "model");
        let pki = pki(dir.path(), curve);
        let sig = dir.path().join("cert.sig");
        sign_certificate(Run::reference(), &model, &sig, &pki).signed();
        verify_certificate(Run::ours(), &model, &sig, &pki).verified();
        // And only against the right root.
        let other_dir = dir.path().join("other");
        fs::create_dir_all(&other_dir).unwrap();
        let other = pki_for(&other_dir);
        verify_certificate(Run::ours(), &model, &sig, &other)
            .failed()
            .stderr_names("unable to get issuer certificate");
    }
}

fn pki_for(dir: &Path) -> Pki {
    pki(dir, Curve::P256)
}

#[test]
fn we_verify_reference_library_shard_and_blake_signatures() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    // A file spanning many shards, and one whose size is a multiple of the shard size.
    write(&model, "big.bin", &pattern(10_000, 5));
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let cases: [(&str, &str, u64, &str); 6] = [
        ("sha256", "shards", 1000, "sha256-sharded-1000"),
        (
            "sha256",
            "shards",
            1_000_000_000,
            "sha256-sharded-1000000000",
        ),
        ("blake2", "files", 0, "blake2b"),
        ("blake3", "files", 0, "blake3"),
        ("blake2", "shards", 7, "blake2b-sharded-7"),
        // The reference silently writes shards + blake3 as files + blake3.
        ("blake3", "shards", 1000, "blake3"),
    ];
    for (algorithm, method, shard_size, wire_algorithm) in cases {
        let sig = dir
            .path()
            .join(format!("{algorithm}-{method}-{shard_size}.sig"));
        api(
            API_SIGN,
            &model,
            &sig,
            &key.private,
            algorithm,
            method,
            shard_size,
        )
        .ok();
        let resources = statement(&sig)["predicate"]["resources"].clone();
        assert_eq!(resources[0]["algorithm"], Value::from(wire_algorithm));
        verify_key(Run::ours(), &model, &sig, &key, &[]).verified();
        // Tampering is still caught whatever the hashing.
        let original = fs::read(model.join("big.bin")).unwrap();
        let mut changed = original.clone();
        changed[9999] ^= 0xff;
        fs::write(model.join("big.bin"), &changed).unwrap();
        verify_key(Run::ours(), &model, &sig, &key, &[])
            .failed()
            .stderr_names("big.bin");
        fs::write(model.join("big.bin"), &original).unwrap();
    }
}

// --- the same model, signed by both --------------------------------------------------------

/// Signs `model` with both implementations (into `dir`/ours.sig and `dir`/ref.sig), checks each
/// verifies the other's signature and that both state the same. Returns (ours, reference)
/// signature paths.
fn cross_sign_alike(
    dir: &Path,
    model: &Path,
    key: &KeyPair,
    sign_extra: &[&str],
    verify_extra: &[&str],
) -> (PathBuf, PathBuf) {
    let ours_sig = dir.join("ours.sig");
    let ref_sig = dir.join("ref.sig");
    sign_key(Run::ours(), model, &ours_sig, key, sign_extra).signed();
    sign_key(Run::reference(), model, &ref_sig, key, sign_extra).signed();
    verify_key(Run::reference(), model, &ours_sig, key, verify_extra).verified();
    verify_key(Run::ours(), model, &ref_sig, key, verify_extra).verified();
    assert_same_statement(&ours_sig, &ref_sig);
    (ours_sig, ref_sig)
}

/// Each implementation verifies the other's signature of `model`: [ours checking the
/// reference's, the reference checking ours].
fn verify_each_other(model: &Path, key: &KeyPair, ours: &Path, reference: &Path) -> [Output; 2] {
    [
        verify_key(Run::ours(), model, reference, key, &[]),
        verify_key(Run::reference(), model, ours, key, &[]),
    ]
}

/// The parts of two statements that must agree exactly: subject digest, resources in order,
/// and the serialization (ignore paths as a set: the reference's order is random).
fn assert_same_statement(ours: &Path, reference: &Path) {
    let a = statement(ours);
    let b = statement(reference);
    assert_eq!(subject_digest(ours), subject_digest(reference));
    assert_eq!(a["subject"][0]["name"], b["subject"][0]["name"]);
    assert_eq!(a["predicate"]["resources"], b["predicate"]["resources"]);
    let (sa, sb) = (
        &a["predicate"]["serialization"],
        &b["predicate"]["serialization"],
    );
    for field in ["method", "hash_type", "allow_symlinks"] {
        assert_eq!(sa[field], sb[field], "serialization.{field}");
    }
    let set = |v: &Value| -> BTreeSet<String> {
        v["ignore_paths"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert_eq!(set(sa), set(sb), "serialization.ignore_paths");
}

#[test]
fn rich_model_signs_identically_to_the_reference() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "my model");
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let (ours, reference) = cross_sign_alike(dir.path(), &model, &key, &[], &[]);
    assert_eq!(our_digest(&model, &[]), subject_digest(&reference));
    let names = resource_names(&reference);
    for signed in [
        "sub/.git/HEAD",
        "sub/.gitignore",
        ".gitmodules",
        "empty.txt",
        "caf\u{e9}.txt",
        "cafe\u{301}.txt",
    ] {
        assert!(
            names.contains(&signed.to_owned()),
            "{signed} must be signed: {names:?}"
        );
    }
    for ignored in [
        ".git/HEAD",
        ".gitattributes",
        ".gitignore",
        ".github/workflows/ci.yml",
    ] {
        assert!(
            !names.contains(&ignored.to_owned()),
            "{ignored} must be ignored"
        );
    }
    // Harmless and harmful changes are judged alike by both.
    write(&model, ".git/HEAD", b"moved\n");
    fs::create_dir_all(model.join("new-empty-dir")).unwrap();
    for out in verify_each_other(&model, &key, &ours, &reference) {
        out.verified();
    }
    write(&model, "sub/.gitignore", b"changed\n");
    for out in verify_each_other(&model, &key, &ours, &reference) {
        out.failed().stderr_names("sub/.gitignore");
    }
}

#[test]
fn git_paths_included_sign_identically_to_the_reference() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    let key = ec_key(dir.path(), "k", Curve::P384, KeyFormat::Pkcs8);
    let flags = ["--no-ignore-git-paths"];
    let (_ours, reference) = cross_sign_alike(dir.path(), &model, &key, &flags, &flags);
    assert_eq!(our_digest(&model, &flags), subject_digest(&reference));
}

#[test]
fn ignored_paths_sign_identically_and_are_honoured_from_the_signature() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let sub = model.join("sub");
    let readme = model.join("README.md");
    let missing = model.join("does-not-exist");
    let flags = [
        "--ignore-paths",
        sub.to_str().unwrap(),
        "--ignore-paths",
        readme.to_str().unwrap(),
        "--ignore-paths",
        missing.to_str().unwrap(),
    ];
    let (ours, reference) = cross_sign_alike(dir.path(), &model, &key, &flags, &[]);
    assert_eq!(our_digest(&model, &flags), subject_digest(&reference));
    // The recorded ignore paths cover later changes there, for both verifiers.
    write(&model, "sub/new.txt", b"new\n");
    write(&model, "README.md", b"rewritten\n");
    for out in verify_each_other(&model, &key, &ours, &reference) {
        out.verified();
    }
}

#[test]
fn signature_inside_the_model_works_both_ways() {
    let dir = tempdir();
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    // Two identical models, one signed by each implementation, signature inside the model,
    // README.md ignored at signing and changed afterwards.
    let mut signatures = Vec::new();
    for (who, signer, verifier) in [
        ("ref", Run::reference(), Run::ours()),
        ("ours", Run::ours(), Run::reference()),
    ] {
        let parent = dir.path().join(who);
        let model = rich_model(&parent, "model");
        let sig = model.join("model.sig");
        let readme = model.join("README.md");
        let flags = ["--ignore-paths", readme.to_str().unwrap()];
        sign_key(signer, &model, &sig, &key, &flags).signed();
        let recorded = &statement(&sig)["predicate"]["serialization"]["ignore_paths"];
        for entry in ["model.sig", "README.md", ".git"] {
            assert!(
                recorded.as_array().unwrap().contains(&Value::from(entry)),
                "{who}: {entry} must be recorded in {recorded}"
            );
        }
        // digest adds no signature file: ignore it explicitly to get the subject digest.
        let digest_flags = [
            "--ignore-paths",
            readme.to_str().unwrap(),
            "--ignore-paths",
            sig.to_str().unwrap(),
        ];
        assert_eq!(
            our_digest(&model, &digest_flags),
            subject_digest(&sig),
            "{who}"
        );
        write(&model, "README.md", b"edited after signing\n");
        verify_key(verifier, &model, &sig, &key, &[]).verified();
        signatures.push(sig);
    }
    assert_same_statement(&signatures[1], &signatures[0]);
}

#[test]
fn model_path_forms_give_the_same_digest() {
    let dir = tempdir();
    let model = rich_model(dir.path(), "model");
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let sig = dir.path().join("ref.sig");
    // The reference run from inside the model, on `.`.
    Run::reference()
        .cwd(&model)
        .args(["sign", "key", "--private_key"])
        .arg(&key.private)
        .arg("--signature")
        .arg(&sig)
        .arg(".")
        .run()
        .signed();
    assert_eq!(statement(&sig)["subject"][0]["name"], Value::from("model"));
    let want = format!("sha256:{}\n", subject_digest(&sig));
    let parent = dir.path().to_path_buf();
    for (cwd, path) in [
        (&model, "."),
        (&model, "./"),
        (&parent, "model/"),
        (&parent, "model/../model"),
    ] {
        let out = Run::ours().cwd(cwd).args(["digest", path]).run();
        out.ok();
        assert_eq!(out.stdout, want, "digest {path}");
    }
    let ours = dir.path().join("ours.sig");
    Run::ours()
        .cwd(&model)
        .args(["sign", "key", "--private-key"])
        .arg(&key.private)
        .arg("--signature")
        .arg(&ours)
        .arg(".")
        .run()
        .signed();
    assert_same_statement(&ours, &sig);
}

#[test]
fn single_file_model_works_both_ways() {
    let dir = tempdir();
    let file = write(dir.path(), "model.safetensors", &pattern(3000, 11));
    let key = ec_key(dir.path(), "k", Curve::P521, KeyFormat::Pkcs8);
    let (ours, reference) = cross_sign_alike(dir.path(), &file, &key, &[], &[]);
    assert_eq!(resource_names(&ours), vec![".".to_owned()]);
    assert_eq!(our_digest(&file, &[]), subject_digest(&reference));
}

#[test]
fn empty_files_and_folders_sign_identically() {
    let dir = tempdir();
    let model = dir.path().join("model");
    write(&model, "empty-a", b"");
    write(&model, "nested/empty-b", b"");
    fs::create_dir_all(model.join("empty-folder/deeper")).unwrap();
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Sec1);
    let (ours, _reference) = cross_sign_alike(dir.path(), &model, &key, &[], &[]);
    assert_eq!(
        resource_names(&ours),
        vec!["empty-a".to_owned(), "nested/empty-b".to_owned()]
    );
}

#[test]
fn real_minilm_model_works_both_ways() {
    let model = minilm_model();
    let dir = tempdir();
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let (ours, reference) = cross_sign_alike(dir.path(), &model, &key, &[], &[]);
    assert_eq!(our_digest(&model, &[]), subject_digest(&reference));
    let names = resource_names(&ours);
    assert!(names.contains(&"model.safetensors".to_owned()));
    assert!(names.contains(&"1_Pooling/config.json".to_owned()));
    assert!(!names.contains(&".gitattributes".to_owned()));
    let pki_dir = dir.path().join("pki");
    fs::create_dir_all(&pki_dir).unwrap();
    let pki = pki(&pki_dir, Curve::P384);
    let ours_cert = dir.path().join("ours-cert.sig");
    let ref_cert = dir.path().join("ref-cert.sig");
    sign_certificate(Run::ours(), &model, &ours_cert, &pki).signed();
    sign_certificate(Run::reference(), &model, &ref_cert, &pki).signed();
    verify_certificate(Run::reference(), &model, &ours_cert, &pki).verified();
    verify_certificate(Run::ours(), &model, &ref_cert, &pki).verified();
}
