//! `model-validation-operator crd | run`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use kube::runtime::{reflector, watcher, WatchStreamExt};
use kube::{Api, Client};
use model_validation_operator::crd::{self, ClusterModelValidation, ModelValidation};
use model_validation_operator::index::{PolicyIndex, SharedIndex};
use model_validation_operator::leader::{self, LeaseConfig};
use model_validation_operator::metrics::{self, Metrics};
use model_validation_operator::self_signed::{self, SelfSignedConfig};
use model_validation_operator::settings::{self, Settings};
use model_validation_operator::tls::{self, ReloadingResolver};
use model_validation_operator::{controller, webhook, webhook_scope};

#[derive(Parser)]
#[command(
    version,
    about = "Kubernetes operator that verifies ML models (OpenSSF Model Signing) before pods start"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start; boxing the big variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Print the ModelValidation CustomResourceDefinition as YAML.
    Crd {
        /// Print the ClusterModelValidation CRD instead.
        #[arg(long)]
        cluster: bool,
    },
    /// Serve the webhook and run the controller.
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// HOST:PORT of the HTTPS admission webhook.
    #[arg(long, env = "WEBHOOK_ADDR", default_value = "0.0.0.0:9443")]
    webhook_addr: SocketAddr,
    /// PEM serving certificate (e.g. a mounted cert-manager Secret); reloaded when it changes.
    #[arg(
        long,
        env = "TLS_CERT_FILE",
        requires = "tls_key_file",
        conflicts_with = "self_signed_tls"
    )]
    tls_cert_file: Option<PathBuf>,
    /// PEM private key of the serving certificate.
    #[arg(long, env = "TLS_KEY_FILE", requires = "tls_cert_file")]
    tls_key_file: Option<PathBuf>,
    /// Issue and rotate a CA and serving certificate, kept in a Secret, and patch the webhook
    /// configuration's caBundle.
    #[arg(long, env = "SELF_SIGNED_TLS", requires = "webhook_config_name")]
    self_signed_tls: bool,
    /// The MutatingWebhookConfiguration whose caBundle the self-signed mode maintains, and
    /// whose governed-pods entry lists the claims the policies govern.
    #[arg(long, env = "WEBHOOK_CONFIG_NAME")]
    webhook_config_name: Option<String>,
    /// The webhook Service (self-signed certificate names).
    #[arg(long, env = "SERVICE_NAME", default_value = "model-validation-webhook")]
    service_name: String,
    /// The operator's namespace (Service, Secret, Lease).
    #[arg(
        long,
        env = "SERVICE_NAMESPACE",
        default_value = "model-validation-operator-system"
    )]
    service_namespace: String,
    /// Secret holding the self-signed CA and serving certificate.
    #[arg(
        long,
        env = "TLS_SECRET_NAME",
        default_value = "model-validation-webhook-tls"
    )]
    tls_secret_name: String,
    /// PEM CA certificate(s): only clients presenting a certificate they issued may call the
    /// webhook (the API server, configured with an AdmissionConfiguration kubeconfig). Unset: any
    /// client that reaches the port may send reviews.
    #[arg(long, env = "CLIENT_CA_FILE")]
    client_ca_file: Option<PathBuf>,
    /// HOST:PORT of the plain-HTTP /metrics, /healthz and /readyz endpoints.
    #[arg(long, env = "METRICS_ADDR", default_value = "0.0.0.0:8080")]
    metrics_addr: SocketAddr,
    /// The verifier image (pin it by digest).
    #[arg(long, env = "VERIFIER_IMAGE", default_value = settings::DEFAULT_VERIFIER_IMAGE)]
    verifier_image: String,
    /// The verifier's pull policy when the CR sets none.
    #[arg(long, env = "VERIFIER_PULL_POLICY", default_value = "IfNotPresent")]
    verifier_pull_policy: String,
    /// Let Sigstore verification refresh the trust root over the network (TUF) instead of
    /// using the one embedded in the verifier.
    #[arg(long, env = "SIGSTORE_ONLINE")]
    sigstore_online: bool,
    /// Run the controller only while holding the Lease (for several replicas).
    #[arg(long, env = "LEADER_ELECTION")]
    leader_election: bool,
    /// Namespace of the Lease (default: --service-namespace).
    #[arg(long, env = "LEASE_NAMESPACE")]
    lease_namespace: Option<String>,
    #[arg(long, env = "LEASE_NAME", default_value = "model-validation-operator")]
    lease_name: String,
    /// This replica's identity (the Deployment passes the pod name).
    #[arg(long, env = "POD_NAME")]
    pod_name: Option<String>,
    /// Serve the webhook only.
    #[arg(long, env = "DISABLE_CONTROLLER")]
    disable_controller: bool,
}

fn main() -> anyhow::Result<()> {
    install_crypto_provider();
    let cli = Cli::parse();
    match cli.command {
        Command::Crd { cluster } => {
            let yaml = if cluster {
                crd::cluster_crd_yaml()
            } else {
                crd::crd_yaml()
            };
            print!("{}", yaml.context("serializing the CRD")?);
            Ok(())
        }
        Command::Run(args) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,kube=warn".into()),
                )
                .init();
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?
                .block_on(run(args))
        }
    }
}

/// The one rustls crypto provider of the process, for the kube client and the webhook alike:
/// aws-lc-rs, the only backend the workspace compiles (the Sigstore crates support no other).
fn install_crypto_provider() {
    // Err only if one is installed already, which cannot happen this early in main.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let client = Client::try_default()
        .await
        .context("loading the kube config (KUBECONFIG or in-cluster)")?;
    let identity = args
        .pod_name
        .clone()
        .unwrap_or_else(|| format!("model-validation-operator-{}", std::process::id()));

    let resolver = ReloadingResolver::new(None);
    match (
        &args.tls_cert_file,
        &args.tls_key_file,
        args.self_signed_tls,
    ) {
        (Some(cert), Some(key), false) => {
            resolver.set(tls::load_files(cert, key)?);
            tokio::spawn(tls::watch_files(
                resolver.clone(),
                cert.clone(),
                key.clone(),
                Duration::from_secs(10),
            ));
        }
        (None, None, true) => {
            let config = SelfSignedConfig {
                namespace: args.service_namespace.clone(),
                secret_name: args.tls_secret_name.clone(),
                service_name: args.service_name.clone(),
                webhook_config_name: args.webhook_config_name.clone().unwrap_or_default(),
            };
            tokio::spawn(self_signed::run(
                client.clone(),
                config,
                resolver.clone(),
                Duration::from_secs(60),
            ));
        }
        _ => bail!("give --tls-cert-file and --tls-key-file, or --self-signed-tls"),
    }

    let metrics = Arc::new(Metrics::default());
    let metrics_listener = tokio::net::TcpListener::bind(args.metrics_addr)
        .await
        .with_context(|| format!("binding the metrics address {}", args.metrics_addr))?;
    let metrics_router = metrics::router(metrics.clone(), resolver.clone());
    tokio::spawn(async move {
        if let Err(err) = axum::serve(metrics_listener, metrics_router).await {
            tracing::error!("metrics server: {err}");
        }
    });

    // The webhook's CR caches (misses of a labelled pod's CR go to the API), and the index of
    // selecting policies rebuilt from them at every change.
    let (store, writer) = reflector::store::<ModelValidation>();
    let (cluster_store, cluster_writer) = reflector::store::<ClusterModelValidation>();
    let index = SharedIndex::default();
    // The governed claims, for the webhook configuration's match condition.
    let (claims_tx, mut claims_rx) = tokio::sync::watch::channel(String::new());
    claims_rx.mark_changed();
    let rebuild = {
        let (store, cluster_store, index) = (store.clone(), cluster_store.clone(), index.clone());
        let claims_tx = Arc::new(claims_tx);
        move || {
            let built = PolicyIndex::build(store.state(), cluster_store.state());
            let expression = webhook_scope::match_expression(built.claim_names());
            claims_tx.send_if_modified(|e| {
                let changed = *e != expression;
                *e = expression;
                changed
            });
            index.set(built);
        }
    };
    match args.webhook_config_name.clone() {
        Some(name) => {
            let ready = (store.clone(), cluster_store.clone());
            let client = client.clone();
            tokio::spawn(async move {
                // A scope written before both caches are listed would leave out policies.
                if ready.0.wait_until_ready().await.is_ok()
                    && ready.1.wait_until_ready().await.is_ok()
                {
                    keep_webhook_scope(client, name, claims_rx).await;
                }
            });
        }
        None => tracing::warn!(
            "no --webhook-config-name: the webhook configuration's governed claims are not \
             maintained, so unlabelled pods reach the webhook only as the configuration says"
        ),
    }
    tokio::spawn(reflect_specs(
        Api::<ModelValidation>::all(client.clone()),
        writer,
        |mv| mv.status = None,
        rebuild.clone(),
    ));
    tokio::spawn(reflect_specs(
        Api::<ClusterModelValidation>::all(client.clone()),
        cluster_writer,
        |cmv| cmv.status = None,
        rebuild.clone(),
    ));
    let settings = Arc::new(Settings {
        verifier_image: args.verifier_image.clone(),
        default_pull_policy: args.verifier_pull_policy.clone(),
        sigstore_offline: !args.sigstore_online,
        ..Settings::default()
    });
    let state = webhook::WebhookState {
        lookup: Arc::new(webhook::ApiLookup {
            client: client.clone(),
            cache: Some(store),
            index,
        }),
        settings: settings.clone(),
        metrics: metrics.clone(),
    };
    let client_roots = args
        .client_ca_file
        .as_deref()
        .map(tls::load_client_roots)
        .transpose()
        .context("loading the webhook's client CA (--client-ca-file)")?;
    let listener = std::net::TcpListener::bind(args.webhook_addr)
        .with_context(|| format!("binding the webhook address {}", args.webhook_addr))?;
    tracing::info!("webhook on https://{}{}", args.webhook_addr, webhook::PATH);
    let handle = axum_server::Handle::new();
    let server = tokio::spawn(webhook::serve(
        listener,
        tls::server_config(resolver.clone(), client_roots)?,
        webhook::router(state),
        handle.clone(),
    ));

    if !args.disable_controller {
        let (client, metrics, instance) = (client.clone(), metrics.clone(), identity.clone());
        let settings = settings.clone();
        if args.leader_election {
            let config = LeaseConfig {
                namespace: args
                    .lease_namespace
                    .clone()
                    .unwrap_or_else(|| args.service_namespace.clone()),
                name: args.lease_name.clone(),
                identity,
                lease_seconds: 15,
                renew_every: Duration::from_secs(5),
            };
            tokio::spawn(leader::run_while_leader(
                client.clone(),
                config,
                move || {
                    controller::run(
                        client.clone(),
                        metrics.clone(),
                        settings.clone(),
                        Some(instance.clone()),
                    )
                },
            ));
        } else {
            tokio::spawn(controller::run(client, metrics, settings, Some(instance)));
        }
    }

    shutdown_signal().await;
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(5)));
    server.await.context("webhook server task")??;
    Ok(())
}

/// Keeps `writer`'s cache of `api` with only what `decide` reads (no status with its verdict
/// list, no annotations, no managed fields), calling `on_change` at every event.
async fn reflect_specs<K>(
    api: Api<K>,
    writer: reflector::store::Writer<K>,
    strip_status: fn(&mut K),
    on_change: impl Fn() + Send + 'static,
) where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    use futures::StreamExt;
    let spec_only = watcher(api, watcher::Config::default()).modify(move |object: &mut K| {
        strip_status(object);
        let meta = object.meta_mut();
        meta.managed_fields = None;
        meta.annotations = None;
    });
    reflector(writer, spec_only)
        .default_backoff()
        .touched_objects()
        .for_each(|_| {
            on_change();
            async {}
        })
        .await;
}

/// Writes the governed claims into the webhook configuration whenever they change (and again
/// after a failure), once both policy caches have been listed.
async fn keep_webhook_scope(
    client: Client,
    name: String,
    mut claims: tokio::sync::watch::Receiver<String>,
) {
    loop {
        if claims.changed().await.is_err() {
            return;
        }
        loop {
            let expression = claims.borrow_and_update().clone();
            match webhook_scope::sync(&client, &name, &expression).await {
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!("updating the webhook's governed claims: {err:#}");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
            return;
        }
    }
    let _ = ctrl_c.await;
}
