use std::collections::BTreeSet;
use std::path::Path;

use oms_format::manifest::parse_shard_name;
use oms_format::{statement, Manifest, Method};
use oms_hashing::{HashOptions, IgnoreRules};

use crate::model::{hash_listed, ignore_rules};
use crate::report::IgnoredResource;
use crate::{BundleVerifier, Error, Progress, VerificationReport, VerifyOptions};

/// A model that matches a valid signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedModel {
    /// Who signed, as the verifier describes it.
    pub signer: String,
    /// Non-fatal notes, e.g. an old bundle format.
    pub warnings: Vec<crate::VerifierNote>,
    /// What the signature says, resources in payload order.
    pub manifest: Manifest,
    /// Whether the statement used the legacy (v0.2) predicate.
    pub legacy: bool,
}

/// Verifies a model against a signature bundle: the bundle's signature and signer through
/// `verifier`, then the model's file list against the signed one (before reading any file),
/// then every file, hashed the way the signature records. A model that differs from what was
/// signed gives [`Error::Mismatch`] with the list of differences (only added and missing
/// files when the lists differ: contents are then not compared).
pub fn verify_model(
    model: &Path,
    bundle: &[u8],
    verifier: &dyn BundleVerifier,
    opts: &VerifyOptions,
    progress: &dyn Progress,
) -> Result<VerifiedModel, Error> {
    let verified = verifier.verify(bundle)?;
    let signed = statement::parse_statement(&verified.payload)?;
    let expected = signed.manifest;
    let ser = &expected.serialization;

    let mut ignores = ser.ignore_paths.clone();
    ignores.extend(opts.extra_ignore_paths.iter().cloned());
    let (mut rules, _) = ignore_rules(&ignores, opts.ignore_git_paths)?;
    if let Some(id) = opts.signature_file {
        rules.exclude_file(id);
    }
    let hash = HashOptions {
        method: ser.method,
        algorithm: ser.hash_type,
        workers: opts.workers,
    };

    let files = if opts.ignore_unsigned_files {
        // Missing files show up in the comparison, as signed resources not listed.
        oms_hashing::list_named(model, &signed_paths(&expected), opts.allow_symlinks, &rules)?.0
    } else {
        oms_hashing::list_files(model, opts.allow_symlinks, &rules)?
    };

    // The listing first: added or missing files (in shards, a file of another size) fail
    // before anything is read, so an added huge or endless file costs nothing.
    let listed = oms_hashing::resource_names(&files, &hash)?;
    let mut report = VerificationReport::compare_names(&expected.resources, &listed, ser.method);
    if report.is_match() {
        let actual = hash_listed(&files, &hash, progress)?;
        report = VerificationReport::compare(&expected.resources, &actual, ser.method);
    }
    if !report.is_match() {
        explain_ignored(&mut report, model, &rules, ser.method);
        return Err(Error::Mismatch(Box::new(report)));
    }
    Ok(VerifiedModel {
        signer: verified.signer,
        warnings: verified.warnings,
        manifest: expected,
        legacy: signed.legacy,
    })
}

/// Moves the "missing" resources that are on disk but left out by an ignore rule to
/// `ignored`, naming the rule: they were signed, and not verified because of that rule.
fn explain_ignored(
    report: &mut VerificationReport,
    model: &Path,
    rules: &IgnoreRules,
    method: Method,
) {
    let mut still_missing = Vec::new();
    for name in std::mem::take(&mut report.missing) {
        let path = match method {
            Method::Files => name.as_str(),
            Method::Shards { .. } => parse_shard_name(&name).map_or(name.as_str(), |(p, _, _)| p),
        };
        let on_disk = || {
            let file = if path == "." {
                model.to_path_buf()
            } else {
                model.join(path)
            };
            std::fs::symlink_metadata(file).is_ok()
        };
        match rules.matching_rule(path) {
            Some(rule) if on_disk() => report.ignored.push(IgnoredResource {
                name,
                rule: rule.to_string(),
            }),
            _ => still_missing.push(name),
        }
    }
    report.missing = still_missing;
}

/// The file paths a manifest covers (shard names reduced to their file).
pub fn signed_paths(manifest: &Manifest) -> Vec<String> {
    let paths: BTreeSet<&str> = manifest
        .resources
        .iter()
        .filter_map(|r| match manifest.serialization.method {
            Method::Files => Some(r.name.as_str()),
            Method::Shards { .. } => parse_shard_name(&r.name).ok().map(|(p, _, _)| p),
        })
        .collect();
    paths.into_iter().map(str::to_string).collect()
}
