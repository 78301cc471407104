//! Against a real registry (CNCF distribution v3, on loopback): push a folder, sign it by its
//! manifest, verify it by digest; and every attack we know fails closed with its reason:
//! a tampered layer, a swapped referrer, a moved tag, a registry that is down.

use crate::common;

use common::{keys, runtime};
use std::fs;
use std::path::Path;

use model_signing::verifiers::KeyVerifier;
use model_signing::{HashingConfig, VerifyOptions};
use oci_registry_harness::LocalRegistry;
use oms_oci::ops::pull_folder_of;
use oms_oci::{
    parse_reference, push_folder, sign_artifact, verify_artifact, Checked, Error, Registry,
    RegistryOptions, StatementOptions,
};

fn model(dir: &Path, weights: &[u8]) {
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join("model.safetensors"), weights).unwrap();
    fs::write(dir.join("config.json"), b"{\"layers\": 2}").unwrap();
    fs::write(dir.join("sub/tokenizer.json"), b"{}").unwrap();
    fs::write(dir.join("empty.txt"), b"").unwrap();
    fs::write(dir.join(".git/HEAD"), b"ref: main").unwrap();
}

struct Fixture {
    registry: LocalRegistry,
    client: Registry,
    work: tempfile::TempDir,
}

fn fixture() -> Option<Fixture> {
    let registry = LocalRegistry::start().unwrap()?;
    let probe = parse_reference(&format!("{}/x", registry.host())).unwrap();
    common::install_provider();
    let client = Registry::new(&RegistryOptions::default(), &probe);
    Some(Fixture {
        registry,
        client,
        work: tempfile::tempdir().unwrap(),
    })
}

impl Fixture {
    fn reference(&self, rest: &str) -> oci_client::Reference {
        parse_reference(&format!("oci://{}/{rest}", self.registry.host())).unwrap()
    }

    /// Pushes a model folder named `name` holding `weights` under `repo:tag`.
    async fn push(&self, name: &str, weights: &[u8], repo_tag: &str) -> oms_oci::Sha256Digest {
        let dir = self.work.path().join(name);
        if !dir.exists() {
            model(&dir, weights);
        }
        push_folder(&self.client, &dir, &self.reference(repo_tag))
            .await
            .unwrap()
    }
}

#[test]
fn push_sign_verify_by_manifest_and_the_pulled_folder_verifies_with_the_same_bundle() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let digest = fx.push("bert", b"weights v1", "models/bert:v1").await;
        let signed = sign_artifact(
            &fx.client,
            &fx.reference("models/bert:v1"),
            &signer,
            &StatementOptions::named("bert"),
        )
        .await
        .unwrap();
        assert_eq!(signed.model.artifact.digest, digest);
        assert_eq!(signed.checked, Checked::ByManifest);

        // The statement signed is the one the library signs for the folder itself.
        let folder = fx.work.path().join("bert");
        let from_folder = model_signing::digest_model(
            &folder,
            &HashingConfig::default(),
            &model_signing::no_progress,
        )
        .unwrap();
        let signed_statement = model_signing::verify_signature(&signed.bundle, &verifier)
            .unwrap()
            .manifest;
        assert_eq!(signed_statement, from_folder);

        let by_digest = fx.reference(&format!("models/bert@{digest}"));
        let verified = verify_artifact(&fx.client, &by_digest, &verifier)
            .await
            .unwrap();
        assert_eq!(verified.checked, Checked::ByManifest);
        assert_eq!(verified.referrer, signed.referrer.to_string());

        // Pulled, the folder verifies with the same bundle, as `model.sig` would.
        let pulled = fx.work.path().join("pulled");
        pull_folder_of(&fx.client, &by_digest, &pulled)
            .await
            .unwrap();
        model_signing::verify_model(
            &pulled,
            &signed.bundle,
            &verifier,
            &VerifyOptions::default(),
            &model_signing::no_progress,
        )
        .unwrap();
    });
}

#[test]
fn distribution_has_no_referrers_api_so_the_tag_schema_index_carries_the_signature() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let digest = fx.push("m", b"w", "models/m:v1").await;
        let signed = sign_artifact(
            &fx.client,
            &fx.reference("models/m:v1"),
            &signer,
            &StatementOptions::named("m"),
        )
        .await
        .unwrap();
        // Signing twice keeps both referrers in the index (each once).
        let (signer2, _) = keys();
        let second = sign_artifact(
            &fx.client,
            &fx.reference("models/m:v1"),
            &signer2,
            &StatementOptions::named("m"),
        )
        .await
        .unwrap();
        let tag = fx.reference(&format!("models/m:{}", digest.referrers_tag()));
        let (index, _) = fx
            .client
            .client()
            .pull_manifest_raw(
                &tag,
                &oci_client::secrets::RegistryAuth::Anonymous,
                &[oms_oci::media_types::OCI_INDEX],
            )
            .await
            .unwrap();
        let index: serde_json::Value = serde_json::from_slice(&index).unwrap();
        let listed: Vec<&str> = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["digest"].as_str().unwrap())
            .collect();
        assert_eq!(
            listed,
            [signed.referrer.to_string(), second.referrer.to_string()]
        );
        // Either signer's key verifies (the first is the first tried).
        verify_artifact(
            &fx.client,
            &fx.reference(&format!("models/m@{digest}")),
            &verifier,
        )
        .await
        .unwrap();
    });
}

#[test]
fn a_swapped_referrer_fails_naming_the_file() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let good = fx.push("good", b"good weights", "models/x:good").await;
        fx.push("evil", b"evil weights", "models/x:evil").await;
        // The signer signed the good model; the attacker attaches that signature to the evil one.
        let signed = sign_artifact(
            &fx.client,
            &fx.reference("models/x:good"),
            &signer,
            &StatementOptions::named("x"),
        )
        .await
        .unwrap();
        let evil = fx
            .client
            .fetch_model(&fx.reference("models/x:evil"))
            .await
            .unwrap();
        fx.client
            .attach_signature(&evil, &signed.bundle)
            .await
            .unwrap();
        let err = verify_artifact(
            &fx.client,
            &fx.reference(&format!("models/x@{}", evil.artifact.digest)),
            &verifier,
        )
        .await
        .unwrap_err();
        match &err {
            Error::NoValidSignature { failures, .. } => {
                assert_eq!(failures.len(), 1, "{err}");
                assert!(failures[0].contains("model.safetensors"), "{err}");
            }
            other => panic!("expected NoValidSignature, got {other}"),
        }
        // A referrer whose bundle another key made is refused by its signature.
        let (other_signer, _) = keys();
        let other = sign_artifact(
            &fx.client,
            &fx.reference("models/x:evil"),
            &other_signer,
            &StatementOptions::named("x"),
        )
        .await
        .unwrap();
        let err = verify_artifact(
            &fx.client,
            &fx.reference(&format!("models/x@{}", other.model.artifact.digest)),
            &verifier,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("2 tried"), "{err}");
        // The good model still verifies.
        verify_artifact(
            &fx.client,
            &fx.reference(&format!("models/x@{good}")),
            &verifier,
        )
        .await
        .unwrap();
    });
}

#[test]
fn a_moved_tag_has_no_signature_and_the_signed_digest_still_verifies() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let first = fx.push("v1", b"first", "models/t:latest").await;
        sign_artifact(
            &fx.client,
            &fx.reference("models/t:latest"),
            &signer,
            &StatementOptions::named("t"),
        )
        .await
        .unwrap();
        let moved = fx.push("v2", b"second", "models/t:latest").await;
        assert_ne!(first, moved);
        let err = verify_artifact(&fx.client, &fx.reference("models/t:latest"), &verifier)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NoSignature { .. }), "{err}");
        assert!(err.to_string().contains(&moved.to_string()), "{err}");
        verify_artifact(
            &fx.client,
            &fx.reference(&format!("models/t@{first}")),
            &verifier,
        )
        .await
        .unwrap();
        // A reference pinning the tag to the old digest is checked against what the tag holds.
        let pinned = fx.reference(&format!("models/t:latest@{first}"));
        verify_artifact(&fx.client, &pinned, &verifier)
            .await
            .unwrap();
    });
}

#[test]
fn a_tampered_layer_is_never_written_into_a_pulled_folder() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let digest = fx
            .push("tampered", b"original weights", "models/z:v1")
            .await;
        sign_artifact(
            &fx.client,
            &fx.reference("models/z:v1"),
            &signer,
            &StatementOptions::named("z"),
        )
        .await
        .unwrap();
        // Someone with access to the registry's storage replaces the weights' bytes.
        let weights = oms_oci::Sha256Digest::of(b"original weights");
        fs::write(fx.registry.blob_path(&weights.hex()), b"evil weights!!!!").unwrap();
        let by_digest = fx.reference(&format!("models/z@{digest}"));
        // The manifest is unchanged, so it still verifies by manifest: the layer's digest is
        // what is signed, and whoever pulls the layer must check it (a runtime does).
        verify_artifact(&fx.client, &by_digest, &verifier)
            .await
            .unwrap();
        let pulled = fx.work.path().join("pulled-z");
        let err = pull_folder_of(&fx.client, &by_digest, &pulled)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&weights.to_string()), "{err}");
        // Longer bytes than the manifest announces are refused too.
        fs::write(fx.registry.blob_path(&weights.hex()), vec![b'x'; 1 << 20]).unwrap();
        let pulled = fx.work.path().join("pulled-z2");
        let err = pull_folder_of(&fx.client, &by_digest, &pulled)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&weights.to_string()), "{err}");
        // A failed pull leaves nothing behind (the bytes that failed their check included).
        assert!(!pulled.exists());
        assert!(!fx.work.path().join("pulled-z").exists());
    });
}

#[test]
fn a_registry_that_is_down_fails_closed_naming_it() {
    let Some(mut fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let digest = fx.push("down", b"w", "models/d:v1").await;
        sign_artifact(
            &fx.client,
            &fx.reference("models/d:v1"),
            &signer,
            &StatementOptions::named("d"),
        )
        .await
        .unwrap();
        fx.registry.stop();
        let err = verify_artifact(
            &fx.client,
            &fx.reference(&format!("models/d@{digest}")),
            &verifier,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Registry { .. }), "{err}");
        assert!(err.to_string().contains(&fx.registry.host()), "{err}");
    });
}

#[test]
fn the_referrers_api_is_used_when_the_registry_has_it() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let digest = fx.push("api", b"api weights", "models/api:v1").await;
        sign_artifact(
            &fx.client,
            &fx.reference("models/api:v1"),
            &signer,
            &StatementOptions::named("api"),
        )
        .await
        .unwrap();
        // distribution v3 has no referrers API: the fallback above is what it needs.
        assert_eq!(
            fx.registry
                .get_status(&format!("/v2/models/api/referrers/{digest}")),
            Some(404)
        );
        // In front of it, a proxy serving the API from the stored index and hiding the tag.
        let proxy = oci_registry_harness::ReferrersApiProxy::start(fx.registry.addr()).unwrap();
        let reference = parse_reference(&format!("{}/models/api@{digest}", proxy.host())).unwrap();
        common::install_provider();
        let client = Registry::new(&RegistryOptions::default(), &reference);
        let verified = verify_artifact(&client, &reference, &verifier)
            .await
            .unwrap();
        assert_eq!(verified.checked, Checked::ByManifest);
        assert!(proxy.referrers_requests() >= 1);
        // Through the proxy the tag schema is hidden: with no entry in the API's answer, no
        // signature is found (the tag is not consulted behind the API's back).
        let unsigned = fx.push("api2", b"other", "models/api:v2").await;
        let reference =
            parse_reference(&format!("{}/models/api@{unsigned}", proxy.host())).unwrap();
        let err = verify_artifact(&client, &reference, &verifier)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NoSignature { .. }), "{err}");
    });
}

/// An admission webhook runs verification on a multi-threaded runtime: with a `Sync` verifier
/// the future must be `Send` (this does not compile otherwise).
#[allow(dead_code)]
fn verification_can_run_on_a_multi_threaded_runtime(
    registry: &Registry,
    reference: &oci_client::Reference,
    verifier: &KeyVerifier,
) {
    fn send<T: Send>(_: T) {}
    send(oms_oci::verify_by_manifest(registry, reference, verifier));
    send(verify_artifact(registry, reference, verifier));
}

#[test]
fn a_registry_serving_another_manifest_for_a_digest_is_refused() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (signer, verifier) = keys();
        let signed = fx.push("liar-good", b"good", "models/l:good").await;
        let evil = fx.push("liar-evil", b"evil", "models/l:evil").await;
        sign_artifact(
            &fx.client,
            &fx.reference("models/l:good"),
            &signer,
            &StatementOptions::named("l"),
        )
        .await
        .unwrap();
        // Asked for the signed digest, the registry answers with the other manifest.
        let rewrites = vec![(
            format!("/v2/models/l/manifests/{signed}"),
            format!("/v2/models/l/manifests/{evil}"),
        )];
        let proxy =
            oci_registry_harness::ReferrersApiProxy::start_rewriting(fx.registry.addr(), rewrites)
                .unwrap();
        let reference = parse_reference(&format!("{}/models/l@{signed}", proxy.host())).unwrap();
        common::install_provider();
        let client = Registry::new(&RegistryOptions::default(), &reference);
        let err = verify_artifact(&client, &reference, &verifier)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&signed.hex()) && err.contains(&evil.hex()),
            "{err}"
        );
    });
}

#[test]
fn a_single_file_or_an_empty_folder_is_not_pushed() {
    let Some(fx) = fixture() else { return };
    let rt = runtime();
    rt.block_on(async {
        let file = fx.work.path().join("weights.bin");
        fs::write(&file, b"w").unwrap();
        let empty = fx.work.path().join("empty");
        fs::create_dir(&empty).unwrap();
        for path in [&file, &empty] {
            let err = push_folder(&fx.client, path, &fx.reference("models/one:v1"))
                .await
                .unwrap_err();
            assert!(matches!(err, Error::NotAFolder { .. }), "{err}");
        }
    });
}
