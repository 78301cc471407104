//! Whole operations on a model in a registry: push a folder as a ModelPack artifact, sign it by
//! its manifest, verify it by its manifest, pull it into a folder. A model with archive layers
//! (or a signature made with another hashing method) is signed and verified by pulling its
//! layers and hashing the folder, and the result says so.

use std::path::Path;

use model_signing::{
    BundleVerifier, HashAlgorithm, HashingConfig, Method, Signer, VerifiedModel, VerifyOptions,
};
use oci_client::Reference;

use crate::digest::Sha256Digest;
use crate::pack::{self, PackedFile};
use crate::registry::{FetchedModel, Registry};
use crate::statement::{artifact_manifest, compare_with_signed, NeedsPull, StatementOptions};
use crate::{media_types, Error};

/// How the model's contents were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// From the manifest alone: each layer digest is its file's SHA-256, and whoever pulls the
    /// layers (a container runtime) checks every blob against its digest.
    ByManifest,
    /// By pulling every layer and hashing the files, for this reason.
    ByPulling(NeedsPull),
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ByManifest => f.write_str("checked by manifest (no layer pulled)"),
            Self::ByPulling(why) => write!(f, "checked by pulling and hashing every layer: {why}"),
        }
    }
}

/// A model artifact signed and its signature attached.
#[derive(Debug, Clone)]
pub struct SignedArtifact {
    pub model: FetchedModel,
    /// The referrer manifest holding the bundle.
    pub referrer: Sha256Digest,
    /// The bundle (the same bytes a folder's `model.sig` would hold).
    pub bundle: Vec<u8>,
    pub checked: Checked,
}

/// A model artifact whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedArtifact {
    pub model: FetchedModel,
    /// The referrer whose bundle verified.
    pub referrer: String,
    pub verified: VerifiedModel,
    pub checked: Checked,
}

/// Pushes the model folder `dir` as a ModelPack artifact under `reference` (usually a tag):
/// one raw layer per file, the files the signer would sign (the same walk and ignore rules).
pub async fn push_folder(
    registry: &Registry,
    dir: &Path,
    reference: &Reference,
) -> Result<Sha256Digest, Error> {
    let (rules, _) = model_signing::ignore_rules(&[], true)?;
    let files = oms_hashing::list_files(dir, false, &rules).map_err(model_signing::Error::from)?;
    if files.is_empty() || files.iter().any(|f| f.name == ".") {
        return Err(Error::NotAFolder {
            path: dir.to_path_buf(),
        });
    }
    let opts = oms_hashing::HashOptions {
        method: Method::Files,
        algorithm: HashAlgorithm::Sha256,
        workers: None,
    };
    let resources =
        oms_hashing::hash_files(&files, &opts, &|_| {}).map_err(model_signing::Error::from)?;
    let mut packed = Vec::with_capacity(files.len());
    for file in &files {
        let Some(resource) = resources.iter().find(|r| r.name == file.name) else {
            continue;
        };
        let digest: [u8; 32] =
            resource
                .digest
                .value
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidDigest {
                    field: file.name.clone(),
                    found: resource.digest.hex(),
                })?;
        let packed_file = PackedFile {
            path: file.name.clone(),
            digest: Sha256Digest(digest),
            size: file.len,
        };
        push_file(registry, reference, &file.path, &packed_file).await?;
        packed.push(packed_file);
    }
    let config = pack::model_config(&crate::model_name_of(reference), &packed);
    let manifest = pack::model_manifest(&config, &packed);
    registry.push_blob(reference, config).await?;
    registry
        .push_manifest(reference, manifest, media_types::OCI_MANIFEST)
        .await
}

async fn push_file(
    registry: &Registry,
    reference: &Reference,
    path: &Path,
    file: &PackedFile,
) -> Result<(), Error> {
    use futures_util::TryStreamExt as _;
    let digest = file.digest.to_string();
    let registry_error = |action: String| {
        let registry_name = reference.resolve_registry().to_string();
        move |source| Error::Registry {
            registry: registry_name,
            action,
            source: Box::new(source),
        }
    };
    let exists = registry
        .client()
        .blob_exists(reference, &digest)
        .await
        .map_err(registry_error(format!("looking for blob {digest}")))?;
    if exists {
        return Ok(());
    }
    let opened = tokio::fs::File::open(path)
        .await
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let stream = tokio_util::io::ReaderStream::with_capacity(opened, 1 << 20)
        .map_err(oci_client::errors::OciDistributionError::IoError);
    registry
        .client()
        .push_blob_stream(reference, stream, &digest, Some(file.size))
        .await
        .map_err(registry_error(format!("pushing {} as {digest}", file.path)))?;
    Ok(())
}

/// A model resolved to its digest, with the manifest a signature must sign.
#[derive(Debug, Clone)]
pub struct ToSign {
    pub model: FetchedModel,
    pub manifest: model_signing::Manifest,
    pub checked: Checked,
}

/// The first half of signing: resolves `reference` to its manifest digest and builds the OMS
/// manifest from the manifest (or, for archive layers, from the pulled folder). Sign
/// `manifest` with [`model_signing::sign_manifest`] outside any async runtime (the Sigstore
/// signer runs its own), then [`attach`].
pub async fn prepare_signing(
    registry: &Registry,
    reference: &Reference,
    opts: &StatementOptions,
) -> Result<ToSign, Error> {
    let model = registry.fetch_model(reference).await?;
    let (manifest, checked) = match artifact_manifest(&model.artifact, opts)? {
        Ok(manifest) => (manifest, Checked::ByManifest),
        Err(why) => {
            let dir = tempfile::tempdir().map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
            let folder = dir.path().join(&opts.model_name);
            crate::pull::pull_folder(registry, &model, &folder).await?;
            let cfg = HashingConfig {
                ignore_paths: opts.ignore_paths.clone(),
                ignore_git_paths: opts.ignore_git_paths,
                ..HashingConfig::default()
            };
            let manifest = model_signing::digest_model(&folder, &cfg, &model_signing::no_progress)?;
            (manifest, Checked::ByPulling(why))
        }
    };
    Ok(ToSign {
        model,
        manifest,
        checked,
    })
}

/// The second half of signing: attaches `bundle` (signing `prepared.manifest`) to the model.
pub async fn attach(
    registry: &Registry,
    prepared: ToSign,
    bundle: Vec<u8>,
) -> Result<SignedArtifact, Error> {
    let referrer = registry.attach_signature(&prepared.model, &bundle).await?;
    Ok(SignedArtifact {
        model: prepared.model,
        referrer,
        bundle,
        checked: prepared.checked,
    })
}

/// Signs the model `reference` names and attaches the bundle as a referrer of its digest:
/// [`prepare_signing`], [`model_signing::sign_manifest`], [`attach`]. For signers that do not
/// start an async runtime of their own (keys, certificates, PKCS#11).
pub async fn sign_artifact(
    registry: &Registry,
    reference: &Reference,
    signer: &dyn Signer,
    opts: &StatementOptions,
) -> Result<SignedArtifact, Error> {
    let prepared = prepare_signing(registry, reference, opts).await?;
    let bundle = model_signing::sign_manifest(&prepared.manifest, signer)?;
    attach(registry, prepared, bundle).await
}

/// Verifies the model `reference` names against the signatures attached to its manifest: the
/// first bundle that `verifier` accepts and whose statement matches the model wins. With no
/// signature, or none that verifies, the error lists why each failed. An artifact with archive
/// layers is pulled and hashed ([`Checked::ByPulling`]). The future is `Send` when the
/// verifier is `Sync`.
pub async fn verify_artifact<V: BundleVerifier + ?Sized>(
    registry: &Registry,
    reference: &Reference,
    verifier: &V,
) -> Result<VerifiedArtifact, Error> {
    verify_referrers(registry, reference, verifier, true).await
}

/// [`verify_artifact`] that never pulls a layer: an artifact that cannot be checked from its
/// manifest alone fails with [`Error::NeedsPull`]. What an admission check calls: its cost
/// does not grow with the model.
pub async fn verify_by_manifest<V: BundleVerifier + ?Sized>(
    registry: &Registry,
    reference: &Reference,
    verifier: &V,
) -> Result<VerifiedArtifact, Error> {
    verify_referrers(registry, reference, verifier, false).await
}

async fn verify_referrers<V: BundleVerifier + ?Sized>(
    registry: &Registry,
    reference: &Reference,
    verifier: &V,
    allow_pull: bool,
) -> Result<VerifiedArtifact, Error> {
    let model = registry.fetch_model(reference).await?;
    let signatures = registry.signatures(&model).await?;
    if signatures.is_empty() {
        return Err(Error::NoSignature {
            subject: model.reference.to_string(),
            artifact_type: media_types::BUNDLE,
        });
    }
    let mut failures = Vec::new();
    let mut needs_pull = None;
    for (referrer, bundle) in signatures {
        let outcome = match bundle {
            Ok(bundle) => verify_one(registry, &model, &bundle, verifier, allow_pull).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok((verified, checked)) => {
                return Ok(VerifiedArtifact {
                    model,
                    referrer,
                    verified,
                    checked,
                })
            }
            // A valid signature that only a pull could check: say so, rather than "invalid".
            Err(Error::NeedsPull(why)) => needs_pull = needs_pull.or(Some(why)),
            Err(e) => failures.push(format!("referrer {referrer}: {e}")),
        }
    }
    if let Some(why) = needs_pull {
        return Err(Error::NeedsPull(why));
    }
    Err(Error::NoValidSignature {
        subject: model.reference.to_string(),
        failures,
    })
}

/// Lends a verifier of any kind (`dyn` or not) where the library takes `&dyn BundleVerifier`.
struct ByRef<'a, V: ?Sized>(&'a V);

impl<V: BundleVerifier + ?Sized> BundleVerifier for ByRef<'_, V> {
    fn verify(
        &self,
        bundle: &[u8],
    ) -> Result<model_signing::VerifiedPayload, model_signing::VerifyError> {
        self.0.verify(bundle)
    }
}

async fn verify_one<V: BundleVerifier + ?Sized>(
    registry: &Registry,
    model: &FetchedModel,
    bundle: &[u8],
    verifier: &V,
    allow_pull: bool,
) -> Result<(VerifiedModel, Checked), Error> {
    let verifier = &ByRef(verifier);
    let verified = model_signing::verify_signature(bundle, verifier)?;
    match compare_with_signed(&verified.manifest, &model.artifact)? {
        Ok(()) => Ok((verified, Checked::ByManifest)),
        Err(why) if !allow_pull => Err(Error::NeedsPull(why)),
        Err(why) => {
            let dir = tempfile::tempdir().map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
            let folder = dir.path().join("model");
            crate::pull::pull_folder(registry, model, &folder).await?;
            let verified = model_signing::verify_model(
                &folder,
                bundle,
                verifier,
                &VerifyOptions::default(),
                &model_signing::no_progress,
            )?;
            Ok((verified, Checked::ByPulling(why)))
        }
    }
}

/// Pulls the model `reference` names into the new folder `dir` (every layer checked against
/// its digest as it arrives); returns what was fetched.
pub async fn pull_folder_of(
    registry: &Registry,
    reference: &Reference,
    dir: &Path,
) -> Result<FetchedModel, Error> {
    let model = registry.fetch_model(reference).await?;
    crate::pull::pull_folder(registry, &model, dir).await?;
    Ok(model)
}

/// Verifies the model `reference` names against one bundle the caller has (e.g. a `model.sig`
/// shipped beside the reference), not the referrers.
pub async fn verify_with_bundle<V: BundleVerifier + ?Sized>(
    registry: &Registry,
    reference: &Reference,
    bundle: &[u8],
    verifier: &V,
) -> Result<(VerifiedModel, Checked, FetchedModel), Error> {
    let model = registry.fetch_model(reference).await?;
    let (verified, checked) = verify_one(registry, &model, bundle, verifier, true).await?;
    Ok((verified, checked, model))
}
