//! The OMS manifest of a model artifact, read from its OCI manifest alone: each raw layer is a
//! file whose SHA-256 is the layer digest. It is exactly the manifest `model_signing` computes
//! for the same files in a folder with the `files` method and SHA-256 (same resource names,
//! digests, order, serialization and ignore paths), so one signature serves both.

use model_signing::{HashAlgorithm, Manifest, Method, Serialization, VerificationReport};
use oms_format::Resource;

use crate::{Error, ModelArtifact};

/// What a folder signature records besides the files: the same choices `HashingConfig` makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOptions {
    /// The name recorded in the statement's subject (a folder records its own name;
    /// verifiers ignore it).
    pub model_name: String,
    /// Model-relative paths left out (recorded in the signature).
    pub ignore_paths: Vec<String>,
    /// Leave out `.git`, `.gitattributes`, `.github` and `.gitignore` at the top level.
    pub ignore_git_paths: bool,
}

impl StatementOptions {
    /// The defaults of `model_signing sign` for a model named `model_name`.
    pub fn named(model_name: impl Into<String>) -> Self {
        Self {
            model_name: model_name.into(),
            ignore_paths: Vec::new(),
            ignore_git_paths: true,
        }
    }
}

/// Why an artifact cannot be checked from its manifest alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedsPull {
    /// A layer is an archive: its digest is not any file's digest.
    ArchiveLayer { index: usize, media_type: String },
    /// The signature was made with another method or hash than files + SHA-256.
    SignedDifferently { method: String, hash: String },
}

impl std::fmt::Display for NeedsPull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ArchiveLayer { index, media_type } => write!(
                f,
                "layer {index} is an archive ({media_type}): its digest is not a file's digest"
            ),
            Self::SignedDifferently { method, hash } => write!(
                f,
                "the signature hashes with method {method} and {hash}: layer digests are \
                 SHA-256 of whole files"
            ),
        }
    }
}

/// The OMS manifest the artifact's raw layers make, or why the layers must be pulled first.
pub fn artifact_manifest(
    artifact: &ModelArtifact,
    opts: &StatementOptions,
) -> Result<Result<Manifest, NeedsPull>, Error> {
    if let Some(archive) = artifact.layers.iter().find(|l| !l.path_is_file()) {
        return Ok(Err(NeedsPull::ArchiveLayer {
            index: archive.index,
            media_type: archive.media_type.clone(),
        }));
    }
    let (rules, recorded) = model_signing::ignore_rules(&opts.ignore_paths, opts.ignore_git_paths)?;
    let algorithm = Method::Files.algorithm_name(HashAlgorithm::Sha256);
    let resources: Vec<Resource> = artifact
        .raw_files()
        .filter(|(path, _)| !rules.is_ignored_path(path))
        .map(|(path, layer)| Resource {
            name: path.to_string(),
            digest: oms_format::Digest::new(algorithm.clone(), layer.digest.0.to_vec()),
        })
        .collect();
    if resources.is_empty() {
        return Err(Error::EmptyModel);
    }
    let serialization = Serialization {
        method: Method::Files,
        hash_type: HashAlgorithm::Sha256,
        allow_symlinks: false,
        ignore_paths: recorded,
    };
    let manifest = Manifest::new(opts.model_name.clone(), serialization, resources)
        .map_err(model_signing::Error::from)?;
    Ok(Ok(manifest))
}

/// Compares a signed manifest with the artifact's raw layers, the way a folder is compared
/// (the signature's own ignore paths apply, plus the git paths). `Ok(Err(_))` when the
/// artifact cannot be checked without pulling it.
pub fn compare_with_signed(
    signed: &Manifest,
    artifact: &ModelArtifact,
) -> Result<Result<(), NeedsPull>, Error> {
    let ser = &signed.serialization;
    if ser.method != Method::Files || ser.hash_type != HashAlgorithm::Sha256 {
        return Ok(Err(NeedsPull::SignedDifferently {
            method: ser.method.wire_name().to_string(),
            hash: ser.hash_type.wire_name().to_string(),
        }));
    }
    let opts = StatementOptions {
        model_name: signed.model_name.clone(),
        ignore_paths: ser.ignore_paths.clone(),
        ignore_git_paths: true,
    };
    let actual = match artifact_manifest(artifact, &opts) {
        Ok(Ok(m)) => m.resources,
        Ok(Err(needs)) => return Ok(Err(needs)),
        // Everything left out: compare against nothing, so the report lists what is missing.
        Err(Error::EmptyModel) => Vec::new(),
        Err(e) => return Err(e),
    };
    let report = VerificationReport::compare(&signed.resources, &actual, Method::Files);
    if report.is_match() {
        Ok(Ok(()))
    } else {
        Err(model_signing::Error::Mismatch(Box::new(report)).into())
    }
}

impl crate::ArtifactLayer {
    fn path_is_file(&self) -> bool {
        self.format == crate::LayerFormat::Raw
    }
}
