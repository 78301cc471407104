//! The functions `_core` exports. Each one releases the GIL for the whole of its file and
//! crypto work; only the progress callback takes it back, briefly.

use std::path::{Path, PathBuf};

use model_signing::{
    HashingConfig, Manifest, Method, Progress, VerificationPlan, VerifiedModel, VerifyOptions,
};
use oms_format::Resource;
use oms_hashing::{HashOptions, IgnoreRules};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use crate::buffers::{Target, UninitBytes};
use crate::errors::{error, from_core, kind, os_error};
use crate::progress::PyProgress;
use crate::spec::{HashingSpec, SignerSpec, VerifierSpec};

type Row = (String, String, String);

/// Hashes a model; returns `(model_name, serialization, [(name, algorithm, hex digest)])`,
/// the serialization as the signature would record it.
#[pyfunction]
#[pyo3(signature = (model_path, hashing, files_to_hash=None, progress=None))]
pub(crate) fn digest(
    py: Python<'_>,
    model_path: PathBuf,
    hashing: HashingSpec,
    files_to_hash: Option<Vec<String>>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, Py<PyDict>, Vec<Row>)> {
    let progress = PyProgress::new(progress);
    let manifest = py.allow_threads(|| -> PyResult<Manifest> {
        match files_to_hash {
            None => model_signing::digest_model(&model_path, &hashing_config(&hashing)?, &progress)
                .map_err(from_core),
            Some(names) => digest_named(&model_path, &hashing, &names, &progress),
        }
    })?;
    progress.finish()?;
    let ser = &manifest.serialization;
    let params = PyDict::new(py);
    params.set_item("method", ser.method.wire_name())?;
    params.set_item("hash_type", ser.hash_type.wire_name())?;
    if let Method::Shards { shard_size } = ser.method {
        params.set_item("shard_size", shard_size)?;
    }
    params.set_item("allow_symlinks", ser.allow_symlinks)?;
    params.set_item("ignore_paths", ser.ignore_paths.clone())?;
    Ok((
        manifest.model_name.clone(),
        params.unbind(),
        rows(&manifest.resources),
    ))
}

/// Hashes a model and signs it; writes the bundle to `signature_path`.
#[pyfunction]
#[pyo3(signature = (model_path, signature_path, hashing, signer, progress=None))]
pub(crate) fn sign(
    py: Python<'_>,
    model_path: PathBuf,
    signature_path: PathBuf,
    hashing: HashingSpec,
    signer: SignerSpec,
    progress: Option<Py<PyAny>>,
) -> PyResult<()> {
    let progress = PyProgress::new(progress);
    py.allow_threads(|| -> PyResult<()> {
        let signer = signer.build()?;
        let cfg = hashing_config(&hashing)?;
        let bundle = model_signing::sign_model(&model_path, &cfg, signer.as_ref(), &progress)
            .map_err(from_core)?;
        std::fs::write(&signature_path, bundle).map_err(|e| {
            let message = format!("cannot write {}: {e}", signature_path.display());
            os_error(&signature_path, &e, message)
        })
    })?;
    progress.finish()
}

/// Loads and checks the signer's key and certificates now, as the reference does in
/// `use_*_signer`; `sign` builds it again from the same files. Sigstore's keyless signer has
/// nothing to load before signing.
#[pyfunction]
pub(crate) fn check_signer(py: Python<'_>, signer: SignerSpec) -> PyResult<()> {
    if signer.method == "sigstore" {
        return Ok(());
    }
    py.allow_threads(|| signer.build().map(drop))
}

/// Loads and checks the verifier's key, certificates or trust material now, as the reference
/// does in `use_*_verifier`.
#[pyfunction]
pub(crate) fn check_verifier(py: Python<'_>, verifier: VerifierSpec) -> PyResult<()> {
    py.allow_threads(|| verifier.build().map(drop))
}

/// Verifies a model; returns `{"signer": str, "warnings": [str]}` or raises `_core.Error`.
/// The library's one verification plan: the file lists are compared before any file is read.
#[pyfunction]
#[pyo3(signature = (model_path, signature_path, verifier, hashing=None, ignore_unsigned_files=false, progress=None))]
pub(crate) fn verify(
    py: Python<'_>,
    model_path: PathBuf,
    signature_path: PathBuf,
    verifier: VerifierSpec,
    hashing: Option<HashingSpec>,
    ignore_unsigned_files: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Py<PyDict>> {
    let progress = PyProgress::new(progress);
    let verified = py.allow_threads(|| -> PyResult<VerifiedModel> {
        let plan = plan(
            &model_path,
            &signature_path,
            &verifier,
            hashing.as_ref(),
            ignore_unsigned_files,
        )?;
        plan.verify_on_disk(&progress).map_err(from_core)
    })?;
    progress.finish()?;
    info(py, &verified)
}

/// Reads every file of the model once, verifies the signature against the digests of those
/// very bytes, and only then returns them: `{resource path: bytes}` (`.` for a single file).
/// The file lists are compared before anything is read; each file is read once, straight into
/// the `bytes` object that is returned, opened as the walk listed it (no link followed unless
/// listed through one, nothing read from a FIFO or device, the same file before and after).
#[pyfunction]
#[pyo3(signature = (model_path, signature_path, verifier, hashing=None, ignore_unsigned_files=false, progress=None, scan=false, scan_allow_unknown=false))]
#[allow(clippy::too_many_arguments)] // the Python keyword arguments, one to one
pub(crate) fn read_verified(
    py: Python<'_>,
    model_path: PathBuf,
    signature_path: PathBuf,
    verifier: VerifierSpec,
    hashing: Option<HashingSpec>,
    ignore_unsigned_files: bool,
    progress: Option<Py<PyAny>>,
    scan: bool,
    scan_allow_unknown: bool,
) -> PyResult<(Py<PyDict>, Py<PyDict>)> {
    let progress = PyProgress::new(progress);
    let plan = py.allow_threads(|| -> PyResult<VerificationPlan> {
        let plan = plan(
            &model_path,
            &signature_path,
            &verifier,
            hashing.as_ref(),
            ignore_unsigned_files,
        )?;
        progress.start(oms_hashing::total_len(plan.files()));
        Ok(plan)
    })?;
    let buffers = plan
        .files()
        .iter()
        .map(|f| UninitBytes::new(py, f.len))
        .collect::<PyResult<Vec<_>>>()?;
    let targets: Vec<&Target> = buffers.iter().map(UninitBytes::target).collect();
    py.allow_threads(|| -> PyResult<()> {
        plan.files()
            .par_iter()
            .zip(targets.par_iter())
            .try_for_each(|(f, target)| {
                target.fill_from(f)?;
                progress.advance(f.len);
                Ok::<(), PyErr>(())
            })
    })?;
    let names: Vec<String> = plan.files().iter().map(|f| f.name.clone()).collect();
    let contents: Vec<(String, &[u8])> = names
        .iter()
        .zip(&buffers)
        .map(|(name, b)| (name.clone(), b.object.as_bytes()))
        .collect();
    let verified = py.allow_threads(|| {
        if !scan {
            return plan.verify_contents(&contents).map_err(from_core);
        }
        let policy = oms_scan::Policy::default();
        let scanned = plan
            .verify_and_scan_contents(&contents, &policy)
            .map_err(from_core)?;
        check_scan(&scanned.scan, scan_allow_unknown)?;
        Ok::<VerifiedModel, PyErr>(scanned.verified)
    })?;
    progress.finish()?;
    let out = PyDict::new(py);
    for (name, b) in names.iter().zip(buffers) {
        out.set_item(name, b.object)?;
    }
    Ok((out.unbind(), info(py, &verified)?))
}

/// The scan of the verified bytes themselves (not the files again) as an error naming every
/// file that is not safe, with its first finding.
fn check_scan(report: &oms_scan::ScanReport, allow_unknown: bool) -> PyResult<()> {
    let Some(reason) = report.failure(allow_unknown) else {
        return Ok(());
    };
    let details: Vec<String> = report
        .files
        .iter()
        .filter(|f| f.verdict != oms_scan::Verdict::Safe)
        .map(
            |f| match f.findings.iter().find(|x| x.verdict == f.verdict) {
                Some(x) => format!("{} {:?}: {} ({})", f.name, f.verdict, x.subject, x.detail),
                None => format!("{} {:?}", f.name, f.verdict),
            },
        )
        .collect();
    Err(error(
        kind::SCAN,
        format!("{reason}: {}", details.join("; ")),
    ))
}

fn info(py: Python<'_>, verified: &VerifiedModel) -> PyResult<Py<PyDict>> {
    let d = PyDict::new(py);
    d.set_item("signer", &verified.signer)?;
    let warnings: Vec<String> = verified.warnings.iter().map(ToString::to_string).collect();
    d.set_item("warnings", warnings)?;
    Ok(d.unbind())
}

fn rows(resources: &[Resource]) -> Vec<Row> {
    resources
        .iter()
        .map(|r| (r.name.clone(), r.digest.algorithm.clone(), r.digest.hex()))
        .collect()
}

fn hashing_config(h: &HashingSpec) -> PyResult<HashingConfig> {
    Ok(HashingConfig {
        method: h.method()?,
        algorithm: h.algorithm()?,
        allow_symlinks: h.allow_symlinks,
        // The reference's API signs empty files in shards (recording nothing for them); the
        // drop-in API keeps that, the CLI refuses by default.
        allow_empty_files_in_shards: true,
        ignore_paths: h.ignore_paths.clone(),
        ignore_git_paths: h.ignore_git_paths,
        workers: h.max_workers,
    })
}

fn ignore_rules(paths: &[String], git: bool) -> PyResult<IgnoreRules> {
    let (rules, _) = model_signing::ignore_rules(paths, git).map_err(from_core)?;
    Ok(rules)
}

/// `hashing.Config.hash(files_to_hash=…)`: only the named files, as the manifest records them.
fn digest_named(
    model: &Path,
    h: &HashingSpec,
    names: &[String],
    progress: &PyProgress,
) -> PyResult<Manifest> {
    let rules = ignore_rules(&h.ignore_paths, h.ignore_git_paths)?;
    let opts = HashOptions {
        method: h.method()?,
        algorithm: h.algorithm()?,
        workers: h.max_workers,
    };
    let (files, missing) = oms_hashing::list_named(model, names, h.allow_symlinks, &rules)
        .map_err(|e| from_core(e.into()))?;
    if let Some(name) = missing.first() {
        return Err(error(
            kind::VALUE,
            format!(
                "Cannot use '{}' as file or directory: it does not exist",
                model.join(name).display()
            ),
        ));
    }
    progress.start(files.iter().map(|f| f.len).sum());
    let resources = oms_hashing::hash_files(&files, &opts, &|b| progress.advance(b))
        .map_err(|e| from_core(e.into()))?;
    let serialization = oms_format::Serialization {
        method: opts.effective_method(),
        hash_type: opts.algorithm,
        allow_symlinks: h.allow_symlinks,
        ignore_paths: rules.paths().map(str::to_string).collect(),
    };
    Manifest::new(model_signing::model_name(model), serialization, resources)
        .map_err(|e| from_core(e.into()))
}

/// Checks the signature, then lists the model's files and compares the list with the signed
/// one, the way the reference's `verifying.Config.verify` would hash: with the hashing
/// configuration the caller set, or else the one the signature records; the signature's ignore
/// paths added either way. Nothing is read from the model yet.
fn plan(
    model: &Path,
    signature: &Path,
    verifier: &VerifierSpec,
    hashing: Option<&HashingSpec>,
    ignore_unsigned: bool,
) -> PyResult<VerificationPlan> {
    let signature = model_signing::open_signature(signature).map_err(from_core)?;
    let verifier = verifier.build()?;
    let options = match hashing {
        Some(h) => VerifyOptions {
            extra_ignore_paths: h.ignore_paths.clone(),
            ignore_git_paths: h.ignore_git_paths,
            allow_symlinks: h.allow_symlinks,
            ignore_unsigned_files: ignore_unsigned,
            hashing_override: Some((h.method()?, h.algorithm()?)),
            workers: h.max_workers,
            ..VerifyOptions::default()
        },
        None => VerifyOptions {
            allow_symlinks_as_signed: true,
            ignore_unsigned_files: ignore_unsigned,
            ..VerifyOptions::default()
        },
    };
    // Like the reference's library API, the signature is not left out of the model: a
    // signature kept inside the model shows up as an added file.
    model_signing::plan_verification(model, &signature.bytes, verifier.as_ref(), &options)
        .map_err(from_core)
}
