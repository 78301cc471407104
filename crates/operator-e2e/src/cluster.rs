//! One control plane with the operator installed the way `config/` deploys it: the generated CRD,
//! the RBAC of `config/rbac`, the operator running as its ServiceAccount, and the shipped
//! MutatingWebhookConfiguration pointed at the operator's loopback URL with its `caBundle`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, WebhookClientConfig,
};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube_testenv::{Identity, TestEnv};
use model_validation_operator::IGNORE_NAMESPACE_LABEL;

use crate::manifests::{apply, read_documents};
use crate::operator_process::OperatorProcess;
use crate::workspace::{binaries, repo_root, WorkspaceBinaries};

pub const OPERATOR_NAMESPACE: &str = "model-validation-operator-system";
pub const OPERATOR_SERVICE_ACCOUNT: &str = "model-validation-controller-manager";
pub const CRD_NAME: &str = "modelvalidations.ml.sigstore.dev";
pub const CLUSTER_CRD_NAME: &str = "clustermodelvalidations.ml.sigstore.dev";
/// The shipped configuration's name: config/rbac lets the operator patch this one only.
pub const WEBHOOK_CONFIG: &str = "model-validation-mutating-webhook-configuration";
const TIMEOUT: Duration = Duration::from_secs(60);

/// The operator's identity: its ServiceAccount, bound by `config/rbac`.
pub fn operator_identity() -> Identity {
    Identity::service_account(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT)
}

/// A control plane with the CRD and RBAC installed (no operator yet).
pub struct Cluster {
    pub env: &'static TestEnv,
    pub bins: &'static WorkspaceBinaries,
    pub work: PathBuf,
}

impl Cluster {
    /// Starts (or reuses) this test binary's control plane and installs the CRD and RBAC.
    pub async fn install() -> Result<Self> {
        let env = TestEnv::shared().await?;
        let bins = tokio::task::spawn_blocking(binaries).await??;
        let admin = env.client(&Identity::Admin).await?;
        install_crd(&admin, &bins.operator).await?;
        create_namespace(
            &admin,
            OPERATOR_NAMESPACE,
            &[(IGNORE_NAMESPACE_LABEL, "true")],
        )
        .await?;
        for file in [
            "service_account.yaml",
            "role.yaml",
            "leader_election_role.yaml",
        ] {
            for object in read_documents(&repo_root().join("config/rbac").join(file))? {
                apply(&admin, &object, Some(OPERATOR_NAMESPACE)).await?;
            }
        }
        let work = env.dir().join("operator-e2e");
        std::fs::create_dir_all(&work)?;
        Ok(Self { env, bins, work })
    }

    pub async fn admin(&self) -> Result<kube::Client> {
        Ok(self.env.client(&Identity::Admin).await?)
    }

    /// Starts the operator binary as its ServiceAccount and registers the shipped webhook
    /// configuration (renamed to `config_name`) by URL; returns once the API server calls it.
    pub async fn start_operator(&self, config_name: &str) -> Result<OperatorProcess> {
        let dir = self.work.join(config_name);
        let operator = OperatorProcess::start(
            self.env,
            &self.bins.operator,
            &operator_identity(),
            &dir,
            config_name,
        )?;
        let admin = self.admin().await?;
        register_webhook(
            &admin,
            config_name,
            &operator.webhook_url(),
            operator.ca_pem(),
        )
        .await?;
        wait_webhook_live(&admin, &operator).await?;
        Ok(operator)
    }
}

/// Creates both CRDs from `model-validation-operator crd [--cluster]` and waits until they are
/// Established.
async fn install_crd(admin: &kube::Client, operator: &Path) -> Result<()> {
    for (name, args) in [
        (CRD_NAME, &["crd"][..]),
        (CLUSTER_CRD_NAME, &["crd", "--cluster"][..]),
    ] {
        install_one_crd(admin, operator, name, args).await?;
    }
    Ok(())
}

async fn install_one_crd(
    admin: &kube::Client,
    operator: &Path,
    name: &str,
    args: &[&str],
) -> Result<()> {
    let output = std::process::Command::new(operator).args(args).output()?;
    if !output.status.success() {
        bail!(
            "{} {args:?} failed: {}",
            operator.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let yaml = String::from_utf8(output.stdout)?;
    let crd: CustomResourceDefinition =
        serde_yaml::from_str(&yaml).context("parsing the generated CRD")?;
    let crds: Api<CustomResourceDefinition> = Api::all(admin.clone());
    crds.patch(
        name,
        &PatchParams::apply("operator-e2e").force(),
        &Patch::Apply(&crd),
    )
    .await
    .with_context(|| format!("creating the CRD {name}"))?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let current = crds.get(name).await?;
        let established = current
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("CRD {name} not Established after {TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates a namespace with labels (no error when it exists).
pub async fn create_namespace(
    admin: &kube::Client,
    name: &str,
    labels: &[(&str, &str)],
) -> Result<()> {
    let ns: Namespace = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>()}
    }))?;
    match Api::<Namespace>::all(admin.clone())
        .create(&PostParams::default(), &ns)
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The shipped `config/webhook/manifests.yaml`, renamed, with `clientConfig.url` + `caBundle`
/// instead of the in-cluster Service (as envtest registers webhooks).
async fn register_webhook(admin: &kube::Client, name: &str, url: &str, ca_pem: &str) -> Result<()> {
    let path = repo_root().join("config/webhook/manifests.yaml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut config: MutatingWebhookConfiguration = serde_yaml::from_str(&text)?;
    config.metadata.name = Some(name.to_owned());
    for webhook in config.webhooks.iter_mut().flatten() {
        webhook.client_config = WebhookClientConfig {
            url: Some(url.to_owned()),
            ca_bundle: Some(k8s_openapi::ByteString(ca_pem.as_bytes().to_vec())),
            service: None,
        };
    }
    let api: Api<MutatingWebhookConfiguration> = Api::all(admin.clone());
    api.patch(
        name,
        &PatchParams::apply("operator-e2e").force(),
        &Patch::Apply(&config),
    )
    .await
    .context("registering the webhook")?;
    Ok(())
}

/// The API server learns new webhook configurations through an informer: dry-run a labelled pod
/// naming a CR that does not exist until our webhook's denial comes back.
async fn wait_webhook_live(admin: &kube::Client, operator: &OperatorProcess) -> Result<()> {
    create_namespace(admin, "webhook-probe", &[]).await?;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "webhook-probe");
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "probe", "labels": {model_validation_operator::MODEL_LABEL: "no-such-model-validation"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    }))?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match pods
            .create(
                &PostParams {
                    dry_run: true,
                    ..Default::default()
                },
                &pod,
            )
            .await
        {
            Err(kube::Error::Api(s)) if s.message.contains("no-such-model-validation") => {
                return Ok(())
            }
            other => {
                if Instant::now() > deadline {
                    bail!(
                        "webhook not live after {TIMEOUT:?}; last dry-run: {other:?}\noperator log:\n{}",
                        operator.log()
                    );
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
