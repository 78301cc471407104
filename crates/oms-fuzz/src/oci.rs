//! A model manifest, a signature referrer and a referrers index, as a registry serves them.

use oms_oci::referrer::{bundle_layer, index_with, Descriptor};
use oms_oci::{
    artifact_manifest, compare_with_signed, media_types, ModelArtifact, Sha256Digest,
    StatementOptions,
};

/// The same bytes read as each of the three, and a parsed model mapped to its statement.
pub fn oci_manifest(data: &[u8]) {
    if let Ok(artifact) = ModelArtifact::parse(data) {
        let _ = artifact.all_raw();
        if let Ok(Ok(manifest)) = artifact_manifest(&artifact, &StatementOptions::named("fuzz")) {
            let _ = oms_format::statement::statement_bytes(&manifest);
            let _ = compare_with_signed(&manifest, &artifact);
        }
    }
    let subject = Sha256Digest::of(b"subject");
    let _ = bundle_layer(data, &subject);
    let referrer = Descriptor {
        media_type: media_types::OCI_MANIFEST.into(),
        digest: subject,
        size: 1,
        artifact_type: Some(media_types::BUNDLE.into()),
    };
    let _ = index_with(Some(data), &referrer);
}
