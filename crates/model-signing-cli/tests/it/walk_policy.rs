//! Which files get signed and verified, as a hostile model author would probe it: empty
//! models, links met on the way, the signature file, ignore paths, and fast failures.

use crate::common;

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use common::models::{small_model, write};
use common::pki::{ec_key, Curve, KeyFormat, KeyPair};
use common::{tempdir, Output, Run};

struct Setup {
    dir: TempDir,
    key: KeyPair,
}

impl Setup {
    fn new() -> Self {
        let dir = tempdir();
        let key = ec_key(dir.path(), "signer", Curve::P256, KeyFormat::Pkcs8);
        Setup { dir, key }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn sign(&self, model: &Path, signature: &Path, extra: &[&str]) -> Output {
        let run = self.key.sign(model, signature).args(extra);
        run.cwd(self.dir.path()).run()
    }

    fn verify(&self, model: &Path, signature: &Path, extra: &[&str]) -> Output {
        let run = self.key.verify(model, signature).args(extra);
        run.cwd(self.dir.path()).run()
    }
}

#[test]
fn a_model_with_only_ignored_files_is_not_signed() {
    let s = Setup::new();
    let model = s.path("model");
    write(&model, ".gitignore", b"*.tmp\n");
    write(&model, "README.md", b"readme\n");
    let signature = s.path("model.sig");
    s.sign(&model, &signature, &["--ignore-paths", "model/README.md"])
        .failed()
        .stderr_names("expected at least one file to sign, found none after the ignore rules");
    assert!(!signature.exists(), "no signature may be written");
    // The same model with a file left is signed.
    s.sign(&model, &signature, &[]).signed();
}

fn sh(dir: &Path, script: &str) {
    // bash, not sh: dash's `cd` fails once the logical path passes PATH_MAX; bash falls back to
    // a relative chdir, which the attack's deep folders need.
    let status = std::process::Command::new("bash")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
}

/// A signed model whose signature was made inside it (so `model.sig` is a recorded ignore
/// path) and kept; returns the model path and a copy of the signature outside it.
fn signed_with_inner_signature(s: &Setup) -> (PathBuf, PathBuf) {
    let model = small_model(s.dir.path(), "model");
    let inner = model.join("model.sig");
    s.sign(&model, &inner, &[]).signed();
    let copy = s.path("sigdir/evil");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&inner, &copy).unwrap();
    s.verify(&model, &inner, &[]).verified();
    (model, copy)
}

#[test]
fn the_signature_is_identified_by_the_file_opened_not_by_a_re_resolved_path() {
    let s = Setup::new();
    let (model, real_signature) = signed_with_inner_signature(&s);
    // The attacker adds `evil/` with a backdoor and a symlink chain whose emulated resolution
    // passes PATH_MAX (lstat: ENAMETOOLONG) while the kernel, walking it relative, opens
    // `sigdir/evil`, the untouched signature; the old emulation then climbed `..` lexically
    // and "resolved" the signature to `evil`, which it left out of the model.
    let name = "d".repeat(200);
    let depth = 25;
    let sigdir = s.path("sigdir");
    let mut anchor = sigdir.clone();
    for _ in 0..depth + 2 {
        anchor.push("a");
    }
    std::fs::create_dir_all(&anchor).unwrap();
    let half: Vec<&str> = vec![name.as_str(); 12];
    let rest: Vec<&str> = vec![name.as_str(); depth - 12];
    let script = format!(
        "mkdir -p evil && cd evil && echo 'import os' > backdoor.py\n\
         for i in $(seq {depth}); do mkdir {name} && cd {name}; done\n\
         ln -s '{anchor}' c\n",
        anchor = anchor.display()
    );
    sh(&model, &script);
    sh(
        &model,
        &format!(
            "cd evil && ln -s {} j1 && cd {} && ln -s {} k",
            half.join("/"),
            half.join("/"),
            rest.join("/")
        ),
    );
    // k's target ends in the deepest directory, which holds `c`.
    let climb = "../".repeat(depth + 2);
    std::fs::remove_file(model.join("model.sig")).unwrap();
    std::os::unix::fs::symlink(format!("evil/j1/k/c/{climb}evil"), model.join("model.sig"))
        .unwrap();
    assert_eq!(
        std::fs::read(model.join("model.sig")).unwrap(),
        std::fs::read(&real_signature).unwrap(),
        "the kernel opens the real signature through the chain"
    );
    let out = s.verify(&model, &model.join("model.sig"), &[]);
    out.failed().stderr_names("because it is a symlink");
    assert!(!out.stdout.contains("Verification succeeded"));
}

/// A hard link to the signature inside the model is a file like any other, reported as added,
/// whether the signature is kept inside the model or outside it. The reference refuses the same
/// model (it leaves the signature out by path and reports extra files): it is the oracle here.
#[test]
fn a_hard_link_to_the_signature_is_an_added_file_as_for_the_reference() {
    let s = Setup::new();
    let (model, outside) = signed_with_inner_signature(&s);
    let inner = model.join("model.sig");
    std::fs::hard_link(&inner, model.join("generation_config.json")).unwrap();
    let inspected = Run::ours().arg("inspect").arg(&inner).run();
    inspected.ok();
    assert!(
        inspected
            .stdout
            .contains("Hard links:       2 (the file has other names)"),
        "{inspected:?}"
    );
    s.verify(&model, &inner, &[])
        .failed()
        .stderr_names("added:   generation_config.json (not in the signature)");
    let reference = Run::reference()
        .args(["verify", "key", "--public_key"])
        .arg(&s.key.public)
        .arg("--signature")
        .arg(&inner)
        .arg(&model)
        .run();
    reference
        .failed()
        .stderr_names("Extra files found in model");
    assert!(
        reference.stderr.contains("generation_config.json")
            || reference.stdout.contains("generation_config.json"),
        "{reference:?}"
    );
    std::fs::remove_file(model.join("generation_config.json")).unwrap();
    std::fs::hard_link(&outside, model.join("chat_template.json")).unwrap();
    s.verify(&model, &outside, &[])
        .failed()
        .stderr_names("added:   chat_template.json (not in the signature)");
}

#[test]
fn ignore_paths_are_not_resolved_through_a_symlink_inside_the_model() {
    let s = Setup::new();
    let model = small_model(s.dir.path(), "model");
    write(&model, "README.md", b"readme\n");
    let signature = s.path("model.sig");
    s.sign(&model, &signature, &["--ignore-paths", "model/README.md"])
        .signed();
    // README.md becomes a link to a new folder; the verifier passes the signer's flag.
    std::fs::remove_file(model.join("README.md")).unwrap();
    write(&model, "newdir/backdoor.py", b"import os\n");
    std::os::unix::fs::symlink("newdir", model.join("README.md")).unwrap();
    s.verify(&model, &signature, &["--ignore-paths", "model/README.md"])
        .failed()
        .stderr_names("README.md");
}

fn symlink_chain(dir: &Path, len: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..len {
        std::os::unix::fs::symlink(format!("l{}", i + 1), dir.join(format!("l{i}"))).unwrap();
    }
    std::fs::write(dir.join(format!("l{len}")), b"end").unwrap();
    dir.join("l0")
}

#[test]
fn a_long_symlink_chain_is_a_clean_error_not_a_stack_overflow() {
    let s = Setup::new();
    let model = small_model(s.dir.path(), "model");
    let chain = symlink_chain(&s.path("chain"), 20_000);
    let signature = s.path("model.sig");
    s.sign(
        &model,
        &signature,
        &["--ignore-paths", chain.to_str().unwrap()],
    )
    .failed()
    .stderr_names("too many levels of symbolic links");
    s.sign(&model, &chain, &[])
        .failed()
        .stderr_names("too many levels of symbolic links");
    s.sign(&model, &signature, &[]).signed();
    s.verify(&model, &chain, &[])
        .failed()
        .stderr_names("too many levels of symbolic links");
    s.verify(
        &model,
        &signature,
        &["--ignore-paths", chain.to_str().unwrap()],
    )
    .failed()
    .stderr_names("too many levels of symbolic links");
}

#[test]
fn a_symlinked_model_root_is_refused_with_or_without_a_trailing_slash_like_the_reference() {
    let s = Setup::new();
    let model = small_model(s.dir.path(), "real");
    std::os::unix::fs::symlink(&model, s.path("link")).unwrap();
    let signature = s.path("model.sig");
    s.sign(&model, &signature, &[]).signed();
    for arg in ["link", "link/"] {
        s.verify(Path::new(arg), &signature, &[])
            .failed()
            .stderr_names("Cannot use 'link' because it is a symlink");
        s.sign(Path::new(arg), &s.path("other.sig"), &[])
            .failed()
            .stderr_names("Cannot use 'link' because it is a symlink");
        s.verify(Path::new(arg), &signature, &["--allow-symlinks"])
            .verified();
    }
}

#[test]
fn shards_refuse_a_model_with_empty_files_unless_told_otherwise() {
    let s = Setup::new();
    let model = s.path("model");
    write(&model, "w.bin", b"weights");
    write(&model, "pkg/__init__.py", b"");
    let signature = s.path("model.sig");
    s.sign(&model, &signature, &["--method", "shards"])
        .failed()
        .stderr_names("pkg/__init__.py")
        .stderr_names("--allow-empty-files-in-shards");
    s.sign(
        &model,
        &signature,
        &["--method", "shards", "--allow-empty-files-in-shards"],
    )
    .signed();
}
