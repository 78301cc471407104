//! Reading a model manifest from a registry (untrusted bytes) into the files it names: one entry
//! per layer, its path from `org.cncf.model.filepath`, its digest and format. Nothing here trusts
//! the registry: the size is bounded, digests are parsed strictly, and a path that would leave
//! the model, or name a file twice, or a file and something inside it, is refused.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::digest::Sha256Digest;
use crate::media_types::{self, LayerFormat};
use crate::Error;

/// The most bytes of a manifest read from a registry (the distribution spec asks registries
/// to accept manifests of at least 4 MiB; a model with ~10 000 files needs about 4 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// A descriptor as it appears in a manifest (the fields this crate reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawDescriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// An image manifest as it appears on the wire (the fields this crate reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawManifest {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    pub config: RawDescriptor,
    #[serde(default)]
    pub layers: Vec<RawDescriptor>,
    #[serde(default)]
    pub subject: Option<RawDescriptor>,
}

impl RawManifest {
    /// Parses an image manifest of at most [`MAX_MANIFEST_BYTES`]; `what` names it in errors.
    pub(crate) fn parse(bytes: &[u8], what: &'static str) -> Result<Self, Error> {
        check_size(bytes.len(), MAX_MANIFEST_BYTES, what)?;
        let manifest: RawManifest =
            serde_json::from_slice(bytes).map_err(|e| Error::InvalidManifest {
                what,
                reason: format!("expected an OCI image manifest (JSON): {e}"),
            })?;
        if manifest.schema_version != 2 {
            return Err(Error::InvalidManifest {
                what,
                reason: format!("schemaVersion is {}: expected 2", manifest.schema_version),
            });
        }
        match manifest.media_type.as_deref() {
            Some(media_types::OCI_MANIFEST) => Ok(manifest),
            other => Err(Error::InvalidManifest {
                what,
                reason: format!(
                    "mediaType is {other:?}: expected {:?}",
                    media_types::OCI_MANIFEST
                ),
            }),
        }
    }
}

pub(crate) fn check_size(size: usize, limit: usize, what: &'static str) -> Result<(), Error> {
    if size > limit {
        return Err(Error::TooLarge {
            what,
            size: size as u64,
            limit: limit as u64,
        });
    }
    Ok(())
}

/// One layer of a model artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactLayer {
    /// The layer's position in the manifest.
    pub index: usize,
    pub media_type: String,
    pub format: LayerFormat,
    pub digest: Sha256Digest,
    pub size: u64,
    /// For a raw layer, the file's path in the model (validated); for an archive, the
    /// annotation as given, if any (the archive's entries name the files).
    pub path: Option<String>,
}

/// A ModelPack model artifact: its manifest's digest and size, and its layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelArtifact {
    pub digest: Sha256Digest,
    pub size: u64,
    pub layers: Vec<ArtifactLayer>,
}

impl ModelArtifact {
    /// Parses a model manifest's bytes as fetched; `digest` is computed from them.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let raw = RawManifest::parse(bytes, "model manifest")?;
        let is_model = raw.artifact_type.as_deref() == Some(media_types::MODEL_ARTIFACT_TYPE)
            || raw.config.media_type == media_types::MODEL_CONFIG;
        if !is_model {
            return Err(Error::InvalidManifest {
                what: "model manifest",
                reason: format!(
                    "artifactType is {:?} and config mediaType {:?}: expected a ModelPack model \
                     ({:?} or config {:?})",
                    raw.artifact_type,
                    raw.config.media_type,
                    media_types::MODEL_ARTIFACT_TYPE,
                    media_types::MODEL_CONFIG
                ),
            });
        }
        let mut layers = Vec::with_capacity(raw.layers.len());
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (index, layer) in raw.layers.into_iter().enumerate() {
            let format =
                LayerFormat::of(&layer.media_type).ok_or_else(|| Error::UnsupportedLayer {
                    index,
                    media_type: layer.media_type.clone(),
                })?;
            let digest = Sha256Digest::parse(&layer.digest, &format!("layer {index}"))?;
            let annotation = layer
                .annotations
                .get(media_types::FILEPATH_ANNOTATION)
                .cloned();
            let path = match format {
                LayerFormat::Raw => {
                    let path = annotation.unwrap_or_default();
                    check_file_path(&path).map_err(|expected| Error::InvalidPath {
                        index,
                        media_type: layer.media_type.clone(),
                        path: path.clone(),
                        expected,
                    })?;
                    if let Some(first) = seen.insert(path.clone(), index) {
                        return Err(Error::DuplicatePath {
                            path,
                            first,
                            second: index,
                        });
                    }
                    Some(path)
                }
                _ => annotation,
            };
            layers.push(ArtifactLayer {
                index,
                media_type: layer.media_type,
                format,
                digest,
                size: layer.size,
                path,
            });
        }
        if layers.is_empty() {
            return Err(Error::EmptyModel);
        }
        check_no_file_holds_another(seen.keys())?;
        Ok(Self {
            digest: Sha256Digest::of(bytes),
            size: bytes.len() as u64,
            layers,
        })
    }

    /// Whether every layer is a raw file, so that the layer digests are the files' SHA-256 and
    /// the manifest alone says what the model's files hash to.
    pub fn all_raw(&self) -> bool {
        self.layers.iter().all(|l| l.format == LayerFormat::Raw)
    }

    /// The raw layers with their paths.
    pub fn raw_files(&self) -> impl Iterator<Item = (&str, &ArtifactLayer)> {
        self.layers
            .iter()
            .filter_map(|l| Some((l.path.as_deref()?, l)).filter(|_| l.format == LayerFormat::Raw))
    }
}

/// A raw layer's path must be a file inside the model: relative, `/`-separated, no `.`, `..`
/// or empty components, no NUL or backslash. Returns what was expected on refusal.
fn check_file_path(path: &str) -> Result<(), &'static str> {
    const EXPECTED: &str =
        "a relative path of a file inside the model (no leading `/`, no `.`, `..` or empty components, no `\\` or NUL)";
    if path == "." {
        return Err(EXPECTED);
    }
    oms_format::manifest::validate_resource_path(path).map_err(|_| EXPECTED)
}

/// Refuses `a` and `a/b` both named as files: no folder holds both.
fn check_no_file_holds_another<'a>(paths: impl Iterator<Item = &'a String>) -> Result<(), Error> {
    let files: BTreeSet<&str> = paths.map(String::as_str).collect();
    for path in &files {
        let mut end = 0;
        while let Some(pos) = path.get(end..).and_then(|rest| rest.find('/')) {
            end += pos;
            let parent = path.get(..end).unwrap_or_default();
            if files.contains(parent) {
                return Err(Error::FileAndFolder {
                    file: parent.to_string(),
                    inside: (*path).to_string(),
                });
            }
            end += 1;
        }
    }
    Ok(())
}
