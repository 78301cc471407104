//! OMS signatures for models stored as OCI artifacts (CNCF ModelPack).
//!
//! A ModelPack artifact whose layers are raw files can be signed and verified from its manifest
//! alone: the manifest lists every file's path (`org.cncf.model.filepath`) and SHA-256 (the layer
//! digest), and whoever pulls a layer checks it against that digest. The statement built from
//! the manifest is the one `model_signing` builds for the same files in a folder (files method,
//! SHA-256), so the bundle — attached to the manifest as an OCI referrer — also verifies the
//! pulled folder, with this library or the reference.
//!
//! Pure parts work on bytes: [`ModelArtifact::parse`] (an untrusted model manifest),
//! [`statement`] (manifest → OMS manifest, and the comparison with a signed one), [`referrer`]
//! (the signature's referrer manifest and the tag-schema index), [`pack`] (a folder's manifest).
//! The registry shell (feature `registry`, on by default) is `registry::Registry` over
//! `oci-client`; `ops` ties them together.
//!
//! An admission check (cost independent of the model's size) calls `verify_by_manifest`: it
//! resolves the reference to its manifest digest, reads the signatures attached to that digest,
//! and never pulls a layer (an artifact that needs pulling fails with `Error::NeedsPull`). The
//! caller then pins the reference to `VerifiedArtifact::model`'s digest, so that what is pulled
//! is what was verified; the runtime checks every layer against its digest as it pulls.

mod artifact;
#[cfg(feature = "registry")]
mod bounded;
mod digest;
mod error;
pub mod media_types;
#[cfg(feature = "registry")]
pub mod ops;
pub mod pack;
#[cfg(feature = "registry")]
pub mod pull;
pub mod referrer;
#[cfg(feature = "registry")]
pub mod registry;
pub mod statement;

pub use artifact::{ArtifactLayer, ModelArtifact, MAX_MANIFEST_BYTES};
pub use digest::Sha256Digest;
pub use error::Error;
pub use media_types::LayerFormat;
#[cfg(feature = "registry")]
pub use oci_client::Reference;
#[cfg(feature = "registry")]
pub use ops::{
    push_folder, sign_artifact, verify_artifact, verify_by_manifest, Checked, SignedArtifact,
    VerifiedArtifact,
};
#[cfg(feature = "registry")]
pub use registry::{parse_reference, FetchedModel, Registry, RegistryOptions};
pub use statement::{artifact_manifest, compare_with_signed, NeedsPull, StatementOptions};

#[cfg(feature = "registry")]
/// The model name a reference suggests: the last component of its repository (`models/bert`
/// → `bert`), what a folder pulled from it would be called.
pub fn model_name_of(reference: &oci_client::Reference) -> String {
    let repo = reference.repository();
    repo.rsplit('/').next().unwrap_or(repo).to_string()
}
