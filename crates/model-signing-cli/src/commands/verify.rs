//! `model_signing verify <method>`: check the signature and signer, then the model's files.

use std::io::Write;

use model_signing::verifiers::{CertificateVerifier, KeyVerifier};
use model_signing::{
    BundleVerifier, Error, Progress, VerificationReport, VerifiedModel, VerifyOptions,
};
use oms_scan::{Policy, ScanReport};

use crate::args::{OutputFormat, VerifyCommon, VerifyMethod};
use crate::commands::sigstore;
use crate::ignore::cli_ignore_paths;
use crate::output::{self, Status};
use crate::progress::HashProgress;
use crate::termination;
use verifier_contract::Verdict;

pub fn run(method: &VerifyMethod) -> Status {
    let status = run_and_report(method);
    if status == Status::Failure && method.common().report_only {
        eprintln!("WARNING: --report-only: the failure above is reported, not enforced (exit 0)");
        return Status::Success;
    }
    status
}

fn run_and_report(method: &VerifyMethod) -> Status {
    let common = method.common();
    let policy = if common.scan.scan {
        match super::scan::policy_or_usage(common.scan.allow_list.as_deref()) {
            Ok(p) => Some(p),
            Err(status) => return status,
        }
    } else {
        None
    };
    let progress = HashProgress::on_terminal();
    let outcome = execute_scanning(method, &progress, policy.as_ref());
    progress.finish();
    let (result, scan) = match outcome {
        Ok((verified, scan)) => (Ok(verified), scan),
        Err(err) => (Err(err), None),
    };
    // A model that does not verify is reported as such; only a verified one is judged by its
    // scan (`verify --scan`: the scan read the bytes hashed, no second read).
    let failed_scan = scan.and_then(|scan| {
        let msg = super::scan::gate(&scan, &common.scan).err()?;
        if common.scan.warn_only {
            eprintln!("WARNING: {msg}");
        }
        let _ = super::scan::write_text(&mut std::io::stderr(), &scan, common.scan.allow_unknown);
        Some(msg)
    });
    match failed_scan.filter(|_| !common.scan.warn_only) {
        Some(msg) => {
            write_termination_log(common, |hash| termination::failed(&msg, hash));
            output::failure(output::VERIFY_FAILED, &msg)
        }
        None => {
            write_termination_log(common, |hash| termination::verdict(&result, hash));
            report(&result, common.output)
        }
    }
}

/// Writes the operator's typed verdict (given the hash of this process's arguments).
fn write_termination_log(common: &VerifyCommon, verdict: impl FnOnce(Option<String>) -> Verdict) {
    if let Some(path) = &common.termination_log {
        let verdict = verdict(Some(termination::this_process_args_hash()));
        // The verdict file is a convenience for the cluster; the exit status stays the verdict.
        if let Err(err) = std::fs::write(path, verdict.to_json()) {
            tracing::warn!("cannot write the verdict to {}: {err}", path.display());
        }
    }
}

/// Verifies without printing anything.
pub fn execute(method: &VerifyMethod, progress: &dyn Progress) -> Result<VerifiedModel, Error> {
    execute_scanning(method, progress, None).map(|(verified, _)| verified)
}

/// Verifies, and with a policy scans the bytes hashed (only a model that verifies is scanned),
/// without printing anything.
fn execute_scanning(
    method: &VerifyMethod,
    progress: &dyn Progress,
    scan: Option<&Policy>,
) -> Result<(VerifiedModel, Option<ScanReport>), Error> {
    let common = method.common();
    let verifier = verifier(method)?;
    let signature = model_signing::open_signature(&common.signature)?;
    let links = signature.location().links();
    if links > 1 {
        tracing::info!(
            "note: the signature {} has {links} hard links: its bytes also have another name",
            common.signature.display()
        );
    }
    let options = VerifyOptions {
        signature: Some(signature.location()),
        ..options(common)?
    };
    let plan = model_signing::plan_verification(
        &common.model.model_path,
        &signature.bytes,
        verifier.as_ref(),
        &options,
    )?;
    let (verified, scan) = match scan {
        None => (plan.verify_on_disk(progress)?, None),
        Some(policy) => {
            let scanned = plan.verify_and_scan_on_disk(progress, policy)?;
            (scanned.verified, Some(scanned.scan))
        }
    };
    for (name, links) in &verified.hard_linked {
        tracing::info!(
            "note: {} has {links} hard links: its bytes can also be changed through another name",
            model_signing::escape_controls(name)
        );
    }
    Ok((verified, scan))
}

/// Prints the outcome: the reference's lines for text, the report on stdout for JSON.
pub fn report(result: &Result<VerifiedModel, Error>, format: OutputFormat) -> Status {
    report_to(
        result,
        format,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
}

/// [`report`] onto the given streams.
pub fn report_to(
    result: &Result<VerifiedModel, Error>,
    format: OutputFormat,
    out: &mut dyn Write,
    err_out: &mut dyn Write,
) -> Status {
    let json = format == OutputFormat::Json;
    // A closed stdout or stderr cannot be reported anywhere; the exit status still is.
    match result {
        Ok(verified) => {
            let notes_out: &mut dyn Write = if json { &mut *err_out } else { &mut *out };
            let _ = output::write_verifier_notes(notes_out, &verified.warnings);
            tracing::debug!("signed by {}", verified.signer);
            let _ = if json {
                writeln!(
                    out,
                    "{}",
                    output::report_json(&VerificationReport::default())
                )
            } else {
                writeln!(out, "{}", output::VERIFY_OK)
            };
            Status::Success
        }
        Err(err) => {
            if let (Error::Mismatch(mismatch), true) = (err, json) {
                let _ = writeln!(out, "{}", output::report_json(mismatch));
            }
            // The mismatch report escapes the names it lists and keeps its own line breaks.
            let text = match err {
                Error::Mismatch(mismatch) => mismatch.to_string(),
                other => output::error_text(other),
            };
            let _ = writeln!(err_out, "{}: {text}", output::VERIFY_FAILED);
            Status::Failure
        }
    }
}

pub(super) fn verifier(method: &VerifyMethod) -> Result<Box<dyn BundleVerifier>, Error> {
    Ok(match method {
        VerifyMethod::Sigstore(args) => sigstore::verifier(args)?,
        VerifyMethod::Key(args) => Box::new(KeyVerifier::from_pem_file(&args.public_key)?),
        VerifyMethod::Certificate(args) => Box::new(CertificateVerifier::from_files(
            &args.certificate_chain,
            args.log_fingerprints,
        )?),
    })
}

/// The options from the command line. The signature file is added once opened (see
/// [`execute`]): left out of the model at its path while it is the file read.
pub fn options(common: &VerifyCommon) -> Result<VerifyOptions, Error> {
    let model = &common.model;
    Ok(VerifyOptions {
        extra_ignore_paths: cli_ignore_paths(&model.model_path, &model.ignore_paths, None)?,
        ignore_git_paths: model.ignore_git_paths(),
        allow_symlinks: model.allow_symlinks,
        allow_symlinks_as_signed: false,
        ignore_unsigned_files: common.ignore_unsigned_files,
        workers: common.workers,
        signature: None,
        hashing_override: None,
    })
}

#[cfg(test)]
mod tests {
    use model_signing::{ChangedResource, Digest};

    use super::*;

    fn mismatch() -> Result<VerifiedModel, Error> {
        Err(Error::Mismatch(Box::new(VerificationReport {
            added: vec!["new".into()],
            missing: vec![],
            changed: vec![ChangedResource {
                name: "w".into(),
                expected: Digest::new("sha256", vec![1]),
                actual: Digest::new("sha256", vec![2]),
            }],
            ..VerificationReport::default()
        })))
    }

    fn printed(
        result: &Result<VerifiedModel, Error>,
        format: OutputFormat,
    ) -> (Status, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = report_to(result, format, &mut out, &mut err);
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn text_mismatch_goes_to_stderr() {
        let (status, out, err) = printed(&mismatch(), OutputFormat::Text);
        assert_eq!(status, Status::Failure);
        assert_eq!(out, "");
        assert_eq!(
            err,
            "Verification failed with error: Signature mismatch: the model differs from what was \
             signed (1 added, 0 missing, 1 changed)\n  added:   new (not in the signature)\n  \
             changed: w\n           expected sha256:01\n           actual   sha256:02\n"
        );
    }

    #[test]
    fn json_mismatch_prints_the_report_on_stdout() {
        let (status, out, err) = printed(&mismatch(), OutputFormat::Json);
        assert_eq!(status, Status::Failure);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "match": false,
                "added": ["new"],
                "missing": [],
                "ignored": [],
                "linked_directories": [],
                "changed": [{
                    "name": "w",
                    "expected": {"algorithm": "sha256", "digest": "01"},
                    "actual": {"algorithm": "sha256", "digest": "02"},
                }],
            })
        );
        assert!(err.starts_with("Verification failed with error: Signature mismatch"));
    }

    #[test]
    fn other_failures_print_nothing_on_stdout() {
        let result = Err(Error::Verify(model_signing::VerifyError::NoSignature));
        for format in [OutputFormat::Text, OutputFormat::Json] {
            let (status, out, err) = printed(&result, format);
            assert_eq!(status, Status::Failure);
            assert_eq!(out, "");
            assert_eq!(
                err,
                "Verification failed with error: the bundle's DSSE envelope has no signature\n"
            );
        }
    }
}
