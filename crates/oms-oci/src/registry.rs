//! The registry I/O shell over `oci-client`: resolving a reference to its manifest, pushing a
//! packed model, attaching a signature as a referrer (and in the referrers tag schema), and
//! fetching the signatures of a manifest. Everything read is handed to the pure modules, which
//! treat it as untrusted.

use std::net::IpAddr;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::artifact::{check_size, MAX_MANIFEST_BYTES};
use crate::digest::Sha256Digest;
use crate::media_types;
use crate::referrer::{self, Descriptor, MAX_REFERRER_MANIFEST_BYTES, MAX_SIGNATURE_REFERRERS};
use crate::{Error, ModelArtifact};

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Registries (`host[:port]`) spoken to over plain HTTP; loopback registries always are.
    pub plain_http: Vec<String>,
    /// Credentials for every registry reached.
    pub auth: Option<(String, String)>,
}

/// A client for one or more registries.
pub struct Registry {
    client: Client,
    auth: RegistryAuth,
}

/// A model manifest as fetched: the reference pinned to its digest, the bytes and what they say.
#[derive(Debug, Clone)]
pub struct FetchedModel {
    /// The reference with the manifest's digest (and the tag it was resolved from, if any).
    pub reference: Reference,
    pub artifact: ModelArtifact,
}

impl FetchedModel {
    /// The referrer subject descriptor of this manifest.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor {
            media_type: media_types::OCI_MANIFEST.into(),
            digest: self.artifact.digest,
            size: self.artifact.size,
            artifact_type: Some(media_types::MODEL_ARTIFACT_TYPE.into()),
        }
    }
}

/// Parses `oci://host[:port]/repository[:tag][@sha256:…]` (the `oci://` prefix is optional).
pub fn parse_reference(text: &str) -> Result<Reference, Error> {
    let bare = text.strip_prefix("oci://").unwrap_or(text);
    bare.parse::<Reference>().map_err(|e| Error::Reference {
        reference: text.to_string(),
        reason: e.to_string(),
    })
}

fn is_loopback(registry: &str) -> bool {
    let host = registry
        .strip_prefix('[')
        .and_then(|r| r.split_once(']').map(|(h, _)| h))
        .unwrap_or_else(|| registry.rsplit_once(':').map_or(registry, |(h, _)| h));
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Registry {
    /// A client reaching `reference`'s registry (and others) as `options` say. TLS uses the
    /// process's rustls crypto provider, which the binary's `main` installs (a library never does).
    pub fn new(options: &RegistryOptions, reference: &Reference) -> Self {
        let mut plain = options.plain_http.clone();
        if is_loopback(reference.resolve_registry()) {
            plain.push(reference.resolve_registry().to_string());
        }
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(plain),
            ..ClientConfig::default()
        };
        let auth = match &options.auth {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        };
        Self {
            client: Client::new(config),
            auth,
        }
    }

    fn registry_error(
        reference: &Reference,
        action: impl Into<String>,
    ) -> impl FnOnce(OciDistributionError) -> Error {
        let registry = reference.resolve_registry().to_string();
        let action = action.into();
        move |source| Error::Registry {
            registry,
            action,
            source: Box::new(source),
        }
    }

    /// Fetches the manifest `reference` names (resolving a tag to the digest it has now), checks
    /// its digest and parses it as a ModelPack model.
    pub async fn fetch_model(&self, reference: &Reference) -> Result<FetchedModel, Error> {
        let (bytes, _) = self
            .client
            .pull_manifest_raw(reference, &self.auth, &[media_types::OCI_MANIFEST])
            .await
            .map_err(Self::registry_error(
                reference,
                format!("fetching the manifest of {reference}"),
            ))?;
        check_size(bytes.len(), MAX_MANIFEST_BYTES, "model manifest")?;
        let artifact = ModelArtifact::parse(&bytes)?;
        if let Some(asked) = reference.digest() {
            let asked = Sha256Digest::parse(asked, "the reference")?;
            if asked != artifact.digest {
                return Err(Error::DigestMismatch {
                    what: format!("manifest of {reference}"),
                    expected: asked.to_string(),
                    found: artifact.digest.to_string(),
                });
            }
        }
        let pinned = match reference.tag() {
            Some(tag) => Reference::with_tag_and_digest(
                reference.registry().to_string(),
                reference.repository().to_string(),
                tag.to_string(),
                artifact.digest.to_string(),
            ),
            None => reference.clone_with_digest(artifact.digest.to_string()),
        };
        Ok(FetchedModel {
            reference: pinned,
            artifact,
        })
    }

    /// Pushes a blob unless the registry has it already.
    pub async fn push_blob(
        &self,
        reference: &Reference,
        bytes: Vec<u8>,
    ) -> Result<Sha256Digest, Error> {
        let digest = Sha256Digest::of(&bytes);
        let exists = self
            .client
            .blob_exists(reference, &digest.to_string())
            .await
            .map_err(Self::registry_error(
                reference,
                format!("looking for blob {digest}"),
            ))?;
        if !exists {
            self.client
                .push_blob(reference, bytes, &digest.to_string())
                .await
                .map_err(Self::registry_error(
                    reference,
                    format!("pushing blob {digest}"),
                ))?;
        }
        Ok(digest)
    }

    /// Pushes a manifest under `reference` (a tag or its digest).
    pub async fn push_manifest(
        &self,
        reference: &Reference,
        bytes: Vec<u8>,
        media_type: &'static str,
    ) -> Result<Sha256Digest, Error> {
        let digest = Sha256Digest::of(&bytes);
        self.client
            .push_manifest_raw(reference, bytes, http::HeaderValue::from_static(media_type))
            .await
            .map_err(Self::registry_error(
                reference,
                format!("pushing manifest {digest}"),
            ))?;
        Ok(digest)
    }

    /// Attaches `bundle` to `model` as a referrer, and adds it to the referrers tag-schema index
    /// too. oci-client does not expose the `OCI-Subject` header that would tell whether the
    /// registry indexed the referrer itself, so the index is always kept: clients using the
    /// referrers API and clients using the tag schema both find the signature. Two signers
    /// updating the index at once can lose one entry (the tag schema has no compare-and-swap).
    pub async fn attach_signature(
        &self,
        model: &FetchedModel,
        bundle: &[u8],
    ) -> Result<Sha256Digest, Error> {
        let by_digest =
            |digest: &Sha256Digest| model.reference.clone_with_digest(digest.to_string());
        self.push_blob(&model.reference, media_types::OCI_EMPTY_BLOB.to_vec())
            .await?;
        self.push_blob(&model.reference, bundle.to_vec()).await?;
        let manifest = referrer::referrer_manifest(&model.descriptor(), bundle);
        let referrer = Descriptor {
            media_type: media_types::OCI_MANIFEST.into(),
            digest: Sha256Digest::of(&manifest),
            size: manifest.len() as u64,
            artifact_type: Some(media_types::BUNDLE.into()),
        };
        self.push_manifest(
            &by_digest(&referrer.digest),
            manifest,
            media_types::OCI_MANIFEST,
        )
        .await?;
        let tag = Reference::with_tag(
            model.reference.registry().to_string(),
            model.reference.repository().to_string(),
            model.artifact.digest.referrers_tag(),
        );
        let existing = self.fetch_index(&tag).await?;
        let index = referrer::index_with(existing.as_deref(), &referrer)?;
        self.push_manifest(&tag, index, media_types::OCI_INDEX)
            .await?;
        Ok(referrer.digest)
    }

    async fn fetch_index(&self, tag: &Reference) -> Result<Option<Vec<u8>>, Error> {
        match self
            .client
            .pull_manifest_raw(tag, &self.auth, &[media_types::OCI_INDEX])
            .await
        {
            Ok((bytes, _)) => Ok(Some(bytes.to_vec())),
            Err(OciDistributionError::ImageManifestNotFoundError(_))
            | Err(OciDistributionError::ServerError { code: 404, .. }) => Ok(None),
            Err(OciDistributionError::RegistryError { envelope, .. })
                if envelope.errors.iter().all(|e| {
                    matches!(e.code, oci_client::errors::OciErrorCode::ManifestUnknown)
                }) =>
            {
                Ok(None)
            }
            Err(e) => Err(Self::registry_error(
                tag,
                format!("fetching the referrers index {tag}"),
            )(e)),
        }
    }

    /// The signature bundles attached to `model` (referrers API, else the tag schema), each
    /// with the digest of its referrer manifest, or why it could not be read. At most
    /// [`MAX_SIGNATURE_REFERRERS`] referrers are read.
    pub async fn signatures(
        &self,
        model: &FetchedModel,
    ) -> Result<Vec<(String, Result<Vec<u8>, Error>)>, Error> {
        let subject = model
            .reference
            .clone_with_digest(model.artifact.digest.to_string());
        self.client
            .store_auth_if_needed(subject.resolve_registry(), &self.auth)
            .await;
        let index = self
            .client
            .pull_referrers(&subject, Some(media_types::BUNDLE))
            .await
            .map_err(Self::registry_error(
                &subject,
                format!("listing the referrers of {subject}"),
            ))?;
        let mut found = Vec::new();
        for entry in index.manifests.iter().take(MAX_SIGNATURE_REFERRERS) {
            let bundle = self.signature_bundle(model, &entry.digest).await;
            found.push((entry.digest.clone(), bundle));
        }
        Ok(found)
    }

    async fn signature_bundle(
        &self,
        model: &FetchedModel,
        referrer_digest: &str,
    ) -> Result<Vec<u8>, Error> {
        let digest = Sha256Digest::parse(referrer_digest, "referrers index entry")?;
        let reference = model.reference.clone_with_digest(digest.to_string());
        let (bytes, _) = self
            .client
            .pull_manifest_raw(&reference, &self.auth, &[media_types::OCI_MANIFEST])
            .await
            .map_err(Self::registry_error(
                &reference,
                format!("fetching referrer {digest}"),
            ))?;
        check_size(
            bytes.len(),
            MAX_REFERRER_MANIFEST_BYTES,
            "signature referrer",
        )?;
        if Sha256Digest::of(&bytes) != digest {
            return Err(Error::DigestMismatch {
                what: format!("referrer {digest}"),
                expected: digest.to_string(),
                found: Sha256Digest::of(&bytes).to_string(),
            });
        }
        let layer = referrer::bundle_layer(&bytes, &model.artifact.digest)?;
        self.pull_blob(
            &model.reference,
            &layer.digest,
            layer.size,
            "signature bundle",
        )
        .await
    }

    /// Pulls a blob of a known size into memory, refusing more bytes than announced and
    /// checking the digest.
    pub async fn pull_blob(
        &self,
        reference: &Reference,
        digest: &Sha256Digest,
        size: u64,
        what: &'static str,
    ) -> Result<Vec<u8>, Error> {
        let mut out = crate::bounded::BoundedWriter::new(Vec::new(), size);
        self.client
            .pull_blob(reference, digest.to_string().as_str(), &mut out)
            .await
            .map_err(Self::registry_error(
                reference,
                format!("pulling {what} {digest}"),
            ))?;
        let bytes = out.into_inner();
        if bytes.len() as u64 != size || Sha256Digest::of(&bytes) != *digest {
            return Err(Error::DigestMismatch {
                what: format!("{what} ({} bytes)", bytes.len()),
                expected: format!("{digest} ({size} bytes)"),
                found: Sha256Digest::of(&bytes).to_string(),
            });
        }
        Ok(bytes)
    }

    /// Streams a blob of a known size into `out` (the client checks the digest as it goes).
    pub async fn pull_blob_into<W: tokio::io::AsyncWrite + Unpin>(
        &self,
        reference: &Reference,
        digest: &Sha256Digest,
        size: u64,
        out: W,
    ) -> Result<W, Error> {
        let mut bounded = crate::bounded::BoundedWriter::new(out, size);
        self.client
            .pull_blob(reference, digest.to_string().as_str(), &mut bounded)
            .await
            .map_err(Self::registry_error(
                reference,
                format!("pulling layer {digest}"),
            ))?;
        if bounded.written() != size {
            return Err(Error::DigestMismatch {
                what: format!("layer {digest}"),
                expected: format!("{size} bytes"),
                found: format!("{} bytes", bounded.written()),
            });
        }
        Ok(bounded.into_inner())
    }

    /// The underlying client, for pushing large blobs as streams.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
