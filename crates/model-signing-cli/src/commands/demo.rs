//! `model_signing demo`: the whole story on a throwaway model and key, no network and nothing
//! prepared. Each step prints the equivalent command line (run from the demo folder) and runs
//! it through the same code as that command; the demo fails if any step surprises it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Parser;
use model_signing::{Error, VerifiedModel};
use oms_keys::{Curve, SigningKey};

use crate::args::{Cli, Command, DemoArgs};
use crate::commands::{digest, inspect, sign, verify};
use crate::output::Status;
use crate::progress::HashProgress;

/// The small model: (path inside `model/`, contents).
const MODEL_FILES: [(&str, &str); 5] = [
    (
        "config.json",
        "{\"architecture\": \"demo\", \"layers\": 2}\n",
    ),
    ("README.md", "# A tiny demo model\n"),
    ("tokenizer/vocab.txt", "<pad>\n<unk>\nhello\nworld\n"),
    ("weights/layer-0.bin", "layer 0 weights: 0.125 0.25 0.5\n"),
    ("weights/layer-1.bin", "layer 1 weights: 1.0 2.0 4.0\n"),
];

const CHANGED_FILE: &str = "config.json";
const ADDED_FILE: &str = "extra.txt";
const REMOVED_FILE: &str = "weights/layer-1.bin";

pub fn run(args: &DemoArgs) -> Status {
    let (workdir, _temp) = match workdir(args.keep.as_deref()) {
        Ok(found) => found,
        Err(message) => return fail_setup(&message),
    };
    // The printed command lines are relative to the demo folder; the commands run on the
    // same files through absolute paths, so the process's working directory never changes.
    println!("$ cd {}", workdir.display());
    let all_expected = steps(&workdir);
    if args.keep.is_some() {
        println!("\nThe demo's files are in {}", workdir.display());
    }
    if all_expected {
        println!("\nDemo finished: every step behaved as expected.");
        Status::Success
    } else {
        eprintln!("\nDemo FAILED: some step did not behave as expected (see above).");
        Status::Failure
    }
}

fn fail_setup(message: &str) -> Status {
    eprintln!("Demo failed: {message}");
    Status::Failure
}

/// The folder to work in: `--keep DIR` (created, must be empty) or a temporary one that is
/// removed when the returned guard drops.
fn workdir(keep: Option<&Path>) -> Result<(PathBuf, Option<tempfile::TempDir>), String> {
    match keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let mut entries = std::fs::read_dir(dir)
                .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            if entries.next().is_some() {
                return Err(format!(
                    "{} is not empty; give --keep a new or empty folder",
                    dir.display()
                ));
            }
            let dir = std::fs::canonicalize(dir)
                .map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
            Ok((dir, None))
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("model-signing-demo-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
            Ok((temp.path().to_path_buf(), Some(temp)))
        }
    }
}

/// Runs the steps in order (in `dir`), stopping at the first surprise, since each step
/// builds on the previous ones; true if all behaved as expected.
fn steps(dir: &Path) -> bool {
    let steps: [fn(&Path) -> bool; 8] = [
        step_create_model,
        step_generate_key,
        step_sign,
        step_digest,
        step_inspect,
        step_verify_intact,
        step_tamper_and_verify,
        step_unsigned_model,
    ];
    steps.iter().all(|step| step(dir))
}

fn heading(number: u32, title: &str) {
    println!("\n== Step {number}: {title}");
}

fn verdict(expected: bool, what: &str) -> bool {
    if expected {
        println!("-> as expected: {what}");
    } else {
        println!("-> UNEXPECTED: wanted {what}");
    }
    expected
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn setup_result(result: Result<(), String>, what: &str) -> bool {
    match result {
        Ok(()) => verdict(true, what),
        Err(message) => {
            println!("{message}");
            verdict(false, what)
        }
    }
}

fn step_create_model(dir: &Path) -> bool {
    heading(1, "a small model (a few files, nested folders)");
    println!("$ mkdir -p model/tokenizer model/weights");
    let result = MODEL_FILES.iter().try_for_each(|(name, line)| {
        println!("$ echo '{line}' > model/{name}");
        write_file(&dir.join("model").join(name), &format!("{line}\n"))
    });
    setup_result(result, "model/ created")
}

fn step_generate_key(dir: &Path) -> bool {
    heading(
        2,
        "a throwaway P-256 key pair (made in-process, like these commands)",
    );
    println!("$ openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out private.pem");
    println!("$ openssl pkey -in private.pem -pubout -out public.pem");
    let key = SigningKey::generate(Curve::P256);
    let result = key
        .to_pkcs8_pem(None)
        .map_err(|e| e.to_string())
        .and_then(|pem| write_file(&dir.join("private.pem"), &pem))
        .and_then(|()| write_file(&dir.join("public.pem"), &key.verifying_key().to_pem()));
    setup_result(result, "private.pem and public.pem written")
}

/// The demo's file names, which its command lines use relative to the demo folder.
const DEMO_PATHS: [&str; 6] = [
    "model",
    "private.pem",
    "public.pem",
    "model.sig",
    "unsigned-model",
    "unsigned-model/model.sig",
];

/// Prints the command line and parses it exactly as `main` would, with the demo's file names
/// made absolute (below `dir`).
fn command(dir: &Path, words: &[&str]) -> Option<Command> {
    println!("$ model_signing {}", words.join(" "));
    let argv: Vec<OsString> = std::iter::once(OsString::from("model_signing"))
        .chain(words.iter().map(|w| {
            if DEMO_PATHS.contains(w) {
                dir.join(w).into_os_string()
            } else {
                OsString::from(w)
            }
        }))
        .collect();
    match Cli::try_parse_from(crate::argv::rewrite(argv)) {
        Ok(cli) => Some(cli.command),
        Err(err) => {
            println!("{err}");
            None
        }
    }
}

fn step_sign(dir: &Path) -> bool {
    heading(3, "sign the model with the private key");
    let status = match command(
        dir,
        &[
            "sign",
            "key",
            "model",
            "--private-key",
            "private.pem",
            "--signature",
            "model.sig",
        ],
    ) {
        Some(Command::Sign { method }) => sign::run(&method),
        _ => Status::Failure,
    };
    verdict(status == Status::Success, "model.sig written")
}

fn step_digest(dir: &Path) -> bool {
    heading(
        4,
        "the model's digest (the root digest the signature carries)",
    );
    let status = match command(dir, &["digest", "model"]) {
        Some(Command::Digest(args)) => digest::run(&args),
        _ => Status::Failure,
    };
    verdict(status == Status::Success, "a sha256 digest")
}

fn step_inspect(dir: &Path) -> bool {
    heading(5, "what the signature says (nothing verified yet)");
    let status = match command(dir, &["inspect", "model.sig"]) {
        Some(Command::Inspect(args)) => inspect::run(&args),
        _ => Status::Failure,
    };
    verdict(status == Status::Success, "the signature described")
}

/// Runs a verify command line; `None` if it did not parse as one.
fn verify_command(dir: &Path, words: &[&str]) -> Option<Result<VerifiedModel, Error>> {
    match command(dir, words)? {
        Command::Verify { method } => {
            let result = verify::execute(&method, &HashProgress::silent());
            // Everything on stdout, so the demo reads in order even when piped.
            let mut out = std::io::stdout();
            let mut err = std::io::stdout();
            verify::report_to(&result, method.common().output, &mut out, &mut err);
            Some(result)
        }
        _ => None,
    }
}

const VERIFY_MODEL: [&str; 7] = [
    "verify",
    "key",
    "model",
    "--signature",
    "model.sig",
    "--public-key",
    "public.pem",
];

fn step_verify_intact(dir: &Path) -> bool {
    heading(6, "verify the untouched model");
    let ok = matches!(verify_command(dir, &VERIFY_MODEL), Some(Ok(_)));
    verdict(ok, "verification succeeds")
}

fn step_tamper_and_verify(dir: &Path) -> bool {
    heading(
        7,
        "tamper with the model (change, add, delete a file) and verify again",
    );
    let model = dir.join("model");
    println!("$ echo '# edited' >> model/{CHANGED_FILE}");
    if let Err(message) = append(&model.join(CHANGED_FILE), "# edited\n") {
        println!("{message}");
        return verdict(false, "the model tampered with");
    }
    let changed = match verify_command(dir, &VERIFY_MODEL) {
        Some(Err(Error::Mismatch(report))) => {
            let names: Vec<&str> = report.changed.iter().map(|c| c.name.as_str()).collect();
            report.added.is_empty() && report.missing.is_empty() && names == [CHANGED_FILE]
        }
        _ => false,
    };
    if !verdict(
        changed,
        &format!("verification fails naming {CHANGED_FILE} (changed)"),
    ) {
        return false;
    }
    println!("$ echo 'not signed' > model/{ADDED_FILE}");
    println!("$ rm model/{REMOVED_FILE}");
    let tampered = write_file(&model.join(ADDED_FILE), "not signed\n").and_then(|()| {
        let path = model.join(REMOVED_FILE);
        std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
    });
    if let Err(message) = tampered {
        println!("{message}");
        return verdict(false, "the model tampered with");
    }
    // The file lists differ: that fails before any file is read.
    let ok = match verify_command(dir, &VERIFY_MODEL) {
        Some(Err(Error::Mismatch(report))) => {
            report.added == [ADDED_FILE] && report.missing == [REMOVED_FILE]
        }
        _ => false,
    };
    verdict(
        ok,
        &format!("verification fails naming {ADDED_FILE} (added) and {REMOVED_FILE} (missing)"),
    )
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    let mut contents = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    contents.push_str(text);
    write_file(path, &contents)
}

fn step_unsigned_model(dir: &Path) -> bool {
    heading(8, "a model that was never signed is refused");
    let model = dir.join("unsigned-model");
    println!("$ mkdir unsigned-model && echo 'weights' > unsigned-model/weights.bin");
    if let Err(message) = write_file(&model.join("weights.bin"), "weights\n") {
        println!("{message}");
        return verdict(false, "unsigned-model/ created");
    }
    let result = verify_command(
        dir,
        &[
            "verify",
            "key",
            "unsigned-model",
            "--signature",
            "unsigned-model/model.sig",
            "--public-key",
            "public.pem",
        ],
    );
    let refused = matches!(result, Some(Err(Error::Io { .. })));
    verdict(refused, "verification fails: there is no signature")
}
