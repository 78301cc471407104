//! Packing a model folder as a ModelPack artifact: one raw layer per file, named by the
//! `org.cncf.model.filepath` annotation, and the ModelPack config listing the layers' digests.

use serde_json::json;

use crate::digest::Sha256Digest;
use crate::media_types;

/// One file to pack: its model-relative path, SHA-256 and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedFile {
    pub path: String,
    pub digest: Sha256Digest,
    pub size: u64,
}

/// The ModelPack config blob for these files (raw layers: a layer's diff ID is its digest).
pub fn model_config(model_name: &str, files: &[PackedFile]) -> Vec<u8> {
    let diff_ids: Vec<String> = files.iter().map(|f| f.digest.to_string()).collect();
    json!({
        "descriptor": { "name": model_name },
        "config": {},
        "modelfs": { "type": "layers", "diffIds": diff_ids },
    })
    .to_string()
    .into_bytes()
}

/// The model manifest bytes: the config, then one raw layer per file in the order given.
pub fn model_manifest(config: &[u8], files: &[PackedFile]) -> Vec<u8> {
    let layers: Vec<_> = files
        .iter()
        .map(|f| {
            json!({
                "mediaType": media_types::raw_layer_media_type(&f.path),
                "digest": f.digest.to_string(),
                "size": f.size,
                "annotations": { media_types::FILEPATH_ANNOTATION: f.path },
            })
        })
        .collect();
    json!({
        "schemaVersion": 2,
        "mediaType": media_types::OCI_MANIFEST,
        "artifactType": media_types::MODEL_ARTIFACT_TYPE,
        "config": {
            "mediaType": media_types::MODEL_CONFIG,
            "digest": Sha256Digest::of(config).to_string(),
            "size": config.len(),
        },
        "layers": layers,
    })
    .to_string()
    .into_bytes()
}
