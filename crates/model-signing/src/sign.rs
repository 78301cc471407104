use std::path::Path;

use oms_format::{statement, Manifest, Serialization};

use oms_format::limits::MAX_BUNDLE_BYTES;

use crate::limits::check_statement_size;
use crate::model::{hash_model, ignore_rules, model_name};
use crate::{Error, HashingConfig, Progress, Signer};

/// Hashes a model into its manifest, as it would be signed with `cfg`.
pub fn digest_model(
    model: &Path,
    cfg: &HashingConfig,
    progress: &dyn Progress,
) -> Result<Manifest, Error> {
    let (rules, recorded) = ignore_rules(&cfg.ignore_paths, cfg.ignore_git_paths)?;
    let (resources, method) = hash_model(
        model,
        cfg.method,
        cfg.algorithm,
        cfg.allow_symlinks,
        &rules,
        cfg.workers,
        progress,
    )?;
    let serialization = Serialization {
        method,
        hash_type: cfg.algorithm,
        allow_symlinks: cfg.allow_symlinks,
        ignore_paths: recorded,
    };
    Ok(Manifest::new(model_name(model), serialization, resources)?)
}

/// Hashes and signs a model; returns the Sigstore bundle to write next to it (see
/// [`crate::write_signature`]). A model whose signature verifiers would refuse as too large is
/// refused, before hashing when the resource count tells.
pub fn sign_model(
    model: &Path,
    cfg: &HashingConfig,
    signer: &dyn Signer,
    progress: &dyn Progress,
) -> Result<Vec<u8>, Error> {
    let manifest = digest_model(model, cfg, progress)?;
    let statement = statement::statement_bytes(&manifest);
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
