//! Verifying a model on disk: one plan for every front end (the CLI, the Python package, the
//! operator's verifier). The signature and signer first, then the model's file list against
//! the signed one (before any file is read), then the contents, hashed from disk
//! ([`VerificationPlan::verify_on_disk`]) or from bytes the caller read once through
//! [`oms_hashing::read_listed`] ([`VerificationPlan::verify_contents`]). With the cargo feature
//! `scan`, the same bytes are also scanned (`VerificationPlan::verify_and_scan_on_disk`,
//! `VerificationPlan::verify_and_scan_contents`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use oms_format::manifest::parse_shard_name;
use oms_format::{statement, Manifest, Method, Resource};
use oms_hashing::{HashOptions, IgnoreRules, ModelFile};

use crate::model::{hash_listed, ignore_rules};
use crate::report::IgnoredResource;
use crate::signature_file::SignatureLocation;
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
    /// Verified files that have more than one hard link, with their link count: the same
    /// bytes have another name, perhaps outside the model, through which they can change
    /// after verification. A fact worth showing, not a failure.
    pub hard_linked: Vec<(String, u64)>,
}

/// Verifies a model against a signature bundle: [`plan_verification`] then
/// [`VerificationPlan::verify_on_disk`]. A model that differs from what was signed gives
/// [`Error::Mismatch`] with the list of differences (only added and missing files when the
/// lists differ: contents are then not compared).
pub fn verify_model(
    model: &Path,
    bundle: &[u8],
    verifier: &dyn BundleVerifier,
    opts: &VerifyOptions,
    progress: &dyn Progress,
) -> Result<VerifiedModel, Error> {
    plan_verification(model, bundle, verifier, opts)?.verify_on_disk(progress)
}

/// A verification whose signature is valid and whose file list matches the signed one:
/// what is left is to compare the contents.
#[derive(Debug)]
pub struct VerificationPlan {
    verified: VerifiedModel,
    model: PathBuf,
    files: Vec<ModelFile>,
    hash: HashOptions,
    rules: IgnoreRules,
    /// The signature file, when it lies inside the model (it must still be there at the end).
    signature_in_model: Option<SignatureLocation>,
}

/// Checks the bundle's signature and signer through `verifier`, then lists the model's files
/// and compares the list with the signed one. Nothing is read from any model file: an added
/// huge or endless file costs nothing. Added or missing files (in shards, a file of another
/// size; with symlinks allowed, a link to a directory) give [`Error::Mismatch`].
pub fn plan_verification(
    model: &Path,
    bundle: &[u8],
    verifier: &dyn BundleVerifier,
    opts: &VerifyOptions,
) -> Result<VerificationPlan, Error> {
    let verified = verifier.verify(bundle)?;
    let signed = statement::parse_statement(&verified.payload)?;
    let expected = signed.manifest;
    let ser = &expected.serialization;

    let mut ignores = ser.ignore_paths.clone();
    ignores.extend(opts.extra_ignore_paths.iter().cloned());
    let (mut rules, _) = ignore_rules(&ignores, opts.ignore_git_paths)?;
    let mut signature_in_model = None;
    if let Some(sig) = &opts.signature {
        if let Some(rel) = path_in_model(model, sig.path()) {
            rules.exclude_signature(&rel, sig.id());
            signature_in_model = Some(sig.clone());
        }
    }
    let (method, algorithm) = opts.hashing_override.unwrap_or((ser.method, ser.hash_type));
    let hash = HashOptions {
        method,
        algorithm,
        workers: opts.workers,
    };

    let allow_symlinks =
        opts.allow_symlinks || (opts.allow_symlinks_as_signed && ser.allow_symlinks);
    let (files, linked_directories) = if opts.ignore_unsigned_files {
        // Missing files show up in the comparison, as signed resources not listed.
        let names = signed_paths(&expected);
        let (files, _) = oms_hashing::list_named(model, &names, allow_symlinks, &rules)?;
        (files, Vec::new())
    } else {
        let listing = oms_hashing::list_model(model, allow_symlinks, &rules)?;
        (listing.files, listing.linked_directories)
    };

    let listed = oms_hashing::resource_names(&files, &hash)?;
    let effective = hash.effective_method();
    let mut report = VerificationReport::compare_names(&expected.resources, &listed, effective);
    report.add_linked_directories(linked_directories, effective);
    if !report.is_match() {
        explain_ignored(&mut report, model, &rules, effective);
        return Err(Error::Mismatch(Box::new(report)));
    }
    Ok(VerificationPlan {
        verified: VerifiedModel {
            signer: verified.signer,
            warnings: verified.warnings,
            manifest: expected,
            legacy: signed.legacy,
            hard_linked: Vec::new(),
        },
        model: model.to_path_buf(),
        files,
        hash,
        rules,
        signature_in_model,
    })
}

impl VerificationPlan {
    /// The files to compare, as listed (sizes and identities checked again when read).
    pub fn files(&self) -> &[ModelFile] {
        &self.files
    }

    /// What the signature says (valid, and its signer accepted).
    pub fn verified_signature(&self) -> &VerifiedModel {
        &self.verified
    }

    /// Hashes the listed files from disk and compares them with the signed digests.
    pub fn verify_on_disk(self, progress: &dyn Progress) -> Result<VerifiedModel, Error> {
        self.verify_on_disk_observed(progress, None)
    }

    /// [`VerificationPlan::verify_on_disk`], showing every byte hashed to `observer`.
    pub(crate) fn verify_on_disk_observed(
        self,
        progress: &dyn Progress,
        observer: Option<&dyn oms_hashing::HashObserver>,
    ) -> Result<VerifiedModel, Error> {
        let actual = hash_listed(&self.files, &self.hash, progress, observer)?;
        self.finish(&actual)
    }

    /// Compares contents the caller read (`(resource path, bytes)`, one per listed file,
    /// e.g. with [`oms_hashing::read_listed`]) with the signed digests.
    pub fn verify_contents<B: AsRef<[u8]> + Sync>(
        self,
        contents: &[(String, B)],
    ) -> Result<VerifiedModel, Error> {
        let listed: BTreeSet<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
        let given: BTreeSet<&str> = contents.iter().map(|(name, _)| name.as_str()).collect();
        if listed != given || contents.len() != self.files.len() {
            return Err(Error::Hashing(oms_hashing::HashError::Internal(
                "verify_contents: the contents given are not the files listed",
            )));
        }
        let actual =
            crate::hash_contents(contents, self.hash.effective_method(), self.hash.algorithm);
        self.finish(&actual)
    }

    fn finish(self, actual: &[Resource]) -> Result<VerifiedModel, Error> {
        let method = self.hash.effective_method();
        let mut report =
            VerificationReport::compare(&self.verified.manifest.resources, actual, method);
        if !report.is_match() {
            explain_ignored(&mut report, &self.model, &self.rules, method);
            return Err(Error::Mismatch(Box::new(report)));
        }
        // The signature was left out by its path: that path must still hold the file read
        // (the file is held open, so its inode cannot have been reused meanwhile).
        if let Some(sig) = &self.signature_in_model {
            if !sig.is_still_at_its_path() {
                return Err(Error::SignatureReplaced {
                    path: sig.path().to_path_buf(),
                });
            }
        }
        let mut verified = self.verified;
        verified.hard_linked = self
            .files
            .iter()
            .filter(|f| f.links > 1)
            .map(|f| (f.name.clone(), f.links))
            .collect();
        Ok(verified)
    }
}

/// The signature's path relative to the model root (`/`-separated), if it lies inside the
/// model: both resolved once, links followed (as the walk sees the model's real folders).
/// `None` when it is outside, or cannot be resolved (then nothing is left out).
fn path_in_model(model: &Path, signature: &Path) -> Option<String> {
    let root = std::fs::canonicalize(model).ok()?;
    let name = signature.file_name()?;
    let folder = match signature.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let resolved = std::fs::canonicalize(folder).ok()?.join(name);
    if resolved == root {
        return Some(".".to_string());
    }
    let rel = resolved.strip_prefix(&root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
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
