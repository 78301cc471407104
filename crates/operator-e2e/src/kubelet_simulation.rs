//! KUBELET SIMULATION (test only). No kubelet runs against the test control plane, so no init
//! container ever executes. This plays the kubelet for one pod: it reads the pod as the API server
//! stored it (after admission), maps the pod's volumes to local folders, runs each init container's
//! `args` with the real `model_signing` binary in place of the image's entrypoint (paths under the
//! container's `mountPath`s rewritten to the local folders), and writes the outcome to
//! `status.initContainerStatuses` through the status subresource, as a kubelet would: exit code,
//! reason, and the termination message (the termination log file, or with
//! `FallbackToLogsOnError` the end of the output of a failed container). Everything else — admission,
//! the patch, validation, watches, the operator's reading of the status — is the real API server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret, Volume};
use kube::api::{Api, Patch, PatchParams};

/// The kubelet's limits for a termination message taken from logs.
const FALLBACK_MAX_BYTES: usize = 2048;
const FALLBACK_MAX_LINES: usize = 80;
const DEFAULT_TERMINATION_MESSAGE_PATH: &str = "/dev/termination-log";

/// What one simulated init container did.
#[derive(Clone, Debug)]
pub struct InitContainerRun {
    pub name: String,
    /// The arguments as the pod declares them (container paths).
    pub declared_args: Vec<String>,
    /// The arguments as run here (local paths).
    pub local_args: Vec<String>,
    pub exit_code: i32,
    pub output: String,
    pub termination_message: String,
}

/// Plays the kubelet for pods whose volumes the test maps to local folders.
#[derive(Clone, Debug)]
pub struct KubeletSimulation {
    verifier: PathBuf,
    volumes: BTreeMap<String, PathBuf>,
    sandbox: PathBuf,
}

impl KubeletSimulation {
    /// `verifier` replaces the init container's entrypoint; `sandbox` holds what is not on a
    /// volume (the termination log, a HOME without caches).
    pub fn new(verifier: &Path, sandbox: &Path) -> Self {
        Self {
            verifier: verifier.to_path_buf(),
            volumes: BTreeMap::new(),
            sandbox: sandbox.to_path_buf(),
        }
    }

    /// The pod volume `name` (a PVC, hostPath, ... of the pod spec) is the local folder `dir`.
    pub fn volume(mut self, name: &str, dir: &Path) -> Self {
        self.volumes.insert(name.to_owned(), dir.to_path_buf());
        self
    }

    /// Runs every init container of the stored pod `name` in order, stopping at the first failure
    /// like a kubelet, and writes their statuses. Returns what ran.
    pub async fn run_pod(&self, pods: &Api<Pod>, name: &str) -> Result<Vec<InitContainerRun>> {
        let pod = pods
            .get(name)
            .await
            .with_context(|| format!("reading pod {name}"))?;
        let spec = pod.spec.context("stored pod has no spec")?;
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let volumes = self
            .materialize_volumes(
                pods,
                &namespace,
                name,
                spec.volumes.as_deref().unwrap_or_default(),
            )
            .await?;
        let mut runs = Vec::new();
        let mut statuses = Vec::new();
        for container in spec.init_containers.unwrap_or_default() {
            let run = self.run_container(&container, &volumes)?;
            statuses.push(terminated_status(&container, &run));
            let failed = run.exit_code != 0;
            runs.push(run);
            if failed {
                break;
            }
        }
        let all_ok = runs.iter().all(|r| r.exit_code == 0);
        let phase = if all_ok { "Running" } else { "Pending" };
        let status = serde_json::json!({
            "status": {
                "phase": phase,
                "initContainerStatuses": statuses,
            }
        });
        pods.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .with_context(|| format!("writing the status of pod {name}"))?;
        Ok(runs)
    }

    /// The test's folders for mapped volumes; emptyDir, ConfigMap and Secret volumes are made
    /// here like a kubelet would (ConfigMaps and Secrets read from the API server).
    async fn materialize_volumes(
        &self,
        pods: &Api<Pod>,
        namespace: &str,
        pod: &str,
        volumes: &[Volume],
    ) -> Result<BTreeMap<String, PathBuf>> {
        let client = pods.clone().into_client();
        let mut dirs = self.volumes.clone();
        for volume in volumes {
            if dirs.contains_key(&volume.name) {
                continue;
            }
            let dir = self.sandbox.join(pod).join("volumes").join(&volume.name);
            let files: BTreeMap<String, Vec<u8>> = if volume.empty_dir.is_some() {
                BTreeMap::new()
            } else if let Some(cm) = &volume.config_map {
                let cm: ConfigMap = Api::namespaced(client.clone(), namespace)
                    .get(&cm.name)
                    .await?;
                cm.data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes()))
                    .collect()
            } else if let Some(secret) = &volume.secret {
                let name = secret.secret_name.clone().unwrap_or_default();
                let secret: Secret = Api::namespaced(client.clone(), namespace)
                    .get(&name)
                    .await?;
                secret
                    .data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.0))
                    .collect()
            } else {
                continue;
            };
            std::fs::create_dir_all(&dir)?;
            for (key, bytes) in files {
                std::fs::write(dir.join(key), bytes)?;
            }
            dirs.insert(volume.name.clone(), dir);
        }
        Ok(dirs)
    }

    fn run_container(
        &self,
        container: &Container,
        volumes: &BTreeMap<String, PathBuf>,
    ) -> Result<InitContainerRun> {
        let dir = self.sandbox.join(&container.name);
        std::fs::create_dir_all(dir.join("home"))?;
        let mounts = mounts(container, volumes)?;
        let termination_path = container
            .termination_message_path
            .clone()
            .unwrap_or_else(|| DEFAULT_TERMINATION_MESSAGE_PATH.to_owned());
        let termination_local = dir.join("termination-log");
        std::fs::write(&termination_local, "")?;
        let mut mounts_with_log = mounts.clone();
        mounts_with_log.push((termination_path.clone(), termination_local.clone()));

        let declared_args = container.args.clone().unwrap_or_default();
        let local_args: Vec<String> = declared_args
            .iter()
            .map(|a| rewrite_arg(a, &mounts_with_log, &dir.join("rootfs")))
            .collect();
        let mut command = Command::new(&self.verifier);
        command
            .args(&local_args)
            .env_clear()
            .env("HOME", dir.join("home"))
            .env("PATH", "/usr/bin:/bin");
        for env in container.env.iter().flatten() {
            if let Some(value) = &env.value {
                command.env(
                    &env.name,
                    rewrite_arg(value, &mounts_with_log, &dir.join("rootfs")),
                );
            }
        }
        let output = command
            .output()
            .with_context(|| format!("running {}", self.verifier.display()))?;
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        let exit_code = output.status.code().unwrap_or(128);
        let written = std::fs::read_to_string(&termination_local).unwrap_or_default();
        let fallback =
            container.termination_message_policy.as_deref() == Some("FallbackToLogsOnError");
        let termination_message = if written.is_empty() && fallback && exit_code != 0 {
            log_tail(&text)
        } else {
            written
        };
        Ok(InitContainerRun {
            name: container.name.clone(),
            declared_args,
            local_args,
            exit_code,
            output: text,
            termination_message,
        })
    }
}

/// (mountPath, local folder) for each mount of `container`, honouring subPath.
fn mounts(
    container: &Container,
    volumes: &BTreeMap<String, PathBuf>,
) -> Result<Vec<(String, PathBuf)>> {
    let mut mounts = Vec::new();
    for mount in container.volume_mounts.iter().flatten() {
        let Some(dir) = volumes.get(&mount.name) else {
            bail!(
                    "KUBELET SIMULATION: container {} mounts volume {} that the test did not map to a folder",
                    container.name,
                    mount.name
                );
        };
        let local = match mount.sub_path.as_deref() {
            Some(sub) if !sub.is_empty() => dir.join(sub),
            _ => dir.clone(),
        };
        mounts.push((mount.mount_path.clone(), local));
    }
    Ok(mounts)
}

/// Maps an absolute container path (alone or as `--flag=/path`) to the local folder of the
/// longest mountPath containing it; a path on no mount goes under an empty `rootfs`, where it does
/// not exist, as in a `FROM scratch` container.
pub fn rewrite_arg(arg: &str, mounts: &[(String, PathBuf)], rootfs: &Path) -> String {
    if let Some((flag, value)) = arg.split_once('=') {
        if flag.starts_with("--") && value.starts_with('/') {
            return format!("{flag}={}", map_path(value, mounts, rootfs).display());
        }
    }
    if arg.starts_with('/') {
        return map_path(arg, mounts, rootfs).display().to_string();
    }
    arg.to_owned()
}

fn map_path(path: &str, mounts: &[(String, PathBuf)], rootfs: &Path) -> PathBuf {
    let best = mounts
        .iter()
        .filter_map(|(mount_path, local)| {
            let rest = path.strip_prefix(mount_path.trim_end_matches('/'))?;
            (rest.is_empty() || rest.starts_with('/')).then_some((mount_path.len(), local, rest))
        })
        .max_by_key(|(len, _, _)| *len);
    match best {
        Some((_, local, rest)) => {
            let rest = rest.trim_start_matches('/');
            if rest.is_empty() {
                local.clone()
            } else {
                local.join(rest)
            }
        }
        None => rootfs.join(path.trim_start_matches('/')),
    }
}

fn log_tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(FALLBACK_MAX_LINES);
    let tail = lines.get(start..).unwrap_or_default().join("\n");
    let cut = tail.len().saturating_sub(FALLBACK_MAX_BYTES);
    let cut = (cut..=tail.len())
        .find(|i| tail.is_char_boundary(*i))
        .unwrap_or(tail.len());
    tail.get(cut..).unwrap_or_default().to_owned()
}

fn terminated_status(container: &Container, run: &InitContainerRun) -> serde_json::Value {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    serde_json::json!({
        "name": container.name,
        "image": container.image.clone().unwrap_or_default(),
        "imageID": "",
        "containerID": format!("kubelet-simulation://{}", container.name),
        "ready": run.exit_code == 0,
        "restartCount": 0,
        "started": false,
        "state": {"terminated": {
            "exitCode": run.exit_code,
            "reason": if run.exit_code == 0 { "Completed" } else { "Error" },
            "message": run.termination_message,
            "startedAt": now,
            "finishedAt": now,
            "containerID": format!("kubelet-simulation://{}", container.name),
        }},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_the_longest_mount_and_unmounted_paths_to_an_empty_rootfs() {
        let mounts = vec![
            ("/data".to_owned(), PathBuf::from("/l/pvc")),
            ("/data/trust".to_owned(), PathBuf::from("/l/cm")),
        ];
        let root = Path::new("/l/root");
        assert_eq!(
            rewrite_arg("/data/m/model.sig", &mounts, root),
            "/l/pvc/m/model.sig"
        );
        assert_eq!(
            rewrite_arg("--signature=/data/m.sig", &mounts, root),
            "--signature=/l/pvc/m.sig"
        );
        assert_eq!(
            rewrite_arg("/data/trust/root.json", &mounts, root),
            "/l/cm/root.json"
        );
        assert_eq!(rewrite_arg("/data", &mounts, root), "/l/pvc");
        assert_eq!(
            rewrite_arg("/database/x", &mounts, root),
            "/l/root/database/x"
        );
        assert_eq!(rewrite_arg("--identity", &mounts, root), "--identity");
        assert_eq!(rewrite_arg("a@b.c", &mounts, root), "a@b.c");
    }

    #[test]
    fn the_fallback_message_keeps_the_last_2048_bytes() {
        let text = "x".repeat(5000);
        assert_eq!(log_tail(&text).len(), 2048);
        let lines: String = (0..100).map(|i| format!("{i}\n")).collect();
        assert!(log_tail(&lines).starts_with("20\n"));
    }
}
