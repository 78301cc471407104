//! The media types this crate reads and writes: OCI image manifests, the CNCF ModelPack artifact
//! (`org.cncf.model.filepath` names each layer's file), and the Sigstore bundle a referrer holds.

/// An OCI image manifest, the envelope of both the model artifact and its signature referrers.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index (what the referrers API and the referrers tag schema return).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The empty config blob `{}` of artifacts that carry no config of their own.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The empty config blob's bytes.
pub const OCI_EMPTY_BLOB: &[u8] = b"{}";

/// The `artifactType` of a ModelPack model manifest.
pub const MODEL_ARTIFACT_TYPE: &str = "application/vnd.cncf.model.manifest.v1+json";
/// The media type of a ModelPack model config blob.
pub const MODEL_CONFIG: &str = "application/vnd.cncf.model.config.v1+json";
/// The layer annotation holding the path of the file (or archived folder) inside the model.
pub const FILEPATH_ANNOTATION: &str = "org.cncf.model.filepath";

/// Every ModelPack layer media type starts with this.
const MODEL_LAYER_PREFIX: &str = "application/vnd.cncf.model.";

/// The signature a referrer carries: the same Sigstore bundle as `model.sig` next to a folder.
pub const BUNDLE: &str = oms_format::bundle::BUNDLE_MEDIA_TYPE;

/// What a ModelPack layer holds, as its media type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFormat {
    /// The file's bytes: the layer digest is the file's SHA-256.
    Raw,
    /// A tar archive of files (`.tar`).
    Tar,
    /// A gzip-compressed tar archive (`.tar+gzip`).
    TarGzip,
    /// A zstd-compressed tar archive (`.tar+zstd`): recognized, not read by this crate.
    TarZstd,
}

impl LayerFormat {
    /// The format of a ModelPack layer media type (`application/vnd.cncf.model.<kind>.v1.<format>`),
    /// `None` for any other media type.
    pub fn of(media_type: &str) -> Option<Self> {
        let rest = media_type.strip_prefix(MODEL_LAYER_PREFIX)?;
        let (_, format) = rest.rsplit_once('.')?;
        match format {
            "raw" => Some(Self::Raw),
            "tar" => Some(Self::Tar),
            "tar+gzip" => Some(Self::TarGzip),
            "tar+zstd" => Some(Self::TarZstd),
            _ => None,
        }
    }
}

/// The kind of file a raw layer holds, from its name: ModelPack tells weights, their config
/// (tokenizer, `config.json`), documentation and code apart. Any kind verifies the same way.
pub fn raw_layer_media_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if name.starts_with("readme") || name.starts_with("license") || ext == "md" || ext == "txt" {
        "application/vnd.cncf.model.doc.v1.raw"
    } else if matches!(ext, "py" | "sh" | "ipynb") {
        "application/vnd.cncf.model.code.v1.raw"
    } else if matches!(
        ext,
        "json" | "yaml" | "yml" | "model" | "tiktoken" | "jinja"
    ) {
        "application/vnd.cncf.model.weight.config.v1.raw"
    } else {
        "application/vnd.cncf.model.weight.v1.raw"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_of_modelpack_layers() {
        assert_eq!(
            LayerFormat::of("application/vnd.cncf.model.weight.v1.raw"),
            Some(LayerFormat::Raw)
        );
        assert_eq!(
            LayerFormat::of("application/vnd.cncf.model.weight.config.v1.raw"),
            Some(LayerFormat::Raw)
        );
        assert_eq!(
            LayerFormat::of("application/vnd.cncf.model.doc.v1.tar+gzip"),
            Some(LayerFormat::TarGzip)
        );
        assert_eq!(
            LayerFormat::of("application/vnd.oci.image.layer.v1.tar"),
            None
        );
        assert_eq!(
            LayerFormat::of("application/vnd.cncf.model.weight.v1.zip"),
            None
        );
        for path in ["README.md", "a/model.safetensors", "config.json", "x.py"] {
            assert_eq!(
                LayerFormat::of(raw_layer_media_type(path)),
                Some(LayerFormat::Raw)
            );
        }
    }
}
