//! Archive layers (`.tar`, `.tar+gzip`) are not digest-equivalent to files: such an artifact is
//! signed and verified by pulling and hashing, the result says so, and the statement is the
//! folder's. An archive entry that would leave the folder, or is not a plain file, is refused.

use crate::common;

use common::{keys, runtime};
use std::io::Write;

use model_signing::HashingConfig;
use oci_registry_harness::LocalRegistry;
use oms_oci::media_types::{FILEPATH_ANNOTATION, MODEL_ARTIFACT_TYPE, MODEL_CONFIG, OCI_MANIFEST};
use oms_oci::{
    parse_reference, sign_artifact, verify_artifact, Checked, Error, NeedsPull, Registry,
    RegistryOptions, Sha256Digest, StatementOptions,
};

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Written raw: `append_data` would refuse the `..` paths these tests need.
        let name = header.as_old_mut().name.as_mut_slice();
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Pushes an artifact whose layers are `(media type, bytes, filepath)`; returns its reference.
async fn push_artifact(
    registry: &Registry,
    host: &str,
    repo_tag: &str,
    layers: &[(&str, Vec<u8>, &str)],
) -> oci_client::Reference {
    let reference = parse_reference(&format!("{host}/{repo_tag}")).unwrap();
    let config = br#"{"modelfs":{"type":"layers","diffIds":[]}}"#.to_vec();
    let config_digest = registry
        .push_blob(&reference, config.clone())
        .await
        .unwrap();
    let mut descriptors = Vec::new();
    for (media_type, bytes, path) in layers {
        let digest = registry.push_blob(&reference, bytes.clone()).await.unwrap();
        descriptors.push(serde_json::json!({
            "mediaType": media_type, "digest": digest.to_string(), "size": bytes.len(),
            "annotations": { FILEPATH_ANNOTATION: path },
        }));
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": MODEL_ARTIFACT_TYPE,
        "config": { "mediaType": MODEL_CONFIG, "digest": config_digest.to_string(), "size": config.len() },
        "layers": descriptors,
    });
    registry
        .push_manifest(&reference, manifest.to_string().into_bytes(), OCI_MANIFEST)
        .await
        .unwrap();
    reference
}

#[test]
fn archive_layers_are_signed_and_verified_by_pulling_with_the_folder_statement() {
    let Some(local) = LocalRegistry::start().unwrap() else {
        return;
    };
    let host = local.host();
    common::install_provider();
    let registry = Registry::new(
        &RegistryOptions::default(),
        &parse_reference(&format!("{host}/x")).unwrap(),
    );
    runtime().block_on(async {
        let weights = tar_of(&[("weights/a.bin", b"aaaa"), ("weights/b.bin", b"bb")]);
        let docs = gzip(&tar_of(&[("README.md", b"# model")]));
        let reference = push_artifact(
            &registry,
            &host,
            "models/tarred:v1",
            &[
                (
                    "application/vnd.cncf.model.weight.v1.tar",
                    weights,
                    "weights",
                ),
                (
                    "application/vnd.cncf.model.doc.v1.tar+gzip",
                    docs,
                    "README.md",
                ),
                (
                    "application/vnd.cncf.model.weight.config.v1.raw",
                    b"{}".to_vec(),
                    "config.json",
                ),
            ],
        )
        .await;
        let (signer, verifier) = keys();
        let signed = sign_artifact(
            &registry,
            &reference,
            &signer,
            &StatementOptions::named("tarred"),
        )
        .await
        .unwrap();
        assert!(
            matches!(
                &signed.checked,
                Checked::ByPulling(NeedsPull::ArchiveLayer { index: 0, .. })
            ),
            "{:?}",
            signed.checked
        );
        assert!(
            signed.checked.to_string().contains("pulling"),
            "{}",
            signed.checked
        );

        // The statement is the one of the same files in a folder.
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("tarred");
        for (path, data) in [
            ("weights/a.bin", &b"aaaa"[..]),
            ("weights/b.bin", b"bb"),
            ("README.md", b"# model"),
            ("config.json", b"{}"),
        ] {
            let target = folder.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, data).unwrap();
        }
        let expected = model_signing::digest_model(
            &folder,
            &HashingConfig::default(),
            &model_signing::no_progress,
        )
        .unwrap();
        let signed_manifest = model_signing::verify_signature(&signed.bundle, &verifier)
            .unwrap()
            .manifest;
        assert_eq!(signed_manifest, expected);

        let verified = verify_artifact(&registry, &reference, &verifier)
            .await
            .unwrap();
        assert!(
            matches!(verified.checked, Checked::ByPulling(_)),
            "{:?}",
            verified.checked
        );
        // An admission check never pulls: it is told why it cannot decide from the manifest.
        let err = oms_oci::verify_by_manifest(&registry, &reference, &verifier)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NeedsPull(NeedsPull::ArchiveLayer { index: 0, .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("without pulling"), "{err}");
    });
}

#[test]
fn archive_entries_outside_the_folder_or_not_plain_files_are_refused() {
    let digest = Sha256Digest::of(b"layer");
    for (bytes, entry) in [
        (tar_of(&[("../evil", b"x")]), "../evil"),
        (tar_of(&[("a/../../evil", b"x")]), "a/../../evil"),
        (tar_of(&[("/etc/evil", b"x")]), "/etc/evil"),
        (tar_of(&[("a", b"1"), ("a", b"2")]), "a"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m");
        std::fs::create_dir(&target).unwrap();
        match oms_oci::pull::unpack(bytes.as_slice(), &target, &digest) {
            Err(Error::Archive { entry: e, .. }) => assert_eq!(e, entry),
            Err(Error::Io { path, .. }) => assert_eq!(path, target.join(entry)),
            other => panic!("{entry}: expected a refusal, got {other:?}"),
        }
        assert!(!dir.path().join("evil").exists());
    }
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder
        .append_link(&mut header, "link", "/etc/passwd")
        .unwrap();
    let bytes = builder.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = oms_oci::pull::unpack(bytes.as_slice(), dir.path(), &digest).unwrap_err();
    assert!(err.to_string().contains("Symlink"), "{err}");
}
