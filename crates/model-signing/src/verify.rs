use std::collections::BTreeSet;
use std::path::Path;

use oms_format::manifest::parse_shard_name;
use oms_format::{statement, Manifest, Method};
use oms_hashing::HashOptions;

use crate::model::{hash_listed, hash_model, ignore_rules};
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
/// `verifier`, then every file, hashed the way the signature records. A model that differs
/// from what was signed gives [`Error::Mismatch`] with the list of differences.
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
    let (rules, _) = ignore_rules(&ignores, opts.ignore_git_paths)?;

    let actual = if opts.ignore_unsigned_files {
        let names = signed_paths(&expected);
        let hash = HashOptions {
            method: ser.method,
            algorithm: ser.hash_type,
            workers: opts.workers,
        };
        let (files, _missing) =
            oms_hashing::list_named(model, &names, opts.allow_symlinks, &rules)?;
        // Missing files show up in the comparison, as signed resources not hashed.
        hash_listed(&files, &hash, progress)?
    } else {
        hash_model(
            model,
            ser.method,
            ser.hash_type,
            opts.allow_symlinks,
            &rules,
            opts.workers,
            progress,
        )?
        .0
    };

    let report = VerificationReport::compare(&expected.resources, &actual, ser.method);
    if !report.is_match() {
        return Err(Error::Mismatch(Box::new(report)));
    }
    Ok(VerifiedModel {
        signer: verified.signer,
        warnings: verified.warnings,
        manifest: expected,
        legacy: signed.legacy,
    })
}

/// The file paths a manifest covers (shard names reduced to their file).
fn signed_paths(manifest: &Manifest) -> Vec<String> {
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
