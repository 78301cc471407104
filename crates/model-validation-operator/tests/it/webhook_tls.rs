//! The real HTTPS webhook server on 127.0.0.1:0 with a freshly issued certificate, called with
//! real AdmissionReview JSON by a rustls client that trusts only that certificate's CA.

use std::sync::Arc;

use model_validation_operator::crd::ModelValidation;
use model_validation_operator::metrics::Metrics;
use model_validation_operator::self_signed::generate;
use model_validation_operator::settings::Settings;
use model_validation_operator::tls::{
    certified_key, load_client_roots, server_config, ReloadingResolver,
};
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
    start_with(None).await
}

async fn start_with(client_roots: Option<rustls::RootCertStore>) -> Running {
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
        server_config(resolver.clone(), client_roots).unwrap(),
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
    client_with(ca_pem, None)
}

/// A client trusting `ca_pem` that presents `identity` (certificate chain PEM, key PEM).
fn client_with(ca_pem: &str, identity: Option<(&str, &str)>) -> reqwest::Client {
    // reqwest is built without a crypto provider: it is given the process's own.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = rustls::crypto::CryptoProvider::get_default().unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        None => config.with_no_client_auth(),
        Some((chain, key)) => config
            .with_client_auth_cert(
                CertificateDer::pem_slice_iter(chain.as_bytes())
                    .collect::<Result<_, _>>()
                    .unwrap(),
                rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
    };
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

/// A CA and a client certificate it issued (PEM: CA, certificate, key).
fn client_identity(name: &str) -> (String, String, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name
        .push(DnType::CommonName, format!("{name} client CA"));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, name);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

/// With a client CA, only a client presenting a certificate that CA issued gets an answer: any
/// other in-cluster client fails at the handshake, before a review is read (issue 13, class 10).
#[tokio::test]
async fn with_a_client_ca_only_its_clients_are_served() {
    let (ca, cert, key) = client_identity("kube-apiserver");
    let (_, other_cert, other_key) = client_identity("intruder");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("client-ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let r = start_with(Some(load_client_roots(&ca_file).unwrap())).await;
    let body = serde_json::to_vec(&review(Some("workshop-model"))).unwrap();

    for (who, client) in [
        ("no certificate", client_with(&r.ca_pem, None)),
        (
            "a certificate of another CA",
            client_with(&r.ca_pem, Some((&other_cert, &other_key))),
        ),
    ] {
        let sent = client.post(&r.url).body(body.clone()).send().await;
        match sent {
            Err(_) => {}
            Ok(resp) => {
                let text = resp.text().await.unwrap_or_default();
                panic!("{who}: expected the handshake to fail, the webhook answered: {text}")
            }
        }
    }

    let authenticated = Running {
        client: client_with(&r.ca_pem, Some((&cert, &key))),
        ca_pem: r.ca_pem.clone(),
        url: r.url.clone(),
        handle: r.handle.clone(),
        resolver: r.resolver.clone(),
    };
    let (code, answer) = post(&authenticated, body).await;
    assert_eq!(code, 200, "{answer}");
    assert!(
        answer.contains("\"allowed\":true") && answer.contains("\"patch\""),
        "{answer}"
    );
    r.handle.shutdown();
}

#[test]
fn a_client_ca_file_without_certificates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.pem");
    std::fs::write(&file, "not a certificate\n").unwrap();
    let err = load_client_roots(&file).unwrap_err().to_string();
    assert!(
        err.contains("expected at least one PEM certificate") && err.contains("found none"),
        "{err}"
    );
}

/// Slots are bounded: while [`webhook::MAX_CONCURRENT_REVIEWS`] reviews trickle their bodies, the
/// next one is answered 503 with `Retry-After` once it has waited for a slot, instead of being
/// buffered; the tricklers are cut off by the body timeout and a review then gets its answer.
/// The clock is paused, so the timeouts elapse as soon as every task waits.
#[tokio::test(start_paused = true)]
async fn reviews_over_the_slots_are_answered_503_and_tricklers_are_cut_off() {
    use tower::ServiceExt as _;
    let router = webhook::router(WebhookState {
        lookup: Arc::new(OneCr(mv())),
        settings: Arc::new(Settings::default()),
        metrics: Arc::new(Metrics::default()),
    });
    let request = |body: axum::body::Body| {
        axum::http::Request::post(webhook::PATH)
            .header("content-type", "application/json")
            .body(body)
            .unwrap()
    };
    let trickling = || {
        axum::body::Body::from_stream(futures::stream::pending::<
            Result<axum::body::Bytes, std::io::Error>,
        >())
    };
    let mut tricklers = Vec::new();
    for _ in 0..webhook::MAX_CONCURRENT_REVIEWS {
        tricklers.push(tokio::spawn(router.clone().oneshot(request(trickling()))));
    }
    // Let every trickler take its slot (a current-thread runtime runs them to their first wait).
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let review_body = || axum::body::Body::from(serde_json::to_vec(&review(None)).unwrap());
    let busy = router
        .clone()
        .oneshot(request(review_body()))
        .await
        .unwrap();
    assert_eq!(busy.status().as_u16(), 503);
    assert_eq!(busy.headers()["retry-after"], "1");

    for trickler in tricklers {
        let answer = trickler.await.unwrap().unwrap();
        assert_eq!(answer.status().as_u16(), 408);
    }
    let served = router.oneshot(request(review_body())).await.unwrap();
    assert_eq!(served.status().as_u16(), 200);
}
