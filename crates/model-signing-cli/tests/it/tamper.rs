//! The tamper matrix: every change to a signed model or to its signature must fail
//! verification with exit code 1 and say why (the file, or the signature); harmless changes
//! must still verify.

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;

use common::bundle::{b64_decode, b64_encode, forge, read_json, statement};
use common::models::{pattern, small_model, write};
use common::pki::{ec_key, Curve, KeyFormat, KeyPair};
use common::{sha256_hex, tempdir, Output, Run};

/// A model signed by our CLI, the signature kept outside the model.
struct Signed {
    dir: TempDir,
    model: PathBuf,
    signature: PathBuf,
    key: KeyPair,
}

impl Signed {
    fn new() -> Self {
        let dir = tempdir();
        let model = small_model(dir.path(), "model");
        write(&model, "sub/.git/HEAD", b"nested repository\n");
        let key = ec_key(dir.path(), "signer", Curve::P256, KeyFormat::Pkcs8);
        let signature = dir.path().join("model.sig");
        key.sign(&model, &signature).run().signed();
        let signed = Signed {
            dir,
            model,
            signature,
            key,
        };
        signed.verify().verified();
        signed
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.model.join(rel)
    }

    fn verify_with(&self, signature: &Path, extra: &[&str]) -> Output {
        self.key.verify(&self.model, signature).args(extra).run()
    }

    fn verify(&self) -> Output {
        self.verify_with(&self.signature, &[])
    }

    /// A copy of the signature with its bundle JSON changed by `edit`.
    fn edited_bundle(&self, edit: impl FnOnce(&mut Value)) -> PathBuf {
        let mut bundle = read_json(&self.signature);
        edit(&mut bundle);
        let out = self.dir.path().join("edited.sig");
        fs::write(&out, serde_json::to_vec(&bundle).unwrap()).unwrap();
        out
    }

    /// A signature over `statement` made with the signer's own key.
    fn forged(&self, statement: Value) -> PathBuf {
        let out = self.dir.path().join("forged.sig");
        forge(&self.signature, &self.key, statement, &out);
        out
    }
}

// --- the model changes ---------------------------------------------------------------------

#[test]
fn changed_byte_is_reported() {
    let s = Signed::new();
    let mut bytes = fs::read(s.path("weights.bin")).unwrap();
    bytes[100] ^= 0x01;
    fs::write(s.path("weights.bin"), bytes).unwrap();
    s.verify().failed().stderr_names("weights.bin");
}

#[test]
fn appended_bytes_are_reported() {
    let s = Signed::new();
    let mut bytes = fs::read(s.path("config.json")).unwrap();
    bytes.push(b'\n');
    fs::write(s.path("config.json"), bytes).unwrap();
    s.verify().failed().stderr_names("config.json");
}

#[test]
fn truncated_file_is_reported() {
    let s = Signed::new();
    let bytes = fs::read(s.path("weights.bin")).unwrap();
    fs::write(s.path("weights.bin"), &bytes[..4096]).unwrap();
    s.verify().failed().stderr_names("weights.bin");
}

#[test]
fn emptied_file_is_reported() {
    let s = Signed::new();
    fs::write(s.path("sub/tokenizer.txt"), b"").unwrap();
    s.verify().failed().stderr_names("sub/tokenizer.txt");
}

#[test]
fn deleted_file_is_reported() {
    let s = Signed::new();
    fs::remove_file(s.path("sub/deeper/a.txt")).unwrap();
    s.verify().failed().stderr_names("sub/deeper/a.txt");
}

#[test]
fn deleted_empty_file_is_reported() {
    let s = Signed::new();
    fs::remove_file(s.path("empty.txt")).unwrap();
    s.verify().failed().stderr_names("empty.txt");
}

#[test]
fn added_file_is_reported() {
    let s = Signed::new();
    write(&s.model, "backdoor.py", b"import os\n");
    s.verify().failed().stderr_names("backdoor.py");
}

/// A file name is attacker-chosen text: the report escapes its control characters, so a name
/// cannot erase the failure line or print a fake success on the terminal.
#[test]
fn added_file_named_with_terminal_controls_is_reported_escaped() {
    let s = Signed::new();
    write(
        &s.model,
        "x\x1b[1A\x1b[2K\rVerification succeeded\x1b[8m",
        b"payload",
    );
    let out = s.verify();
    out.failed()
        .stderr_names("x\\u{1b}[1A\\u{1b}[2K\\rVerification succeeded\\u{1b}[8m");
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.chars().any(|c| c.is_control() && c != '\n'),
            "raw control characters reached the terminal: {stream:?}"
        );
    }
}

#[test]
fn added_empty_file_is_reported() {
    let s = Signed::new();
    write(&s.model, "sub/new-empty", b"");
    s.verify().failed().stderr_names("sub/new-empty");
}

#[test]
fn added_file_in_a_nested_git_folder_is_reported() {
    let s = Signed::new();
    write(&s.model, "sub/.git/config", b"[core]\n");
    s.verify().failed().stderr_names("sub/.git/config");
}

#[test]
fn changed_nested_git_file_is_reported() {
    let s = Signed::new();
    write(&s.model, "sub/.git/HEAD", b"changed\n");
    s.verify().failed().stderr_names("sub/.git/HEAD");
}

#[test]
fn renamed_file_is_reported_under_both_names() {
    let s = Signed::new();
    fs::rename(s.path("README.md"), s.path("README.txt")).unwrap();
    s.verify()
        .failed()
        .stderr_names("README.md")
        .stderr_names("README.txt");
}

#[test]
fn moved_file_is_reported_under_both_names() {
    let s = Signed::new();
    fs::rename(s.path("sub/tokenizer.txt"), s.path("tokenizer.txt")).unwrap();
    s.verify()
        .failed()
        .stderr_names("sub/tokenizer.txt")
        .stderr_names("tokenizer.txt");
}

#[test]
fn swapped_files_are_both_reported() {
    let s = Signed::new();
    let a = fs::read(s.path("config.json")).unwrap();
    let b = fs::read(s.path("README.md")).unwrap();
    fs::write(s.path("config.json"), b).unwrap();
    fs::write(s.path("README.md"), a).unwrap();
    s.verify()
        .failed()
        .stderr_names("config.json")
        .stderr_names("README.md");
}

#[test]
fn file_replaced_by_a_symlink_to_identical_content_is_refused() {
    let s = Signed::new();
    let outside = s.dir.path().join("weights-copy.bin");
    fs::copy(s.path("weights.bin"), &outside).unwrap();
    fs::remove_file(s.path("weights.bin")).unwrap();
    symlink(&outside, s.path("weights.bin")).unwrap();
    s.verify().failed().stderr_names("weights.bin");
    // The reference lets the command-line flag decide: with it, the link is followed.
    s.verify_with(&s.signature, &["--allow_symlinks"])
        .verified();
}

#[test]
fn file_replaced_by_a_symlink_to_other_content_fails_even_when_links_are_allowed() {
    let s = Signed::new();
    let outside = s.dir.path().join("evil.bin");
    fs::write(&outside, pattern(5120, 99)).unwrap();
    fs::remove_file(s.path("weights.bin")).unwrap();
    symlink(&outside, s.path("weights.bin")).unwrap();
    s.verify_with(&s.signature, &["--allow-symlinks"])
        .failed()
        .stderr_names("weights.bin");
}

#[test]
fn file_replaced_by_a_fifo_is_refused_without_hanging() {
    let s = Signed::new();
    fs::remove_file(s.path("empty.txt")).unwrap();
    Run::new("mkfifo").arg(s.path("empty.txt")).run().ok();
    s.verify().failed().stderr_names("empty.txt");
}

#[test]
fn added_dangling_symlink_is_refused() {
    let s = Signed::new();
    symlink(s.dir.path().join("nowhere"), s.path("dangling")).unwrap();
    s.verify().failed().stderr_names("dangling");
}

// --- the signature changes -----------------------------------------------------------------

#[test]
fn edited_payload_fails_the_signature_check() {
    let s = Signed::new();
    let edited = s.edited_bundle(|bundle| {
        let mut statement: Value = serde_json::from_slice(&b64_decode(
            bundle["dsseEnvelope"]["payload"].as_str().unwrap(),
        ))
        .unwrap();
        // Claim that the README is empty: a change an attacker would want to slip through.
        for r in statement["predicate"]["resources"].as_array_mut().unwrap() {
            if r["name"] == "README.md" {
                r["digest"] = Value::String(sha256_hex(b""));
            }
        }
        bundle["dsseEnvelope"]["payload"] =
            Value::String(b64_encode(&serde_json::to_vec(&statement).unwrap()));
    });
    s.verify_with(&edited, &[])
        .failed()
        .stderr_names("signature");
}

#[test]
fn payload_with_one_byte_changed_fails_the_signature_check() {
    let s = Signed::new();
    let edited = s.edited_bundle(|bundle| {
        let mut payload = b64_decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap());
        let last = payload.len() - 1;
        payload.insert(last, b' ');
        bundle["dsseEnvelope"]["payload"] = Value::String(b64_encode(&payload));
    });
    s.verify_with(&edited, &[])
        .failed()
        .stderr_names("signature");
}

#[test]
fn edited_signature_fails() {
    let s = Signed::new();
    let edited = s.edited_bundle(|bundle| {
        let mut sig = b64_decode(
            bundle["dsseEnvelope"]["signatures"][0]["sig"]
                .as_str()
                .unwrap(),
        );
        // Flip a bit inside the last INTEGER (s), keeping the DER structure valid.
        let last = sig.len() - 1;
        sig[last] ^= 0x01;
        bundle["dsseEnvelope"]["signatures"][0]["sig"] = Value::String(b64_encode(&sig));
    });
    s.verify_with(&edited, &[])
        .failed()
        .stderr_names("signature");
}

#[test]
fn signature_of_another_key_with_the_right_hint_fails() {
    let s = Signed::new();
    let other = ec_key(s.dir.path(), "other", Curve::P256, KeyFormat::Pkcs8);
    let forged = s.dir.path().join("other-key.sig");
    forge(&s.signature, &other, statement(&s.signature), &forged);
    s.verify_with(&forged, &[])
        .failed()
        .stderr_names("signature");
}

#[test]
fn valid_signature_for_a_different_model_fails_naming_the_differences() {
    let s = Signed::new();
    // Same key, honest CLI, different model: a validly signed statement that does not match.
    let other = small_model(s.dir.path(), "other");
    write(&other, "weights.bin", &pattern(5120, 8));
    write(&other, "extra.json", b"{}\n");
    fs::remove_file(other.join("README.md")).unwrap();
    let other_sig = s.dir.path().join("other.sig");
    s.key.sign(&other, &other_sig).run().signed();
    // The file lists differ, which fails before contents are compared.
    s.verify_with(&other_sig, &[])
        .failed()
        .stderr_names("extra.json")
        .stderr_names("README.md")
        .stderr_names("contents were not compared")
        .stderr_lacks("config.json");
    // Same files, another content.
    write(&other, "README.md", b"# tiny\n");
    write(&other, "sub/.git/HEAD", b"nested repository\n");
    fs::remove_file(other.join("extra.json")).unwrap();
    s.key.sign(&other, &other_sig).run().signed();
    s.verify_with(&other_sig, &[])
        .failed()
        .stderr_names("weights.bin")
        .stderr_lacks("config.json");
}

#[test]
fn validly_signed_statement_ignoring_everything_is_refused() {
    // `ignore_paths: ["."]` with no resources "verifies" any directory in the reference.
    // Every spelling of "the whole model" or "outside the model" must be refused.
    let s = Signed::new();
    for ignore in [".", "", "./", "/", "..", "../model", "sub/../.."] {
        let mut forged = statement(&s.signature);
        forged["predicate"]["resources"] = json!([]);
        forged["predicate"]["serialization"]["ignore_paths"] = json!([ignore]);
        let sig = s.forged(forged);
        s.verify_with(&sig, &[]).failed().stderr_names("ignore");
    }
}

#[test]
fn validly_signed_statement_with_escaping_resource_names_is_refused() {
    let s = Signed::new();
    let outside = write(s.dir.path(), "outside.txt", b"outside the model\n");
    let outside_digest = sha256_hex(&fs::read(outside).unwrap());
    for name in [
        "../outside.txt",
        "/etc/hostname",
        "sub/../config.json",
        "./config.json",
    ] {
        let mut forged = statement(&s.signature);
        forged["predicate"]["resources"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": name, "algorithm": "sha256", "digest": outside_digest}));
        let sig = s.forged(forged);
        s.verify_with(&sig, &[]).failed().stderr_names(name);
        s.verify_with(&sig, &["--ignore_unsigned_files"])
            .failed()
            .stderr_names(name);
    }
}

#[test]
fn validly_signed_statement_with_an_inconsistent_root_digest_is_refused() {
    let s = Signed::new();
    let mut forged = statement(&s.signature);
    // A statement whose subject no longer matches its resources, signed with the right key.
    forged["subject"][0]["digest"]["sha256"] = Value::String(sha256_hex(b"not the root"));
    let payload = serde_json::to_vec(&forged).unwrap();
    let sig = common::pki::openssl_sign(&s.key, &common::bundle::pae(&payload));
    let path = s.edited_bundle(|bundle| {
        bundle["dsseEnvelope"]["payload"] = Value::String(b64_encode(&payload));
        bundle["dsseEnvelope"]["signatures"][0]["sig"] = Value::String(b64_encode(&sig));
    });
    s.verify_with(&path, &[]).failed().stderr_names("root");
}

#[test]
fn forged_statement_with_the_signers_key_verifies_when_it_matches() {
    // Control for the forged cases above: re-signing the honest statement with openssl gives a
    // bundle our CLI accepts, so their failures are due to the statement, not the forging.
    let s = Signed::new();
    let sig = s.forged(statement(&s.signature));
    s.verify_with(&sig, &[]).verified();
}

// --- harmless changes ----------------------------------------------------------------------

#[test]
fn new_empty_folder_still_verifies() {
    let s = Signed::new();
    fs::create_dir_all(s.path("new-empty-folder/inner")).unwrap();
    s.verify().verified();
}

#[test]
fn changes_under_top_level_git_paths_still_verify() {
    let s = Signed::new();
    write(&s.model, ".git/HEAD", b"ref: refs/heads/other\n");
    write(&s.model, ".git/objects/12/3456", b"object\n");
    write(&s.model, ".gitattributes", b"changed\n");
    write(&s.model, ".gitignore", b"new\n");
    write(&s.model, ".github/workflows/ci.yml", b"on: push\n");
    s.verify().verified();
}

#[test]
fn signature_inside_the_model_is_left_out_on_sign_and_verify() {
    let s = Signed::new();
    let inside = s.path("model.sig");
    s.key.sign(&s.model, &inside).run().signed();
    s.verify_with(&inside, &[]).verified();
}

// --- machine-readable report ---------------------------------------------------------------

#[test]
fn json_report_lists_added_missing_and_changed() {
    let s = Signed::new();
    let old_weights = sha256_hex(&fs::read(s.path("weights.bin")).unwrap());
    let new_weights = pattern(5120, 1234);
    fs::write(s.path("weights.bin"), &new_weights).unwrap();
    fs::remove_file(s.path("sub/deeper/a.txt")).unwrap();
    write(&s.model, "added.bin", b"new");
    let json_report = || {
        let out = s.verify_with(&s.signature, &["--output", "json"]);
        out.failed().stderr_names("Signature mismatch");
        serde_json::from_str::<Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("--output json must print JSON on stdout ({e}): {out:?}"))
    };
    // The file lists differ: contents are not compared.
    assert_eq!(
        json_report(),
        json!({
            "match": false,
            "added": ["added.bin"],
            "missing": ["sub/deeper/a.txt"],
            "ignored": [],
            "linked_directories": [],
            "changed": [],
        })
    );
    fs::remove_file(s.path("added.bin")).unwrap();
    write(&s.model, "sub/deeper/a.txt", b"a\n");
    assert_eq!(
        json_report(),
        json!({
            "match": false,
            "added": [],
            "missing": [],
            "ignored": [],
            "linked_directories": [],
            "changed": [{
                "name": "weights.bin",
                "expected": {"algorithm": "sha256", "digest": old_weights},
                "actual": {"algorithm": "sha256", "digest": sha256_hex(&new_weights)},
            }],
        })
    );
}

#[test]
fn json_report_of_a_match_is_empty() {
    let s = Signed::new();
    let out = s.verify_with(&s.signature, &["--output", "json"]);
    out.ok();
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report,
        json!({"match": true, "added": [], "missing": [], "ignored": [], "linked_directories": [], "changed": []})
    );
}
