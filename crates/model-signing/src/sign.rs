use std::path::Path;

use oms_format::{statement, Manifest, Method, Serialization};
use oms_hashing::HashOptions;

use oms_format::limits::MAX_BUNDLE_BYTES;

use crate::limits::{check_planned_resources, check_statement_size};
use crate::model::{hash_listed, ignore_rules, model_name};
use crate::{Error, HashingConfig, Progress, Signer};

/// Hashes a model into its manifest, as it would be signed with `cfg`.
///
/// With [`Method::Shards`], a model containing an empty file is refused
/// ([`Error::EmptyFileInShards`]) unless `cfg.allow_empty_files_in_shards`: shards record no
/// resource for an empty file, so adding or removing one would go unnoticed.
pub fn digest_model(
    model: &Path,
    cfg: &HashingConfig,
    progress: &dyn Progress,
) -> Result<Manifest, Error> {
    digest(model, cfg, progress, false)
}

fn digest(
    model: &Path,
    cfg: &HashingConfig,
    progress: &dyn Progress,
    signing: bool,
) -> Result<Manifest, Error> {
    let (rules, recorded) = ignore_rules(&cfg.ignore_paths, cfg.ignore_git_paths)?;
    let opts = HashOptions {
        method: cfg.method,
        algorithm: cfg.algorithm,
        workers: cfg.workers,
    };
    let method = opts.effective_method();
    let files = oms_hashing::list_files(model, cfg.allow_symlinks, &rules)?;
    check_planned_resources(&files, method)?;
    if signing && files.is_empty() {
        return Err(Error::EmptyModel {
            path: model.to_path_buf(),
        });
    }
    if matches!(method, Method::Shards { .. }) && !cfg.allow_empty_files_in_shards {
        if let Some(empty) = files.iter().find(|f| f.len == 0) {
            return Err(Error::EmptyFileInShards {
                name: empty.name.clone(),
                path: model.to_path_buf(),
            });
        }
    }
    let resources = hash_listed(&files, &opts, progress, None)?;
    if signing && resources.is_empty() {
        // Only empty files in shards (allowed): still nothing a verifier could check.
        return Err(Error::EmptyModel {
            path: model.to_path_buf(),
        });
    }
    let serialization = Serialization {
        method,
        hash_type: cfg.algorithm,
        allow_symlinks: cfg.allow_symlinks,
        ignore_paths: recorded,
    };
    Ok(Manifest::new(model_name(model), serialization, resources)?)
}

/// Hashes and signs a model; returns the Sigstore bundle to write next to it (see
/// [`crate::write_signature`]).
///
/// A model with no file left after the ignore rules is refused ([`Error::EmptyModel`],
/// OMS v1.0 §6.1), as is what [`digest_model`] refuses; so is a model whose signature verifiers
/// would refuse as too large, before hashing when the resource count tells.
pub fn sign_model(
    model: &Path,
    cfg: &HashingConfig,
    signer: &dyn Signer,
    progress: &dyn Progress,
) -> Result<Vec<u8>, Error> {
    let manifest = digest(model, cfg, progress, true)?;
    sign_manifest(&manifest, signer)
}

/// Signs a manifest already computed (e.g. from an OCI model manifest whose layer digests are
/// the files' SHA-256): the statement [`sign_model`] would sign for the same files. Refuses a
/// statement or bundle verifiers would refuse as too large.
pub fn sign_manifest(manifest: &Manifest, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
    if manifest.resources.is_empty() {
        return Err(Error::EmptyModel {
            path: std::path::PathBuf::from(&manifest.model_name),
        });
    }
    let statement = statement::statement_bytes(manifest);
    check_statement_size(&statement)?;
    let bundle = signer.sign(&statement)?;
    if bundle.len() > MAX_BUNDLE_BYTES {
        return Err(Error::BundleTooLarge {
            size: bundle.len(),
            limit: MAX_BUNDLE_BYTES,
        });
    }
    Ok(bundle)
}
