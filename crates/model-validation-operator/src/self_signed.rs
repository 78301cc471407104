//! Self-managed TLS (no cert-manager): a CA and a serving certificate kept in a Secret, the
//! CA in the MutatingWebhookConfiguration's `caBundle`, both rotated well before expiry. The
//! private keys exist only in memory and in that Secret.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::ByteString;
use kube::api::{ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;

use crate::tls::{certified_key, ReloadingResolver};

/// Serving certificates live this long and are replaced when a third of that is left.
pub const VALIDITY_DAYS: i64 = 90;
pub const RENEW_BEFORE_DAYS: i64 = 30;
const NOT_AFTER_ANNOTATION: &str = "validation.ml.sigstore.dev/not-after";

/// A fresh CA and serving certificate (PEM), valid from now for `VALIDITY_DAYS`.
#[derive(Clone)]
pub struct GeneratedTls {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    /// Unix seconds.
    pub not_after: i64,
}

/// The DNS names the API server uses to reach `service` in `namespace`.
pub fn service_dns_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_owned(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// Issues a CA and a serving certificate for `names` (DNS names or IP addresses).
pub fn generate(names: &[String]) -> Result<GeneratedTls, rcgen::Error> {
    let now = OffsetDateTime::now_utc();
    let not_after = now + time::Duration::days(VALIDITY_DAYS);
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "model-validation-operator webhook CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = now - time::Duration::minutes(5);
    ca_params.not_after = not_after;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.to_vec())?;
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = not_after;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(GeneratedTls {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        not_after: not_after.unix_timestamp(),
    })
}

/// Where the self-managed TLS lives in the cluster.
#[derive(Debug, Clone)]
pub struct SelfSignedConfig {
    pub namespace: String,
    pub secret_name: String,
    pub service_name: String,
    pub webhook_config_name: String,
}

/// Keeps the Secret, the resolver and the `caBundle` current; checks every `every`.
pub async fn run(
    client: Client,
    config: SelfSignedConfig,
    resolver: Arc<ReloadingResolver>,
    every: Duration,
) {
    loop {
        // A replica that loses the race to write the Secret (409) reads the winner's at once
        // instead of serving without a certificate until the next round.
        for _ in 0..RACE_RETRIES {
            match reconcile(&client, &config, &resolver).await {
                Err(err) if lost_race(&err) => {
                    tracing::info!(
                        "self-signed TLS: another replica wrote the Secret first: {err:#}"
                    );
                }
                Err(err) => {
                    tracing::warn!("self-signed TLS: {err:#}");
                    break;
                }
                Ok(()) => break,
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Rounds in a row that may lose the race to another replica before waiting for the next check.
const RACE_RETRIES: usize = 3;

/// A create that found the Secret already there, or a replace of a Secret changed since it was read.
fn lost_race(err: &anyhow::Error) -> bool {
    matches!(err.downcast_ref::<kube::Error>(), Some(kube::Error::Api(status)) if status.code == 409)
}

async fn reconcile(
    client: &Client,
    config: &SelfSignedConfig,
    resolver: &ReloadingResolver,
) -> anyhow::Result<()> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &config.namespace);
    let existing = secrets.get_opt(&config.secret_name).await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let current = existing.as_ref().and_then(|s| {
        let data = s.data.as_ref()?;
        let text = |k: &str| {
            data.get(k)
                .and_then(|b| String::from_utf8(b.0.clone()).ok())
        };
        let not_after: i64 = s
            .metadata
            .annotations
            .as_ref()?
            .get(NOT_AFTER_ANNOTATION)?
            .parse()
            .ok()?;
        Some((
            text("ca.crt")?,
            text("tls.crt")?,
            text("tls.key")?,
            not_after,
        ))
    });
    let (ca_bundle, cert, key) = match current {
        Some((ca, cert, key, not_after)) if not_after - now > RENEW_BEFORE_DAYS * 86_400 => {
            (ca, cert, key)
        }
        previous => {
            let fresh = generate(&service_dns_names(&config.service_name, &config.namespace))?;
            // The old CA stays trusted until its certificate expires: replicas still serving
            // the old certificate keep working during the rotation.
            let ca_bundle = match &previous {
                Some((old_ca, _, _, not_after)) if *not_after > now => {
                    format!("{}{}", fresh.ca_pem, old_ca)
                }
                _ => fresh.ca_pem.clone(),
            };
            let secret = Secret {
                metadata: ObjectMeta {
                    name: Some(config.secret_name.clone()),
                    namespace: Some(config.namespace.clone()),
                    resource_version: existing
                        .as_ref()
                        .and_then(|s| s.metadata.resource_version.clone()),
                    annotations: Some(BTreeMap::from([(
                        NOT_AFTER_ANNOTATION.to_owned(),
                        fresh.not_after.to_string(),
                    )])),
                    ..ObjectMeta::default()
                },
                type_: Some("kubernetes.io/tls".to_owned()),
                data: Some(BTreeMap::from([
                    (
                        "ca.crt".to_owned(),
                        ByteString(ca_bundle.clone().into_bytes()),
                    ),
                    (
                        "tls.crt".to_owned(),
                        ByteString(fresh.cert_pem.clone().into_bytes()),
                    ),
                    (
                        "tls.key".to_owned(),
                        ByteString(fresh.key_pem.clone().into_bytes()),
                    ),
                ])),
                ..Secret::default()
            };
            // Another replica may win the race (409); it then wrote a valid Secret, which `run`
            // reads at once.
            if existing.is_some() {
                secrets
                    .replace(&config.secret_name, &PostParams::default(), &secret)
                    .await?;
            } else {
                secrets.create(&PostParams::default(), &secret).await?;
            }
            tracing::info!("issued a new webhook serving certificate");
            (ca_bundle, fresh.cert_pem, fresh.key_pem)
        }
    };
    resolver.set(certified_key(
        cert.as_bytes(),
        key.as_bytes(),
        "self-signed certificate",
    )?);
    patch_ca_bundle(client, &config.webhook_config_name, &ca_bundle).await
}

/// Sets `caBundle` on every webhook of the configuration (JSON patch by index, after a read).
async fn patch_ca_bundle(client: &Client, name: &str, ca_bundle: &str) -> anyhow::Result<()> {
    let api: Api<MutatingWebhookConfiguration> = Api::all(client.clone());
    let config = api.get(name).await?;
    let wanted = ByteString(ca_bundle.as_bytes().to_vec());
    let ops: Vec<serde_json::Value> = config
        .webhooks
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, w)| w.client_config.ca_bundle.as_ref() != Some(&wanted))
        .map(|(i, _)| {
            serde_json::json!({
                "op": "add",
                "path": format!("/webhooks/{i}/clientConfig/caBundle"),
                "value": wanted,
            })
        })
        .collect();
    if ops.is_empty() {
        return Ok(());
    }
    let patch: json_patch::Patch = serde_json::from_value(serde_json::Value::Array(ops))?;
    api.patch(name, &PatchParams::default(), &Patch::<()>::Json(patch))
        .await?;
    tracing::info!("updated caBundle of MutatingWebhookConfiguration {name}");
    Ok(())
}
