//! Admission latency under a fixed request rate, over HTTPS on loopback.
//!
//! `admission_load serve` runs the webhook server (the operator's router, TLS and decision
//! code, with an in-memory CR instead of the API) and prints `PORT <n>` and `CA <file>`;
//! `admission_load load --port N --ca FILE --rate 500 --seconds 20` sends real AdmissionReviews
//! of the workshop's pod at a fixed rate (open loop: latency is measured from each request's
//! scheduled time, so a stalled server cannot hide its queueing) and prints p50/p90/p99/max
//! and the error count. `bench/operator.sh` runs both and samples the server's RSS.
//!
//! `--pods labelled` (default) sends the workshop's labelled pod; `governed` the same pod
//! without the label, which a selecting policy governs by its claim; `ungoverned` an unlabelled
//! pod whose claim no policy governs (answered after the index lookup). The server's index holds
//! `--policies N` selecting policies (default 100), one of them governing the workshop's claim.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use model_validation_operator::crd::ModelValidation;
use model_validation_operator::index::{PolicyIndex, PolicyObject};
use model_validation_operator::metrics::Metrics;
use model_validation_operator::self_signed::generate;
use model_validation_operator::settings::Settings;
use model_validation_operator::tls::{certified_key, server_config, ReloadingResolver};
use model_validation_operator::webhook::{self, LookupFuture, ModelValidationLookup, WebhookState};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::json;

struct OneCr(ModelValidation, PolicyIndex);

impl ModelValidationLookup for OneCr {
    fn get<'a>(&'a self, _namespace: &'a str, _name: &'a str) -> LookupFuture<'a> {
        let mv = self.0.clone();
        Box::pin(async move { Ok(Some(mv)) })
    }
    fn candidates(&self, namespace: &str, claims: &[&str]) -> Vec<PolicyObject> {
        self.1.candidates(namespace, claims)
    }
}

/// `count` selecting policies: the workshop's CR governing its claim, the rest other claims in
/// other namespaces.
fn index(mv: &ModelValidation, count: usize) -> anyhow::Result<PolicyIndex> {
    let mut policies = Vec::with_capacity(count);
    for i in 0..count {
        let mut p = mv.clone();
        let (namespace, claim) = if i == 0 {
            ("ml-workshop".to_owned(), "model-storage".to_owned())
        } else {
            (format!("team-{i}"), format!("models-{i}"))
        };
        p.metadata.namespace = Some(namespace);
        p.metadata.name = Some(format!("policy-{i}"));
        p.spec.governs = Some(serde_json::from_value(json!({"claimNames": [claim]}))?);
        policies.push(Arc::new(p));
    }
    Ok(PolicyIndex::build(policies, Vec::new()))
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

fn main() -> anyhow::Result<()> {
    // The process's one crypto provider, as in the operator's main.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.get(1).map(String::as_str) {
        Some("serve") => rt.block_on(serve(
            &arg(&args, "--ca-out", "ca.pem"),
            arg(&args, "--policies", "100").parse()?,
        )),
        Some("load") => rt.block_on(load(
            arg(&args, "--port", "9443").parse()?,
            &arg(&args, "--ca", "ca.pem"),
            arg(&args, "--rate", "500").parse()?,
            arg(&args, "--seconds", "20").parse()?,
            &arg(&args, "--pods", "labelled"),
        )),
        _ => anyhow::bail!("usage: admission_load serve --ca-out FILE | load --port N --ca FILE --rate R --seconds S [--pods labelled|governed|ungoverned]"),
    }
}

async fn serve(ca_out: &str, policies: usize) -> anyhow::Result<()> {
    let tls = generate(&["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    std::fs::write(ca_out, &tls.ca_pem)?;
    let resolver = ReloadingResolver::new(Some(certified_key(
        tls.cert_pem.as_bytes(),
        tls.key_pem.as_bytes(),
        "bench",
    )?));
    let mv: ModelValidation = serde_json::from_value(json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
        "metadata": {"name": "workshop-model", "namespace": "ml-workshop"},
        "spec": {
            "model": {"path": "/data/bert-base-uncased", "signaturePath": "/data/bert-base-uncased/model.sig"},
            "config": {"sigstoreConfig": {"certificateIdentity": "user@example.com", "certificateOidcIssuer": "https://github.com/login/oauth"}}
        }
    }))?;
    let index = index(&mv, policies.max(1))?;
    let state = WebhookState {
        lookup: Arc::new(OneCr(mv, index)),
        settings: Arc::new(Settings::default()),
        metrics: Arc::new(Metrics::default()),
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    println!("PORT {}", listener.local_addr()?.port());
    let handle = axum_server::Handle::new();
    webhook::serve(
        listener,
        server_config(resolver, None)?,
        webhook::router(state),
        handle,
    )
    .await?;
    Ok(())
}

fn review_body(i: u64, pods: &str) -> Vec<u8> {
    let labels = match pods {
        "labelled" => json!({"validation.ml.sigstore.dev/ml": "workshop-model"}),
        _ => json!({"app": "inference"}),
    };
    let claim = match pods {
        "ungoverned" => "scratch-data",
        _ => "model-storage",
    };
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": format!("uid-{i}"), "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "ml-workshop", "operation": "CREATE", "userInfo": {"username": "bench"},
            "object": {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("ml-workload-{i}"), "namespace": "ml-workshop",
                             "labels": labels},
                "spec": {"containers": [{"name": "inference", "image": "nginx:alpine",
                    "volumeMounts": [{"name": "model-storage", "mountPath": "/data"},
                                     {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
                         "volumes": [{"name": "model-storage", "persistentVolumeClaim": {"claimName": claim}},
                                     {"name": "kube-api-access", "projected": {"sources": []}}]}}
        }
    }))
    .unwrap_or_default()
}

async fn load(port: u16, ca: &str, rate: u64, seconds: u64, pods: &str) -> anyhow::Result<()> {
    let patched = pods != "ungoverned";
    // reqwest is built without a crypto provider: it is given the process's own.
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&std::fs::read(ca)?) {
        roots.add(cert?)?;
    }
    let provider =
        rustls::crypto::CryptoProvider::get_default().context("no crypto provider installed")?;
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(Duration::from_secs(5))
        .build()?;
    let url = format!("https://127.0.0.1:{port}{}", webhook::PATH);
    // Warm up the connection pool.
    for i in 0..20 {
        let _ = client.post(&url).body(review_body(i, pods)).send().await;
    }
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let (client, url, body) = (client.clone(), url.clone(), review_body(i, pods));
        tasks.push(tokio::spawn(async move {
            let ok = match client.post(&url).body(body).send().await {
                Ok(resp) if resp.status().is_success() => resp
                    .bytes()
                    .await
                    .map(|b| {
                        let allowed = b.windows(14).any(|w| w == br#""allowed":true"#);
                        allowed && b.windows(9).any(|w| w == b"JSONPatch") == patched
                    })
                    .unwrap_or(false),
                _ => false,
            };
            (scheduled.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0u64;
    for t in tasks {
        let (lat, ok) = t.await?;
        if !ok {
            errors += 1;
        }
        latencies.push(lat);
    }
    let wall = start.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).copied().unwrap_or_default()
    };
    println!(
        "pods {pods}: requests {total} in {:.1} s ({:.0}/s offered {rate}/s), errors {errors}, p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.90).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    Ok(())
}
