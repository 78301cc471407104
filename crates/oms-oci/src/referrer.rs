//! The signature of a model artifact as an OCI referrer: an image manifest whose `subject` is the
//! model manifest, `artifactType` the Sigstore bundle media type, and one layer, the bundle (the
//! same bytes as a folder's `model.sig`). Also the referrers index kept under the tag-schema tag
//! `sha256-<hex>` for registries without the referrers API.

use serde_json::{json, Value};

use crate::artifact::{check_size, RawManifest};
use crate::digest::Sha256Digest;
use crate::media_types;
use crate::Error;

/// The most bytes of a referrer manifest or referrers index read (each entry is ~300 bytes).
pub const MAX_REFERRER_MANIFEST_BYTES: usize = 64 * 1024;
/// The most referrers of the bundle type looked at for one model.
pub const MAX_SIGNATURE_REFERRERS: usize = 32;

/// A content descriptor: media type, digest, size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Sha256Digest,
    pub size: u64,
    pub artifact_type: Option<String>,
}

impl Descriptor {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "mediaType": self.media_type,
            "digest": self.digest.to_string(),
            "size": self.size,
        });
        if let (Some(t), Some(obj)) = (&self.artifact_type, v.as_object_mut()) {
            obj.insert("artifactType".into(), Value::String(t.clone()));
        }
        v
    }
}

/// The referrer manifest bytes for `bundle` signing the model manifest `subject`.
pub fn referrer_manifest(subject: &Descriptor, bundle: &[u8]) -> Vec<u8> {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": media_types::OCI_MANIFEST,
        "artifactType": media_types::BUNDLE,
        "config": {
            "mediaType": media_types::OCI_EMPTY,
            "digest": Sha256Digest::of(media_types::OCI_EMPTY_BLOB).to_string(),
            "size": media_types::OCI_EMPTY_BLOB.len(),
        },
        "layers": [{
            "mediaType": media_types::BUNDLE,
            "digest": Sha256Digest::of(bundle).to_string(),
            "size": bundle.len(),
        }],
        "subject": subject.to_json(),
    });
    manifest.to_string().into_bytes()
}

/// Reads a referrer manifest fetched for the model `subject`: it must refer to that very
/// manifest and hold exactly one bundle layer of a size a verifier reads. Returns the layer.
pub fn bundle_layer(bytes: &[u8], subject: &Sha256Digest) -> Result<Descriptor, Error> {
    check_size(
        bytes.len(),
        MAX_REFERRER_MANIFEST_BYTES,
        "signature referrer",
    )?;
    let raw = RawManifest::parse(bytes, "signature referrer")?;
    let invalid = |reason: String| Error::InvalidManifest {
        what: "signature referrer",
        reason,
    };
    if raw.artifact_type.as_deref() != Some(media_types::BUNDLE) {
        return Err(invalid(format!(
            "artifactType is {:?}: expected {:?}",
            raw.artifact_type,
            media_types::BUNDLE
        )));
    }
    let Some(found) = &raw.subject else {
        return Err(invalid(format!("no subject: expected {subject}")));
    };
    let found = Sha256Digest::parse(&found.digest, "referrer subject")?;
    if found != *subject {
        return Err(invalid(format!(
            "it signs {found}: expected a signature of {subject}"
        )));
    }
    let [layer] = raw.layers.as_slice() else {
        return Err(invalid(format!(
            "{} layers: expected one, the bundle",
            raw.layers.len()
        )));
    };
    if layer.media_type != media_types::BUNDLE {
        return Err(invalid(format!(
            "layer mediaType {:?}: expected {:?}",
            layer.media_type,
            media_types::BUNDLE
        )));
    }
    let limit = oms_format::limits::MAX_BUNDLE_BYTES as u64;
    if layer.size > limit {
        return Err(Error::TooLarge {
            what: "signature bundle",
            size: layer.size,
            limit,
        });
    }
    Ok(Descriptor {
        media_type: layer.media_type.clone(),
        digest: Sha256Digest::parse(&layer.digest, "bundle layer")?,
        size: layer.size,
        artifact_type: None,
    })
}

/// The referrers index for the tag schema: `existing` (the index under the tag, if any) with
/// `referrer` added once. Entries already there are kept as they are.
pub fn index_with(existing: Option<&[u8]>, referrer: &Descriptor) -> Result<Vec<u8>, Error> {
    let mut manifests: Vec<Value> = match existing {
        None => Vec::new(),
        Some(bytes) => {
            check_size(
                bytes.len(),
                MAX_REFERRER_MANIFEST_BYTES * 16,
                "referrers index",
            )?;
            let index: Value =
                serde_json::from_slice(bytes).map_err(|e| Error::InvalidManifest {
                    what: "referrers index",
                    reason: format!("expected an OCI image index (JSON): {e}"),
                })?;
            match index.get("manifests") {
                Some(Value::Array(entries)) => entries.clone(),
                None => Vec::new(),
                Some(other) => {
                    return Err(Error::InvalidManifest {
                        what: "referrers index",
                        reason: format!("manifests is {other}: expected an array"),
                    })
                }
            }
        }
    };
    let digest = referrer.digest.to_string();
    if !manifests
        .iter()
        .any(|m| m.get("digest").and_then(Value::as_str) == Some(digest.as_str()))
    {
        manifests.push(referrer.to_json());
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": media_types::OCI_INDEX,
        "manifests": manifests,
    });
    Ok(index.to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Descriptor {
        Descriptor {
            media_type: media_types::OCI_MANIFEST.into(),
            digest: Sha256Digest::of(b"model manifest"),
            size: 14,
            artifact_type: Some(media_types::MODEL_ARTIFACT_TYPE.into()),
        }
    }

    #[test]
    fn a_referrer_names_its_subject_and_bundle() {
        let bundle = br#"{"mediaType":"x"}"#;
        let bytes = referrer_manifest(&subject(), bundle);
        let layer = bundle_layer(&bytes, &subject().digest).unwrap();
        assert_eq!(layer.digest, Sha256Digest::of(bundle));
        assert_eq!(layer.size, bundle.len() as u64);
        let other = Sha256Digest::of(b"another model");
        let err = bundle_layer(&bytes, &other).unwrap_err().to_string();
        assert!(err.contains("expected a signature of"), "{err}");
    }

    #[test]
    fn the_index_holds_each_referrer_once() {
        let r = Descriptor {
            media_type: media_types::OCI_MANIFEST.into(),
            digest: Sha256Digest::of(b"r1"),
            size: 2,
            artifact_type: Some(media_types::BUNDLE.into()),
        };
        let once = index_with(None, &r).unwrap();
        let twice = index_with(Some(&once), &r).unwrap();
        assert_eq!(once, twice);
        let r2 = Descriptor {
            digest: Sha256Digest::of(b"r2"),
            ..r.clone()
        };
        let both: Value = serde_json::from_slice(&index_with(Some(&once), &r2).unwrap()).unwrap();
        assert_eq!(both["manifests"].as_array().unwrap().len(), 2);
    }
}
