//! The real HTTPS webhook server on 127.0.0.1:0 with a freshly issued certificate, called with
//! real AdmissionReview JSON by a rustls client that trusts only that certificate's CA.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

use std::sync::Arc;

use model_validation_operator::crd::ModelValidation;
use model_validation_operator::metrics::Metrics;
use model_validation_operator::self_signed::generate;
use model_validation_operator::settings::Settings;
use model_validation_operator::tls::{certified_key, server_config, ReloadingResolver};
use model_validation_operator::webhook::{self, LookupFuture, ModelValidationLookup, WebhookState};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::{json, Value};

struct OneCr(ModelValidation);

impl ModelValidationLookup for OneCr {
    fn get<'a>(&'a self, namespace: &'a str, name: &'a str) -> LookupFuture<'a> {
        let hit = self.0.metadata.namespace.as_deref() == Some(namespace)
            && self.0.metadata.name.as_deref() == Some(name);
        let mv = self.0.clone();
        Box::pin(async move { Ok(hit.then_some(mv)) })
    }
}

fn mv() -> ModelValidation {
    serde_json::from_value(json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
        "metadata": {"name": "workshop-model", "namespace": "ml-workshop"},
        "spec": {
            "model": {"path": "/data/m", "signaturePath": "/data/m/model.sig"},
            "config": {"sigstoreConfig": {"certificateIdentity": "a@b.c", "certificateOidcIssuer": "https://github.com/login/oauth"}}
        }
    }))
    .unwrap()
}

fn review(label: Option<&str>) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(l) = label {
        labels.insert("validation.ml.sigstore.dev/ml".into(), json!(l));
    }
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "uid-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "ml-workshop", "operation": "CREATE", "userInfo": {"username": "u"},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": labels},
                "spec": {"containers": [{"name": "inference", "image": "nginx", "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
                         "volumes": [{"name": "d", "emptyDir": {}}]}}
        }
    })
}

/// A started server, the client that trusts it, and its base URL.
struct Running {
    client: reqwest::Client,
    ca_pem: String,
    url: String,
    handle: axum_server::Handle<std::net::SocketAddr>,
    resolver: Arc<ReloadingResolver>,
}

async fn start() -> Running {
    // The operator's main installs the process's provider; a test is its own main.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tls = generate(&["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let resolver = ReloadingResolver::new(Some(
        certified_key(tls.cert_pem.as_bytes(), tls.key_pem.as_bytes(), "test").unwrap(),
    ));
    let state = WebhookState {
        lookup: Arc::new(OneCr(mv())),
        settings: Arc::new(Settings::default()),
        metrics: Arc::new(Metrics::default()),
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = axum_server::Handle::new();
    tokio::spawn(webhook::serve(
        listener,
        server_config(resolver.clone()).unwrap(),
        webhook::router(state),
        handle.clone(),
    ));
    Running {
        client: client_trusting(&tls.ca_pem),
        ca_pem: tls.ca_pem.clone(),
        url: format!("https://127.0.0.1:{}{}", addr.port(), webhook::PATH),
        handle,
        resolver,
    }
}

fn client_trusting(ca_pem: &str) -> reqwest::Client {
    // reqwest is built without a crypto provider: it is given the process's own.
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = rustls::crypto::CryptoProvider::get_default().unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap()
}

async fn post(r: &Running, body: Vec<u8>) -> (u16, String) {
    let resp = r
        .client
        .post(&r.url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn https_webhook_patches_denies_and_rejects() {
    let r = start().await;

    let (code, body) = post(
        &r,
        serde_json::to_vec(&review(Some("workshop-model"))).unwrap(),
    )
    .await;
    assert_eq!(code, 200);
    let out: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(out["response"]["uid"], "uid-1");
    assert_eq!(out["response"]["allowed"], true);
    // kube-core sends the patch bytes as a JSON array (Go's []byte decoder accepts it).
    let patch: Vec<u8> = serde_json::from_value(out["response"]["patch"].clone()).unwrap();
    let patch: Value = serde_json::from_slice(&patch).unwrap();
    assert_eq!(patch[0]["op"], "add");
    assert_eq!(patch[0]["path"], "/spec/initContainers");
    assert_eq!(patch[0]["value"][0]["name"], "model-validation");

    let (code, body) = post(&r, serde_json::to_vec(&review(Some("missing"))).unwrap()).await;
    assert_eq!(code, 200);
    let out: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(out["response"]["allowed"], false);
    assert!(out["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("\"missing\" not found in namespace \"ml-workshop\""));

    let (code, body) = post(&r, serde_json::to_vec(&review(None)).unwrap()).await;
    assert_eq!(code, 200);
    let out: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(out["response"]["allowed"], true);
    assert!(out["response"].get("patch").is_none());

    let (code, body) = post(&r, b"{not json".to_vec()).await;
    assert_eq!(code, 400);
    assert!(
        body.contains("expected an admission.k8s.io/v1 AdmissionReview"),
        "{body}"
    );

    // Oversized: 413, or the connection is cut while the client still sends; never a 200.
    let oversized = r
        .client
        .post(&r.url)
        .body(vec![b' '; 4 * 1024 * 1024])
        .send()
        .await;
    if let Ok(resp) = oversized {
        assert_eq!(resp.status().as_u16(), 413);
    }

    r.handle.shutdown();
}

#[tokio::test]
async fn certificate_rotation_is_served_without_restart() {
    let r = start().await;
    let (code, _) = post(&r, serde_json::to_vec(&review(None)).unwrap()).await;
    assert_eq!(code, 200);
    // Swap in a certificate from another CA: the old client must now fail, a client trusting
    // the new CA must succeed.
    let next = generate(&["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    r.resolver
        .set(certified_key(next.cert_pem.as_bytes(), next.key_pem.as_bytes(), "next").unwrap());
    // A new connection from a client trusting only the old CA is refused now.
    let old = client_trusting(&r.ca_pem)
        .post(&r.url)
        .body("{}")
        .send()
        .await;
    assert!(
        old.is_err(),
        "a client trusting only the old CA must be refused"
    );
    let fresh = Running {
        client: client_trusting(&next.ca_pem),
        ca_pem: next.ca_pem.clone(),
        url: r.url.clone(),
        handle: r.handle.clone(),
        resolver: r.resolver.clone(),
    };
    let (code, _) = post(&fresh, serde_json::to_vec(&review(None)).unwrap()).await;
    assert_eq!(code, 200);
    r.handle.shutdown();
}
