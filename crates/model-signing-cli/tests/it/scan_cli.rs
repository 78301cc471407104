//! `model_signing scan`, `sign --scan` and `verify --scan`: exit statuses, the human and JSON
//! reports, the allow-list options, and the gate on signing and verifying.

use crate::common;

use std::path::{Path, PathBuf};

use common::models::{pattern, write};
use common::pki::{ec_key, Curve, KeyFormat, KeyPair};
use common::{tempdir, Output, Run};

/// A protocol-0 pickle that calls `os.system("id")` when loaded.
const OS_SYSTEM: &[u8] = b"cos\nsystem\n(S'id'\ntR.";

fn safetensors(data_len: usize) -> Vec<u8> {
    let mut header =
        format!(r#"{{"w":{{"dtype":"U8","shape":[{data_len}],"data_offsets":[0,{data_len}]}}}}"#)
            .into_bytes();
    while header.len() % 8 != 0 {
        header.push(b' ');
    }
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.extend(pattern(data_len, 7));
    out
}

fn scan(dir: &Path, args: &[&str]) -> Output {
    Run::ours().arg("scan").args(args).cwd(dir).run()
}

#[test]
fn scan_exit_statuses_and_reports() {
    let dir = tempdir();
    let model = dir.path().join("model");
    write(&model, "model.safetensors", &safetensors(8));
    write(&model, "config.json", b"{\"a\": 1}");
    let out = scan(dir.path(), &["model"]);
    out.ok();
    assert!(out.stdout.ends_with("Scan passed.\n"), "{out:?}");

    // An unknown import: fails, unless unknown is accepted or allow-listed.
    write(&model, "extra.bin", b"cmypkg\nThing\n(tR.");
    let out = scan(dir.path(), &["model"]);
    out.failed().stdout_names("UNKNOWN   extra.bin");
    assert!(out.stdout.contains("mypkg.Thing at offset 0"), "{out:?}");
    scan(dir.path(), &["model", "--allow-unknown"]).ok();
    write(dir.path(), "allow.txt", b"mypkg.Thing\n");
    let out = scan(dir.path(), &["model", "--allow-list", "allow.txt"]);
    out.ok();
    assert!(
        out.stdout
            .starts_with("User allow-list in force: mypkg.Thing\n"),
        "{out:?}"
    );

    // A code-execution primitive under a .txt name: dangerous even with --allow-unknown.
    write(&model, "notes.txt", OS_SYSTEM);
    let out = scan(
        dir.path(),
        &["model", "--allow-unknown", "--output", "json"],
    );
    out.failed().stdout_names("dangerous");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "dangerous");
    let notes = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "notes.txt")
        .unwrap();
    assert_eq!(notes["findings"][0]["subject"], "os.system");
    assert_eq!(notes["findings"][0]["offset"], 0);
}

#[test]
fn scan_usage_errors_exit_2() {
    let dir = tempdir();
    let model = dir.path().join("model");
    write(&model, "config.json", b"{}");
    scan(dir.path(), &["model", "--allow-list", "missing.txt"])
        .code(2)
        .stderr_names("missing.txt");
    scan(dir.path(), &["does-not-exist"]).code(2);
    scan(dir.path(), &["model", "--bogus"]).code(2);
}

/// A model with real-sized tensor data, a key, and where its signature goes.
struct Model {
    dir: tempfile::TempDir,
    model: PathBuf,
    key: KeyPair,
    signature: PathBuf,
}

impl Model {
    fn new() -> Self {
        let dir = tempdir();
        let model = dir.path().join("model");
        // Larger than the capture's 64 KiB head, so tensor bytes stream past the scanner.
        write(&model, "model.safetensors", &safetensors(3 << 20));
        write(&model, "config.json", b"{\"hidden\": 4}");
        let key = ec_key(dir.path(), "signer", Curve::P256, KeyFormat::Pkcs8);
        let signature = dir.path().join("model.sig");
        Model {
            dir,
            model,
            key,
            signature,
        }
    }

    fn sign(&self, extra: &[&str]) -> Output {
        self.key
            .sign(&self.model, &self.signature)
            .args(extra)
            .run()
    }

    fn verify(&self, extra: &[&str]) -> Output {
        self.key
            .verify(&self.model, &self.signature)
            .args(extra)
            .run()
    }
}

#[test]
fn sign_scan_refuses_a_dangerous_model_and_writes_no_signature() {
    let m = Model::new();
    m.sign(&["--scan"]).signed();
    std::fs::remove_file(&m.signature).unwrap();

    write(&m.model, "optimizer.pt", OS_SYSTEM);
    m.sign(&["--scan"])
        .failed()
        .stderr_names("the model failed the scan: 1 dangerous and 0 unknown file(s)")
        .stderr_names("os.system");
    assert!(!m.signature.exists(), "a refused model must not be signed");
    // Without --scan, signing is about integrity only.
    m.sign(&[]).signed();
}

#[test]
fn verify_scan_checks_the_bytes_it_hashes() {
    let m = Model::new();
    write(&m.model, "extra.pkl", b"cmypkg\nThing\n(tR.");
    m.sign(&[]).signed();
    m.verify(&[]).verified();
    let out = m.verify(&["--scan"]);
    out.failed()
        .stderr_names("the model failed the scan: 0 dangerous and 1 unknown file(s)")
        .stderr_names("mypkg.Thing");
    m.verify(&["--scan", "--scan-allow-unknown"]).verified();
    write(m.dir.path(), "allow.txt", b"mypkg.Thing\n");
    let allow = m.dir.path().join("allow.txt");
    let allow = allow.to_str().unwrap();
    m.verify(&["--scan", "--scan-allow-list", allow]).verified();
}

#[test]
fn verify_scan_of_a_signed_dangerous_model_fails_and_says_so_in_the_termination_log() {
    let m = Model::new();
    write(&m.model, "notes.txt", OS_SYSTEM);
    m.sign(&[]).signed();
    m.verify(&[]).verified();
    let log = m.dir.path().join("termination-log");
    let out = m.verify(&[
        "--scan",
        "--scan-allow-unknown",
        "--termination-log",
        log.to_str().unwrap(),
    ]);
    out.failed().stderr_names("DANGEROUS notes.txt");
    // The operator's typed verdict: versioned JSON the controller parses.
    let written =
        verifier_contract::Verdict::parse(&std::fs::read_to_string(&log).unwrap()).unwrap();
    assert_eq!(written.result, verifier_contract::Outcome::Failed);
    assert_eq!(
        written.reasons,
        ["the model failed the scan: 1 dangerous and 0 unknown file(s) (unknown accepted)"]
    );
    assert!(written.args_hash.is_some());
}

#[test]
fn verify_scan_sees_a_pickle_split_across_shards_hashed_out_of_order() {
    let m = Model::new();
    // The payload starts in one 16-byte shard and ends in the next ones; the shards of one file
    // are hashed by different threads, so their bytes reach the scanner in any order.
    let mut payload = b"\x80\x02".to_vec();
    payload.extend_from_slice(b"cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.");
    write(&m.model, "weights.bin", &payload);
    m.sign(&["--method", "shards", "--shard-size", "16"])
        .signed();
    m.verify(&["--workers", "4"]).verified();
    m.verify(&["--scan", "--workers", "4"])
        .failed()
        .stderr_names("posix.system");
}

#[test]
fn verify_scan_reports_a_tamper_as_a_mismatch_not_a_scan_result() {
    let m = Model::new();
    m.sign(&[]).signed();
    write(&m.model, "config.json", b"{\"hidden\": 5}");
    m.verify(&["--scan"])
        .failed()
        .stderr_names("config.json")
        .stderr_lacks("scan");
}

#[test]
fn verify_scan_warn_only_prints_the_findings_and_lets_the_signature_decide() {
    let m = Model::new();
    write(&m.model, "notes.txt", OS_SYSTEM);
    m.sign(&[]).signed();
    m.verify(&["--scan", "--scan-warn-only"])
        .verified()
        .stderr_names("WARNING: the model failed the scan: 1 dangerous and 0 unknown file(s)")
        .stderr_names("DANGEROUS notes.txt");
    m.sign(&["--scan", "--scan-warn-only"])
        .code(2)
        .stderr_names("--scan-warn-only is for verify");
    write(&m.model, "notes.txt", b"changed");
    m.verify(&["--scan", "--scan-warn-only"])
        .failed()
        .stderr_names("notes.txt");
}

/// The operator's `mode: Warn`: a tampered model is reported (stderr, termination log) and the
/// verifier exits 0 so the workload starts.
#[test]
fn verify_report_only_reports_a_failure_and_exits_0() {
    let m = Model::new();
    m.sign(&[]).signed();
    write(&m.model, "config.json", b"{\"hidden\": 5}");
    let log = m.dir.path().join("termination-log");
    m.verify(&["--report-only", "--termination-log", log.to_str().unwrap()])
        .code(0)
        .stderr_names("config.json")
        .stderr_names("--report-only: the failure above is reported, not enforced");
    // The typed verdict says failed although the exit code is 0: the controller counts the pod
    // as Failed ("started anyway").
    let written =
        verifier_contract::Verdict::parse(&std::fs::read_to_string(&log).unwrap()).unwrap();
    assert_eq!(written.result, verifier_contract::Outcome::Failed);
    assert_eq!(written.reasons, ["config.json changed"]);
    m.verify(&[]).failed().stderr_names("config.json");
}
