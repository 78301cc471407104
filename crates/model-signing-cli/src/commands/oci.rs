//! Models in OCI registries: `oci push|pull`, and `sign`/`verify` of an `oci://REF` model path.
//! The work is in the `oms-oci` library; this drives it on a private single-thread runtime and
//! prints the outcome, including how the contents were checked (by manifest, or by pulling).

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use model_signing::{HashAlgorithm, Method, VerifiedModel};
use oms_oci::{Reference, Registry, RegistryOptions, StatementOptions};

use crate::args::{OciCommand, OutputFormat, SignMethod, VerifyMethod};
use crate::oci_argv::REFERRERS;
use crate::output::{self, Status};

/// Registries reached over plain HTTP besides loopback ones: `host[:port]`, comma-separated.
const PLAIN_HTTP_ENV: &str = "MODEL_SIGNING_OCI_PLAIN_HTTP";

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the I/O runtime")
}

fn connect(reference: &str) -> Result<(Registry, Reference)> {
    let reference = oms_oci::parse_reference(reference)?;
    let plain_http = std::env::var(PLAIN_HTTP_ENV)
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let options = RegistryOptions {
        plain_http,
        auth: None,
    };
    Ok((Registry::new(&options, &reference), reference))
}

pub fn run(command: &OciCommand) -> Status {
    let result = match command {
        OciCommand::Push(args) => push(&args.model_path, &args.reference),
        OciCommand::Pull(args) => {
            pull(&args.reference, &args.model_path, args.signature.as_deref())
        }
    };
    match result {
        Ok(()) => Status::Success,
        Err(err) => output::failure("OCI operation failed with error", &format_args!("{err}")),
    }
}

fn push(dir: &Path, reference: &str) -> Result<()> {
    let (registry, reference) = connect(reference)?;
    let digest = runtime()?.block_on(oms_oci::push_folder(&registry, dir, &reference))?;
    println!("Pushed {} as {}@{digest}", dir.display(), reference.whole());
    Ok(())
}

fn pull(reference: &str, dir: &Path, signature: Option<&Path>) -> Result<()> {
    let (registry, reference) = connect(reference)?;
    runtime()?.block_on(async {
        let model = oms_oci::ops::pull_folder_of(&registry, &reference, dir).await?;
        println!("Pulled {} into {}", model.reference.whole(), dir.display());
        if let Some(path) = signature {
            let bundles = registry.signatures(&model).await?;
            let Some((referrer, bundle)) = bundles.into_iter().next() else {
                bail!("no signature is attached to {}", model.reference.whole());
            };
            let bundle = bundle?;
            model_signing::write_signature(path, &bundle)?;
            println!(
                "Saved the signature of referrer {referrer} to {} (not verified)",
                path.display()
            );
        }
        Ok(())
    })
}

/// `sign <method> … oci://REF`: signs the artifact by its manifest and attaches the bundle as a
/// referrer; the bundle is also written to `--signature`, as for a folder.
pub fn sign(method: &SignMethod) -> Status {
    match sign_artifact(method) {
        Ok(()) => output::success(output::SIGN_OK),
        Err(err) => output::failure(output::SIGN_FAILED, &format_args!("{err}")),
    }
}

fn sign_artifact(method: &SignMethod) -> Result<()> {
    let common = method.common();
    if common.scan.scan {
        bail!("--scan reads the model's bytes: pull the artifact (`model_signing oci pull`) and sign the folder to scan it");
    }
    if !common.model.ignore_paths.is_empty() {
        bail!("--ignore-paths names local paths: it does not apply to an oci:// model");
    }
    let hashing = super::sign::hashing_config(common)?;
    if hashing.method != Method::Files || hashing.algorithm != HashAlgorithm::Sha256 {
        bail!("an oci:// model is signed with the files method and sha256 (its layer digests): expected no --method/--hash-algorithm");
    }
    let reference_text = model_text(&common.model.model_path)?;
    let (registry, reference) = connect(reference_text)?;
    let signer = super::sign::signer(method)?;
    let opts = StatementOptions {
        model_name: oms_oci::model_name_of(&reference),
        ignore_paths: Vec::new(),
        ignore_git_paths: hashing.ignore_git_paths,
    };
    let runtime = runtime()?;
    let prepared = runtime.block_on(oms_oci::ops::prepare_signing(&registry, &reference, &opts))?;
    // Outside the runtime: the Sigstore signer drives its own.
    let bundle = model_signing::sign_manifest(&prepared.manifest, signer.as_ref())?;
    let signed = runtime.block_on(oms_oci::ops::attach(&registry, prepared, bundle))?;
    model_signing::write_signature(&common.signature, &signed.bundle)?;
    // stdout stays the reference's one line; how the model was read goes to stderr.
    eprintln!(
        "Signed {} ({}); signature attached as referrer {} and written to {}",
        signed.model.reference.whole(),
        signed.checked,
        signed.referrer,
        common.signature.display()
    );
    Ok(())
}

/// `verify <method> … oci://REF`: checks the artifact's manifest against the signatures
/// attached to it (or against `--signature`, a local bundle, when given).
pub fn verify(method: &VerifyMethod) -> Status {
    let common = method.common();
    let result = verify_artifact(method);
    match result {
        Ok((verified, line)) => {
            // JSON on stdout stays one document; how the model was checked goes to stderr then.
            if common.output == OutputFormat::Json {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
            super::verify::report(&Ok(verified), common.output)
        }
        Err(err) => match err.downcast::<model_signing::Error>() {
            Ok(err) => super::verify::report(&Err(err), common.output),
            Err(err) => {
                if common.output == OutputFormat::Json {
                    println!(
                        "{{\"error\": {}}}",
                        serde_json::Value::String(format!("{err}"))
                    );
                }
                output::failure(output::VERIFY_FAILED, &format_args!("{err}"))
            }
        },
    }
}

fn verify_artifact(method: &VerifyMethod) -> Result<(VerifiedModel, String)> {
    let common = method.common();
    if common.scan.scan {
        bail!("--scan reads the model's bytes: pull the artifact (`model_signing oci pull`) and verify the folder to scan it");
    }
    let reference_text = model_text(&common.model.model_path)?;
    let (registry, reference) = connect(reference_text)?;
    let verifier = super::verify::verifier(method)?;
    let runtime = runtime()?;
    if common.signature.as_os_str() == REFERRERS {
        let verified = runtime
            .block_on(oms_oci::verify_artifact(
                &registry,
                &reference,
                verifier.as_ref(),
            ))
            .map_err(unwrap_model_error)?;
        let line = format!(
            "Verified {} with the signature of referrer {}: {}",
            verified.model.reference.whole(),
            verified.referrer,
            verified.checked
        );
        return Ok((verified.verified, line));
    }
    let bundle = model_signing::read_signature(&common.signature)?;
    let (verified, checked, model) = runtime
        .block_on(oms_oci::ops::verify_with_bundle(
            &registry,
            &reference,
            &bundle,
            verifier.as_ref(),
        ))
        .map_err(unwrap_model_error)?;
    let line = format!(
        "Verified {} with {}: {checked}",
        model.reference.whole(),
        common.signature.display()
    );
    Ok((verified, line))
}

/// A library error that is a model-signing error (a mismatch report, a bad signature) is
/// reported the way `verify` of a folder reports it.
fn unwrap_model_error(err: oms_oci::Error) -> anyhow::Error {
    match err {
        oms_oci::Error::Model(inner) => anyhow::Error::new(inner),
        other => anyhow::Error::new(other),
    }
}

fn model_text(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("the model reference {} is not UTF-8", path.display()))
}
