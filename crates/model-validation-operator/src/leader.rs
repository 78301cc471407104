//! Leader election with a `coordination.k8s.io/v1` Lease: only the holder runs the controller;
//! every replica serves the webhook.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};

#[derive(Debug, Clone)]
pub struct LeaseConfig {
    pub namespace: String,
    pub name: String,
    pub identity: String,
    pub lease_seconds: i32,
    pub renew_every: Duration,
}

/// Acquires or renews the lease; runs `task` while holding it and aborts it when the lease is
/// lost (another replica then takes over after `lease_seconds`).
pub async fn run_while_leader<F, Fut>(client: Client, config: LeaseConfig, task: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let api: Api<Lease> = Api::namespaced(client, &config.namespace);
    let mut running: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        let leader = match try_acquire(&api, &config).await {
            Ok(leader) => leader,
            Err(err) => {
                tracing::warn!("lease {}/{}: {err}", config.namespace, config.name);
                false
            }
        };
        match (&running, leader) {
            (None, true) => {
                tracing::info!(
                    "became leader ({}); starting the controller",
                    config.identity
                );
                running = Some(tokio::spawn(task()));
            }
            (Some(handle), true) if handle.is_finished() => running = Some(tokio::spawn(task())),
            (Some(handle), false) => {
                tracing::warn!("lost the lease; stopping the controller");
                handle.abort();
                running = None;
            }
            _ => {}
        }
        tokio::time::sleep(config.renew_every).await;
    }
}

/// One acquire-or-renew round; `Ok(true)` when this replica holds the lease afterwards.
pub async fn try_acquire(api: &Api<Lease>, config: &LeaseConfig) -> Result<bool, kube::Error> {
    let now = jiff::Timestamp::now();
    let existing = api.get_opt(&config.name).await?;
    let spec = existing
        .as_ref()
        .and_then(|l| l.spec.clone())
        .unwrap_or_default();
    let holder = spec.holder_identity.clone().unwrap_or_default();
    let ours = holder == config.identity;
    let expired = spec.renew_time.as_ref().is_none_or(|t| {
        t.0.as_second().saturating_add(i64::from(
            spec.lease_duration_seconds.unwrap_or(config.lease_seconds),
        )) < now.as_second()
    });
    if !ours && !holder.is_empty() && !expired {
        return Ok(false);
    }
    let transitions = spec.lease_transitions.unwrap_or(0);
    let lease = Lease {
        metadata: ObjectMeta {
            name: Some(config.name.clone()),
            namespace: Some(config.namespace.clone()),
            // Optimistic concurrency: two replicas taking an expired lease cannot both win.
            resource_version: existing
                .as_ref()
                .and_then(|l| l.metadata.resource_version.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(config.identity.clone()),
            lease_duration_seconds: Some(config.lease_seconds),
            acquire_time: if ours {
                spec.acquire_time.clone()
            } else {
                Some(MicroTime(now))
            },
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(if ours {
                transitions
            } else {
                transitions.saturating_add(1)
            }),
            ..LeaseSpec::default()
        }),
    };
    let result = if existing.is_some() {
        api.replace(&config.name, &PostParams::default(), &lease)
            .await
    } else {
        api.create(&PostParams::default(), &lease).await
    };
    match result {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
        Err(err) => Err(err),
    }
}
