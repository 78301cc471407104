//! The command-line surface of the reference CLI that scripts depend on: both spellings of every
//! flag (1.1.1 underscores, HEAD hyphens), exit codes (0 ok, 1 failure, 2 usage), the default
//! `sigstore` method, `--version`, and `digest`'s output.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use common::bundle::subject_digest;
use common::models::{small_model, write};
use common::pki::{ec_key, pki, Curve, KeyFormat, KeyPair, Pki};
use common::{fixtures, sha256_hex, tempdir, unhex, Run};

struct Setup {
    dir: TempDir,
    model: PathBuf,
    key: KeyPair,
}

impl Setup {
    fn new() -> Self {
        let dir = tempdir();
        let model = small_model(dir.path(), "model");
        let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
        Setup { dir, model, key }
    }

    fn sig(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn sign_key(&self, sig: &Path, private_flag: &str, extra: &[&str]) -> common::Output {
        Run::ours()
            .args(["sign", "key", private_flag])
            .arg(&self.key.private)
            .arg("--signature")
            .arg(sig)
            .args(extra)
            .arg(&self.model)
            .run()
    }

    fn verify_key(&self, sig: &Path, public_flag: &str, extra: &[&str]) -> common::Output {
        Run::ours()
            .args(["verify", "key", public_flag])
            .arg(&self.key.public)
            .arg("--signature")
            .arg(sig)
            .args(extra)
            .arg(&self.model)
            .run()
    }
}

// --- both spellings ------------------------------------------------------------------------

#[test]
fn key_flags_work_in_both_spellings() {
    let s = Setup::new();
    for (private_flag, public_flag) in [
        ("--private_key", "--public_key"),
        ("--private-key", "--public-key"),
        ("--private_key", "--public-key"),
        ("--private-key", "--public_key"),
    ] {
        let sig = s.sig("k.sig");
        s.sign_key(&sig, private_flag, &[]).signed();
        s.verify_key(&sig, public_flag, &[]).verified();
    }
}

#[test]
fn ignore_flags_work_in_both_spellings() {
    let s = Setup::new();
    let readme = s.model.join("README.md");
    let readme = readme.to_str().unwrap();
    for flag in ["--ignore-paths", "--ignore_paths"] {
        let sig = s.sig("ignore.sig");
        s.sign_key(&sig, "--private_key", &[flag, readme]).signed();
        assert!(!common::bundle::resource_names(&sig).contains(&"README.md".to_owned()));
        s.verify_key(&sig, "--public_key", &[flag, readme])
            .verified();
    }
    for (on, off) in [
        ("--ignore-git-paths", "--no-ignore-git-paths"),
        ("--ignore_git_paths", "--no_ignore_git_paths"),
    ] {
        let sig = s.sig("git.sig");
        s.sign_key(&sig, "--private_key", &[off]).signed();
        assert!(common::bundle::resource_names(&sig).contains(&".git/HEAD".to_owned()));
        s.verify_key(&sig, "--public_key", &[off]).verified();
        // The last of the pair wins, as with click.
        s.verify_key(&sig, "--public_key", &[off, on])
            .failed()
            .stderr_names(".git/HEAD");
        s.verify_key(&sig, "--public_key", &[on, off]).verified();
    }
}

#[test]
fn allow_symlinks_works_in_both_spellings() {
    let s = Setup::new();
    let target = write(s.dir.path(), "outside.txt", b"linked\n");
    std::os::unix::fs::symlink(&target, s.model.join("link.txt")).unwrap();
    let sig = s.sig("links.sig");
    s.sign_key(&sig, "--private_key", &[])
        .failed()
        .stderr_names("link.txt");
    for flag in ["--allow_symlinks", "--allow-symlinks"] {
        s.sign_key(&sig, "--private_key", &[flag]).signed();
        s.verify_key(&sig, "--public_key", &[flag]).verified();
    }
    // The command-line flag decides on verify, not the recorded value.
    s.verify_key(&sig, "--public_key", &[])
        .failed()
        .stderr_names("link.txt");
}

#[test]
fn ignore_unsigned_files_works_in_all_spellings() {
    let s = Setup::new();
    let sig = s.sig("u.sig");
    s.sign_key(&sig, "--private_key", &[]).signed();
    write(&s.model, "unsigned.txt", b"added after signing\n");
    for flag in ["--ignore_unsigned_files", "--ignore-unsigned-files"] {
        s.verify_key(&sig, "--public_key", &[flag]).verified();
    }
    for flag in [
        "--no-ignore_unsigned_files",
        "--no-ignore-unsigned-files",
        "--no_ignore_unsigned_files",
    ] {
        s.verify_key(&sig, "--public_key", &[flag])
            .failed()
            .stderr_names("unsigned.txt");
    }
    s.verify_key(&sig, "--public_key", &[])
        .failed()
        .stderr_names("unsigned.txt");
}

fn certificate_setup() -> (Setup, Pki) {
    let s = Setup::new();
    let pki = pki(s.dir.path(), Curve::P256);
    (s, pki)
}

#[test]
fn certificate_flags_work_in_both_spellings() {
    let (s, pki) = certificate_setup();
    for (cert_flag, chain_flag, log_flag) in [
        (
            "--signing_certificate",
            "--certificate_chain",
            "--log_fingerprints",
        ),
        (
            "--signing-certificate",
            "--certificate-chain",
            "--log-fingerprints",
        ),
    ] {
        let sig = s.sig("c.sig");
        Run::ours()
            .args(["sign", "certificate", "--private_key"])
            .arg(&pki.leaf.private)
            .arg(cert_flag)
            .arg(&pki.leaf_cert)
            .arg(chain_flag)
            .arg(&pki.intermediate_cert)
            .arg("--signature")
            .arg(&sig)
            .arg(&s.model)
            .run()
            .signed();
        Run::ours()
            .args(["verify", "certificate", chain_flag])
            .arg(&pki.root_cert)
            .arg("--signature")
            .arg(&sig)
            .arg(&s.model)
            .run()
            .verified();
        Run::ours()
            .args(["verify", "certificate", log_flag, chain_flag])
            .arg(&pki.root_cert)
            .arg("--signature")
            .arg(&sig)
            .arg(&s.model)
            .run()
            .verified();
    }
}

#[test]
fn certificate_chain_is_repeatable() {
    let (s, pki) = certificate_setup();
    let sig = s.sig("chain.sig");
    // Root given as a second chain file: kept in the bundle, still verifies.
    Run::ours()
        .args(["sign", "certificate", "--private-key"])
        .arg(&pki.leaf.private)
        .arg("--signing-certificate")
        .arg(&pki.leaf_cert)
        .arg("--certificate-chain")
        .arg(&pki.intermediate_cert)
        .arg("--certificate_chain")
        .arg(&pki.root_cert)
        .arg("--signature")
        .arg(&sig)
        .arg(&s.model)
        .run()
        .signed();
    let bundle = common::bundle::read_json(&sig);
    let chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array()
        .unwrap();
    assert_eq!(chain.len(), 3);
    // Several trust anchors: an unrelated one plus the right one.
    let other = pki_in(s.dir.path(), "other");
    Run::ours()
        .args(["verify", "certificate", "--certificate-chain"])
        .arg(&other.root_cert)
        .arg("--certificate_chain")
        .arg(&pki.root_cert)
        .arg("--signature")
        .arg(&sig)
        .arg(&s.model)
        .run()
        .verified();
}

fn pki_in(parent: &Path, name: &str) -> Pki {
    let dir = parent.join(name);
    fs::create_dir_all(&dir).unwrap();
    pki(&dir, Curve::P256)
}

#[test]
fn pkcs11_flags_are_recognised_in_both_spellings() {
    // No token here: the command must get past argument parsing and fail operationally (1).
    let (s, pki) = certificate_setup();
    let uri = "pkcs11:token=none;object=none?module-path=/nonexistent/libnone.so&pin-value=1234";
    for (method, flag) in [
        ("pkcs11-key", "--pkcs11_uri"),
        ("pkcs11-key", "--pkcs11-uri"),
        ("pkcs11_key", "--pkcs11-uri"),
    ] {
        Run::ours()
            .args(["sign", method, flag, uri, "--signature"])
            .arg(s.sig("p.sig"))
            .arg(&s.model)
            .run()
            .failed()
            .stderr_names(
                "PKCS#11 URI attribute 'module-path': /nonexistent/libnone.so does not exist",
            );
    }
    for (method, flag, cert_flag) in [
        (
            "pkcs11-certificate",
            "--pkcs11_uri",
            "--signing_certificate",
        ),
        (
            "pkcs11-certificate",
            "--pkcs11-uri",
            "--signing-certificate",
        ),
    ] {
        Run::ours()
            .args(["sign", method, flag, uri, cert_flag])
            .arg(&pki.leaf_cert)
            .arg("--signature")
            .arg(s.sig("p.sig"))
            .arg(&s.model)
            .run()
            .failed()
            .stderr_names(
                "PKCS#11 URI attribute 'module-path': /nonexistent/libnone.so does not exist",
            );
    }
    assert!(!s.sig("p.sig").exists());
}

const IDENTITY: &str = "stefanb@us.ibm.com";
const ISSUER: &str = "https://sigstore.verify.ibm.com/oauth2";

#[test]
fn sigstore_verify_flags_work_in_both_spellings() {
    let vectors = fixtures().join("model-transparency");
    let trust = fixtures().join("trust/custom_trust_config.json");
    for (issuer_flag, trust_flag, staging_flag) in [
        ("--identity_provider", "--trust_config", "--use_staging"),
        ("--identity-provider", "--trust-config", "--use-staging"),
    ] {
        // On verify, a trust config wins over --use-staging (as in the reference).
        Run::ours()
            .args([
                "verify",
                "sigstore",
                "--identity",
                IDENTITY,
                issuer_flag,
                ISSUER,
            ])
            .arg(trust_flag)
            .arg(&trust)
            .arg(staging_flag)
            .arg("--signature")
            .arg(vectors.join("v1.1.0-sigstore/model.sig"))
            .arg(vectors.join("v1.1.0-sigstore"))
            .run()
            .verified();
    }
}

#[test]
fn sigstore_sign_flags_are_recognised_in_both_spellings() {
    // A token that is not a JWT fails before any network use: exit 1, never a usage error.
    let s = Setup::new();
    let trust = fixtures().join("trust/custom_trust_config.json");
    for flags in [
        [
            "--identity_token",
            "--trust_config",
            "--client_id",
            "--client_secret",
            "--oauth_force_oob",
        ],
        [
            "--identity-token",
            "--trust-config",
            "--client-id",
            "--client-secret",
            "--oauth-force-oob",
        ],
    ] {
        let sig = s.sig("sigstore.sig");
        Run::ours()
            .args(["sign", "sigstore", flags[0], "not-a-jwt", flags[1]])
            .arg(&trust)
            .args([flags[2], "sigstore", flags[3], "", flags[4], "--signature"])
            .arg(&sig)
            .arg(&s.model)
            .run()
            .failed()
            .stderr_names("identity token from the signing options is unusable: not a JWT");
        assert!(!sig.exists());
    }
}

// --- default method ------------------------------------------------------------------------

#[test]
fn verify_without_a_method_means_sigstore() {
    let vectors = fixtures().join("model-transparency");
    Run::ours()
        .args([
            "verify",
            "--identity",
            IDENTITY,
            "--identity_provider",
            ISSUER,
        ])
        .arg("--trust_config")
        .arg(fixtures().join("trust/custom_trust_config.json"))
        .arg("--signature")
        .arg(vectors.join("v1.1.0-sigstore/model.sig"))
        .arg(vectors.join("v1.1.0-sigstore"))
        .run()
        .verified();
    // Sigstore's required options are asked for.
    let s = Setup::new();
    Run::ours()
        .args(["verify", "--signature"])
        .arg(s.sig("x.sig"))
        .arg(&s.model)
        .run()
        .code(2)
        .stderr_names("--identity");
}

#[test]
fn sign_without_a_method_means_sigstore() {
    // Key options are unknown to the sigstore method: a usage error, nothing signed.
    let s = Setup::new();
    let sig = s.sig("default.sig");
    Run::ours()
        .arg("sign")
        .arg(&s.model)
        .arg("--private_key")
        .arg(&s.key.private)
        .arg("--signature")
        .arg(&sig)
        .run()
        .code(2)
        .stderr_names("--private");
    assert!(!sig.exists());
}

// --- usage errors --------------------------------------------------------------------------

#[test]
fn usage_errors_exit_with_2() {
    let s = Setup::new();
    let model = s.model.to_str().unwrap().to_owned();
    let private = s.key.private.to_str().unwrap().to_owned();
    let public = s.key.public.to_str().unwrap().to_owned();
    let sig = s.sig("usage.sig").to_str().unwrap().to_owned();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], ""),
        (vec!["frobnicate"], "frobnicate"),
        (vec!["--log-level", "bogus", "digest", &model], "bogus"),
        (
            vec!["sign", "key", &model, "--private_key", &private, "--bogus"],
            "--bogus",
        ),
        (vec!["sign", "key", &model], "--private-key"),
        (vec!["sign", "key", "--private_key", &private], "MODEL_PATH"),
        (
            vec!["sign", "certificate", &model, "--private_key", &private],
            "--signing-certificate",
        ),
        (
            vec!["verify", "key", &model, "--public_key", &public],
            "--signature",
        ),
        (
            vec!["verify", "key", &model, "--signature", &sig],
            "--public-key",
        ),
        (
            vec![
                "verify",
                "key",
                &model,
                "--public_key",
                &public,
                "--signature",
                &sig,
                "--private_key",
                &private,
            ],
            "--private",
        ),
        (vec!["verify", "certificate", &model], "--signature"),
        (
            vec![
                "verify",
                "sigstore",
                &model,
                "--signature",
                &sig,
                "--identity",
                IDENTITY,
            ],
            "--identity-provider",
        ),
        (vec!["digest"], "MODEL_PATH"),
        (vec!["digest", &model, "--signature", &sig], "--signature"),
    ];
    for (args, needle) in cases {
        let out = Run::ours().args(&args).run();
        out.code(2);
        if !needle.is_empty() {
            out.stderr_names(needle);
        }
    }
    assert!(!Path::new(&sig).exists());
}

#[test]
fn help_exits_with_0() {
    for args in [
        vec!["--help"],
        vec!["-h"],
        vec!["sign", "--help"],
        vec!["sign", "key", "--help"],
        vec!["verify", "certificate", "-h"],
        vec!["digest", "--help"],
    ] {
        let out = Run::ours().args(&args).run();
        out.ok();
        assert!(out.stdout.contains("Usage"), "{out:?}");
    }
}

#[test]
fn operational_failures_exit_with_1() {
    let s = Setup::new();
    let missing = s.dir.path().join("no-such-model");
    // Missing model, missing key file, unreadable signature.
    Run::ours()
        .args(["sign", "key", "--private_key"])
        .arg(&s.key.private)
        .arg("--signature")
        .arg(s.sig("x.sig"))
        .arg(&missing)
        .run()
        .failed()
        .stderr_names("Cannot use")
        .stderr_names("no-such-model");
    Run::ours()
        .args(["sign", "key", "--private_key"])
        .arg(s.dir.path().join("no-such-key.pem"))
        .arg("--signature")
        .arg(s.sig("x.sig"))
        .arg(&s.model)
        .run()
        .failed()
        .stderr_names("no-such-key.pem");
    Run::ours()
        .args(["verify", "key", "--public_key"])
        .arg(&s.key.public)
        .arg("--signature")
        .arg(s.sig("no-such.sig"))
        .arg(&s.model)
        .run()
        .failed()
        .stderr_names("no-such.sig");
    let garbage = write(s.dir.path(), "garbage.sig", b"not json");
    Run::ours()
        .args(["verify", "key", "--public_key"])
        .arg(&s.key.public)
        .arg("--signature")
        .arg(&garbage)
        .arg(&s.model)
        .run()
        .failed()
        .stderr_names("bundle is not valid JSON");
}

#[test]
fn log_level_is_accepted_case_insensitively() {
    let s = Setup::new();
    for level in ["DEBUG", "info", "Warning", "error", "CRITICAL"] {
        Run::ours()
            .args(["--log-level", level, "sign", "key", "--private_key"])
            .arg(&s.key.private)
            .arg("--signature")
            .arg(s.sig("l.sig"))
            .arg(&s.model)
            .run()
            .signed();
    }
}

// --- --version -----------------------------------------------------------------------------

#[test]
fn version_is_printed_like_click() {
    let out = Run::ours().arg("--version").run();
    out.ok();
    let version = out
        .stdout
        .strip_prefix("model_signing, version ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("unexpected --version output {:?}", out.stdout));
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

// --- digest --------------------------------------------------------------------------------

fn digest(args: &[&str], model: &Path) -> String {
    let out = Run::ours().arg("digest").args(args).arg(model).run();
    out.ok();
    let hex = out
        .stdout
        .strip_prefix("sha256:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("digest must print sha256:<hex>\\n, got {:?}", out.stdout));
    assert_eq!(hex.len(), 64, "{hex}");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{hex}"
    );
    hex.to_owned()
}

#[test]
fn digest_of_a_single_file_is_the_hash_of_its_hash() {
    let dir = tempdir();
    let file = write(dir.path(), "model.bin", b"This is a simple model");
    assert_eq!(
        digest(&[], &file),
        "002d162f867c5eee944e5080d25829b6625be0e3f081f6fbafc7dd655ca2e178"
    );
}

#[test]
fn digest_of_an_empty_folder_is_the_hash_of_nothing() {
    let dir = tempdir();
    fs::create_dir_all(dir.path().join("m/empty/inner")).unwrap();
    assert_eq!(digest(&[], &dir.path().join("m")), sha256_hex(b""));
}

#[test]
fn digest_is_sha256_over_the_file_digests_in_component_order() {
    let dir = tempdir();
    let model = dir.path().join("m");
    // Component order: a/b < a-b < ab (plain string order would put a-b first).
    let files: [(&str, &[u8]); 4] = [("a/b", b"1"), ("a-b", b"2"), ("ab", b"3"), ("empty", b"")];
    for (name, content) in files.iter().rev() {
        write(&model, name, content);
    }
    let mut concatenated = Vec::new();
    for (_, content) in files {
        concatenated.extend(unhex(&sha256_hex(content)));
    }
    assert_eq!(digest(&[], &model), sha256_hex(&concatenated));
}

#[test]
fn digest_follows_the_ignore_options_and_matches_a_signature() {
    let s = Setup::new();
    let default = digest(&[], &s.model);
    let with_git = digest(&["--no-ignore-git-paths"], &s.model);
    let readme = s.model.join("README.md");
    let without_readme = digest(&["--ignore-paths", readme.to_str().unwrap()], &s.model);
    assert_ne!(default, with_git);
    assert_ne!(default, without_readme);
    assert_eq!(digest(&["--ignore_git_paths"], &s.model), default);
    assert_eq!(digest(&["--no_ignore_git_paths"], &s.model), with_git);

    for (args, want) in [
        (vec![], &default),
        (vec!["--no-ignore-git-paths"], &with_git),
        (
            vec!["--ignore-paths", readme.to_str().unwrap()],
            &without_readme,
        ),
    ] {
        let sig = s.sig("d.sig");
        s.sign_key(&sig, "--private-key", &args).signed();
        assert_eq!(&subject_digest(&sig), want, "{args:?}");
    }
}

#[test]
fn digest_resolves_ignore_paths_against_the_working_directory() {
    let s = Setup::new();
    let default = digest(&[], &s.model);
    // From the parent directory `README.md` is not inside the model: nothing is ignored.
    let out = Run::ours()
        .cwd(s.dir.path())
        .args(["digest", "--ignore-paths", "README.md", "model"])
        .run();
    out.ok();
    assert_eq!(out.stdout, format!("sha256:{default}\n"));
    let out = Run::ours()
        .cwd(&s.model)
        .args(["digest", "--ignore-paths", "README.md", "."])
        .run();
    out.ok();
    assert_ne!(out.stdout, format!("sha256:{default}\n"));
}

#[test]
fn digest_failure_exits_with_1() {
    let dir = tempdir();
    Run::ours()
        .arg("digest")
        .arg(dir.path().join("missing"))
        .run()
        .failed()
        .stderr_names("missing");
}

#[test]
fn verify_certificate_help_says_the_chain_is_required() {
    let out = Run::ours().args(["verify", "certificate", "--help"]).run();
    out.ok();
    assert!(
        out.stdout
            .contains("Trusted root certificates (repeatable). Required"),
        "{out:?}"
    );
}

/// A signature path that is not a regular file (`/dev/zero` never ends; a FIFO would block the
/// open) is refused before anything is read, with the reason, for every command that reads one
/// (before any bound, `verify sigstore` read `/dev/zero` until the kernel killed the process;
/// the size bound alone still read 128 MiB of it; a FIFO hung the verifier forever).
#[test]
fn a_signature_that_is_not_a_regular_file_is_refused() {
    let s = Setup::new();
    let expected = "/dev/zero is a character device: expected a regular file holding a signature";
    let pki = pki(s.dir.path(), Curve::P256);
    let key = s.key.public.to_str().unwrap();
    let root = pki.root_cert.to_str().unwrap();
    let model = s.model.to_str().unwrap();
    for method in [
        vec!["key", "--public_key", key],
        vec!["certificate", "--certificate_chain", root],
        // Keyless: the embedded trusted root, no network.
        vec![
            "sigstore",
            "--offline",
            "--identity",
            "a@example.com",
            "--identity_provider",
            "https://issuer.example",
        ],
    ] {
        Run::ours()
            .arg("verify")
            .args(method)
            .args(["--signature", "/dev/zero", model])
            .run()
            .failed()
            .stderr_names(expected);
    }
    Run::ours()
        .args(["inspect", "/dev/zero"])
        .run()
        .failed()
        .stderr_names(expected);
    // A FIFO nobody writes to: a blocking open never returns (Run kills a hung child and fails).
    let fifo = s.dir.path().join("fifo.sig");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    Run::ours()
        .args(["verify", "key", "--public_key", key, "--signature"])
        .arg(&fifo)
        .arg(model)
        .run()
        .failed()
        .stderr_names(
            "fifo.sig is a FIFO (named pipe): expected a regular file holding a signature",
        );
}

/// The signature is never written through a symbolic link at its path.
#[test]
fn signature_path_that_is_a_symlink_is_refused() {
    let s = Setup::new();
    let victim = s.dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let link = s.sig("model.sig");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    Run::ours()
        .args(["sign", "key", "--private_key"])
        .arg(&s.key.private)
        .arg("--signature")
        .arg(&link)
        .arg(&s.model)
        .run()
        .failed()
        .stderr_names("is a symbolic link: a signature is never written through a link");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

/// Shards of one byte over a 2 MB (sparse) file would be 2,097,152 resources, more than a
/// verifier reads: refused before hashing, with the count.
#[test]
fn too_many_shards_are_refused_before_hashing() {
    let s = Setup::new();
    let model = s.dir.path().join("sparse");
    fs::create_dir(&model).unwrap();
    fs::File::create(model.join("w.bin"))
        .unwrap()
        .set_len(2 << 20)
        .unwrap();
    Run::ours()
        .args(["sign", "key", "--private_key"])
        .arg(&s.key.private)
        .arg("--signature")
        .arg(s.sig("shards.sig"))
        .args(["--method", "shards", "--shard-size", "1"])
        .arg(&model)
        .run()
        .failed()
        .stderr_names(
            "the model would be recorded as 2097152 resources (1 files, shards of 1 bytes), \
             more than the 1000000 a signature may hold",
        );
    assert!(!s.sig("shards.sig").exists());
}
