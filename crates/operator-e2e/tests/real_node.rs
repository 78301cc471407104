//! The workshop on a REAL NODE: `scripts/local-cluster.sh up` runs a kubelet, containerd and the
//! control plane on this machine and installs the operator from `config/overlays/self-signed` as a
//! Deployment behind its Service. Pods really run: the verifier is the init container the webhook
//! injects, `Init:Error` / `Init:CrashLoopBackOff` are the kubelet's own, and every check goes
//! through `kubectl` as the workshop guide does. `nginx:alpine` and `alpine:latest` are busybox
//! STAND-INS served by the script's local registry.
//!
//! One node per test binary (`harness = false`: the node is brought up once, every scenario runs,
//! then it is torn down even when a scenario fails). Not root / no containerd: a failure when
//! `CI=true`, a printed skip elsewhere; `LOCAL_NODE_SKIP=1` skips on purpose, `LOCAL_NODE_KEEP=1`
//! leaves the cluster up for a look (`scripts/local-cluster.sh env`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _, Result};
use operator_e2e::real_node::{gate, poll, Gate, RealNode, KEEP_ENV};
use operator_e2e::workspace::{binaries, WorkspaceBinaries};

const SIGSTORE_IDENTITY: &str = "stefanb@us.ibm.com";
const SIGSTORE_ISSUER: &str = "https://sigstore.verify.ibm.com/oauth2";
/// Pod start includes a pull through the local registry and the verifier's run.
const POD_TIMEOUT: Duration = Duration::from_secs(180);
const STATUS_TIMEOUT: Duration = Duration::from_secs(60);
const OPERATOR_NS: &str = "model-validation-operator-system";
const OPERATOR_DEPLOYMENT: &str = "deployment/model-validation-controller-manager";

type Scenario = fn(&RealNode, &WorkspaceBinaries) -> Result<()>;

const SCENARIOS: &[(&str, Scenario, Option<&str>)] = &[
    (
        "workshop_signed_model_runs_and_the_backdoor_is_blocked_by_the_kubelet",
        workshop,
        None,
    ),
    ("unsigned_model_is_refused", unsigned_model, None),
    (
        "sigstore_signed_model_verifies_offline_in_the_pod",
        sigstore_model,
        None,
    ),
    (
        "workload_writing_the_model_gets_erofs",
        workload_cannot_write_the_model,
        None,
    ),
    (
        "key_from_a_config_map_key_ref_verifies_in_the_pod",
        key_ref_model,
        None,
    ),
    (
        "a_key_file_on_the_model_pvc_is_refused",
        key_on_the_model_pvc,
        None,
    ),
    (
        "a_signed_pickle_payload_is_stopped_by_the_scan_in_the_pod",
        scan_enforced,
        None,
    ),
    (
        "operator_stopped_refuses_labelled_pods_and_admits_others",
        operator_stopped,
        None,
    ),
    // Last: it replaces the operator that config/overlays/self-signed installed.
    (
        "the_helm_chart_installs_an_operator_that_verifies_in_the_pod",
        helm_installed,
        None,
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _, _) in SCENARIOS {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<_> = SCENARIOS
        .iter()
        .filter(|(name, _, _)| {
            filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() {
        println!("real_node: no scenario matches {filters:?}");
        return ExitCode::SUCCESS;
    }
    match gate() {
        Ok(Gate::Run) => {}
        Ok(Gate::Skip(reason)) => {
            println!("real_node: SKIPPED (no real node on this machine): {reason}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("real_node: FAILED: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let started = Instant::now();
    let bins = match binaries() {
        Ok(bins) => bins,
        Err(e) => {
            eprintln!("real_node: FAILED building the operator and model_signing: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let node = match RealNode::up(bins) {
        Ok(node) => node,
        Err(e) => {
            eprintln!("real_node: FAILED bringing the node up: {e:#}");
            let _ = RealNode::down();
            return ExitCode::FAILURE;
        }
    };
    println!("real_node: node up in {:?}", node.up_time);
    let mut failed = Vec::new();
    let mut known = 0;
    for (name, scenario, known_failure) in &selected {
        let t = Instant::now();
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&node, bins)));
        match (result, known_failure) {
            (Ok(Ok(())), None) => println!("test {name} ... ok ({:?})", t.elapsed()),
            (Ok(Ok(())), Some(_)) => println!(
                "test {name} ... ok ({:?}); it was marked as a KNOWN FAILURE: remove the mark",
                t.elapsed()
            ),
            (Ok(Err(e)), Some(why)) => {
                println!(
                    "test {name} ... KNOWN FAILURE ({why}) ({:?})\n{e:#}",
                    t.elapsed()
                );
                known += 1;
            }
            (Ok(Err(e)), None) => {
                println!("test {name} ... FAILED ({:?})\n{e:#}", t.elapsed());
                failed.push(*name);
            }
            (Err(_), _) => {
                println!("test {name} ... FAILED (panicked, {:?})", t.elapsed());
                failed.push(*name);
            }
        }
    }
    if std::env::var(KEEP_ENV).is_ok_and(|v| !v.is_empty() && v != "0") {
        println!(
            "real_node: {KEEP_ENV} set, the cluster stays up (scripts/local-cluster.sh env|down)"
        );
    } else {
        match RealNode::down() {
            Ok(took) => println!("real_node: node down in {took:?}"),
            Err(e) => {
                eprintln!("real_node: tear-down failed: {e:#}");
                failed.push("tear-down");
            }
        }
    }
    let scenario_failures = failed.iter().filter(|f| **f != "tear-down").count();
    println!(
        "real_node: {} passed, {} failed, {known} known failures, {:?} in all",
        selected.len() - scenario_failures - known,
        failed.len(),
        started.elapsed()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("real_node: failed: {failed:?}");
        ExitCode::FAILURE
    }
}

// ---------------------------------------------------------------------------------------------
// The workshop's steps

/// `k8s/01-setup.yaml` (namespace + PVC `model-storage`, no storage class: the default binds it when
/// the first pod is scheduled) and `k8s/helper-pod.yaml` (alpine:latest, pulled with policy Always).
fn setup_namespace(node: &RealNode, ns: &str) -> Result<()> {
    node.apply(&format!(
        r#"apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: model-storage, namespace: {ns}}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: model-helper, namespace: {ns}}}
spec:
  containers:
  - name: helper
    image: alpine:latest
    command: [sleep, "3600"]
    volumeMounts: [{{name: model-storage, mountPath: /data}}]
  volumes:
  - name: model-storage
    persistentVolumeClaim: {{claimName: model-storage}}
"#
    ))?;
    wait_pod_status(node, ns, "model-helper", &["Running"])?;
    Ok(())
}

/// A small model in the workshop's shape, signed with a fresh key by our `model_signing`; returns
/// the public key PEM.
fn signed_model(bins: &WorkspaceBinaries, dir: &Path) -> Result<String> {
    signed_model_with(bins, dir, &[])
}

/// [`signed_model`] with `extra` files (name, bytes) signed along.
fn signed_model_with(
    bins: &WorkspaceBinaries,
    dir: &Path,
    extra: &[(&str, &[u8])],
) -> Result<String> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("config.json"), "{\"hidden_size\": 8}\n")?;
    std::fs::write(dir.join("tokenizer.json"), "{\"version\": \"1.0\"}\n")?;
    std::fs::write(dir.join("model.safetensors"), vec![7u8; 4096])?;
    for (name, bytes) in extra {
        std::fs::write(dir.join(name), bytes)?;
    }
    let key = rcgen::KeyPair::generate()?;
    let private = dir.with_extension("key.pem");
    std::fs::write(&private, key.serialize_pem())?;
    let output = std::process::Command::new(&bins.model_signing)
        .args(["sign", "key", "--private-key"])
        .arg(&private)
        .arg("--signature")
        .arg(dir.join("model.sig"))
        .arg(dir)
        .output()?;
    ensure!(
        output.status.success(),
        "signing failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(key.public_key_pem())
}

/// `kubectl cp DIR NS/model-helper:/data/NAME`, checked with `kubectl exec ... ls`.
fn copy_to_pvc(node: &RealNode, ns: &str, dir: &Path, name: &str) -> Result<()> {
    let target = format!("{ns}/model-helper:/data/{name}");
    node.kubectl(&["cp", dir.to_str().context("utf-8 path")?, &target])?;
    let listing = node.kubectl(&[
        "-n",
        ns,
        "exec",
        "model-helper",
        "--",
        "ls",
        "-la",
        &format!("/data/{name}"),
    ])?;
    ensure!(
        listing.contains("model.sig") || !dir.join("model.sig").exists(),
        "after kubectl cp: {listing}"
    );
    Ok(())
}

/// Where the CR takes the public key from.
#[derive(Clone, Copy)]
enum Key {
    /// `keyPath: /data/keys/pub.pem`, copied onto the PVC beside the model.
    OnThePvc,
    /// `keyRef` to ConfigMap `model-keys` (mounted into the verifier only).
    ConfigMap,
}

/// A fresh namespace with the workshop's PVC, a model signed with a throwaway key copied onto it
/// as `/data/<dir>`, and the public key published where `key` says.
fn signed_model_on_pvc(
    node: &RealNode,
    bins: &WorkspaceBinaries,
    ns: &str,
    dir: &str,
    key: Key,
) -> Result<()> {
    setup_namespace(node, ns)?;
    let local = tempfile::tempdir()?;
    let model = local.path().join(dir);
    let public = signed_model(bins, &model)?;
    copy_to_pvc(node, ns, &model, dir)?;
    publish_key(node, ns, key, &public)
}

/// Puts the public key where `key` says.
fn publish_key(node: &RealNode, ns: &str, key: Key, public_pem: &str) -> Result<()> {
    match key {
        Key::OnThePvc => {
            let local = tempfile::tempdir()?;
            let keys = local.path().join("keys");
            std::fs::create_dir_all(&keys)?;
            std::fs::write(keys.join("pub.pem"), public_pem)?;
            copy_to_pvc(node, ns, &keys, "keys")
        }
        Key::ConfigMap => key_config_map(node, ns, public_pem),
    }
}

fn key_config_map(node: &RealNode, ns: &str, public_pem: &str) -> Result<()> {
    let indented: String = public_pem.lines().map(|l| format!("    {l}\n")).collect();
    node.apply(&format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: model-keys, namespace: {ns}}}\ndata:\n  pub.pem: |\n{indented}"
    ))
}

/// `k8s/03-verify.yaml` with a public key: the CR and the labelled workload in one apply.
fn verify_manifest(ns: &str, cr: &str, pod: &str, model_dir: &str, key: Key) -> String {
    let key = match key {
        Key::OnThePvc => "{keyPath: /data/keys/pub.pem}",
        Key::ConfigMap => "{keyRef: {kind: ConfigMap, name: model-keys, key: pub.pem}}",
    };
    format!(
        r#"apiVersion: ml.sigstore.dev/v1alpha1
kind: ModelValidation
metadata: {{name: {cr}, namespace: {ns}}}
spec:
  model: {{path: /data/{model_dir}, signaturePath: /data/{model_dir}/model.sig}}
  config: {{publicKeyConfig: {key}}}
---
{}"#,
        workload(ns, pod, cr, None)
    )
}

/// The workshop's `ml-workload`: nginx:alpine, container `inference`, the PVC at /data, labelled.
fn workload(ns: &str, pod: &str, cr: &str, command: Option<&str>) -> String {
    let command = command
        .map(|c| format!("\n    command: [sh, -c, {c:?}]"))
        .unwrap_or_default();
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {pod}
  namespace: {ns}
  labels: {{validation.ml.sigstore.dev/ml: "{cr}"}}
spec:
  containers:
  - name: inference
    image: nginx:alpine{command}
    volumeMounts: [{{name: model-storage, mountPath: /data}}]
  volumes:
  - name: model-storage
    persistentVolumeClaim: {{claimName: model-storage}}
"#
    )
}

/// Polls `kubectl get pod`'s STATUS column until it is one of `wanted`; returns it.
fn wait_pod_status(node: &RealNode, ns: &str, pod: &str, wanted: &[&str]) -> Result<String> {
    poll(
        &format!("pod {ns}/{pod} in {wanted:?}"),
        POD_TIMEOUT,
        || {
            let status = node
                .pod_status_column(ns, pod)
                .map_err(|e| format!("{e:#}"))?;
            if wanted.contains(&status.as_str()) {
                Ok(status)
            } else {
                Err(format!("STATUS {status}; {}", describe_pod(node, ns, pod)))
            }
        },
    )
}

fn describe_pod(node: &RealNode, ns: &str, pod: &str) -> String {
    node.kubectl(&["-n", ns, "get", "pod", pod, "-o", "jsonpath={.status}"])
        .unwrap_or_else(|e| format!("{e:#}"))
}

/// Polls the verifier's log (`kubectl logs POD -c model-validation`) until it has every piece of `needles`.
fn wait_verifier_log(node: &RealNode, ns: &str, pod: &str, needles: &[&str]) -> Result<String> {
    poll(
        &format!("log of {ns}/{pod} -c model-validation with {needles:?}"),
        STATUS_TIMEOUT,
        || {
            let log = node
                .kubectl(&["-n", ns, "logs", pod, "-c", "model-validation"])
                .map_err(|e| format!("{e:#}"))?;
            if needles.iter().all(|n| log.contains(n)) {
                Ok(log)
            } else {
                Err(log)
            }
        },
    )
}

/// Polls the CR's `Verified` condition until its status is `status` and its message has `needle`.
fn wait_condition(
    node: &RealNode,
    ns: &str,
    cr: &str,
    status: &str,
    needle: &str,
) -> Result<String> {
    poll(
        &format!("ModelValidation {ns}/{cr} Verified={status} naming {needle:?}"),
        STATUS_TIMEOUT,
        || {
            let got = node
            .kubectl(&[
                "-n",
                ns,
                "get",
                "mv",
                cr,
                "-o",
                r#"jsonpath={.status.conditions[?(@.type=="Verified")].status}|{.status.conditions[?(@.type=="Verified")].message}"#,
            ])
            .map_err(|e| format!("{e:#}"))?;
            let (s, message) = got.split_once('|').unwrap_or((got.as_str(), ""));
            if s == status && message.contains(needle) {
                Ok(message.to_owned())
            } else {
                Err(got)
            }
        },
    )
}

/// The init container failed and `inference` never started (no running or terminated state, no restart).
fn assert_workload_never_started(node: &RealNode, ns: &str, pod: &str) -> Result<()> {
    let state = node.kubectl(&[
        "-n",
        ns,
        "get",
        "pod",
        pod,
        "-o",
        r#"jsonpath={.status.containerStatuses[?(@.name=="inference")].state}|{.status.containerStatuses[?(@.name=="inference")].lastState}|{.status.containerStatuses[?(@.name=="inference")].restartCount}"#,
    ])?;
    ensure!(
        state.contains("PodInitializing")
            && !state.contains("running")
            && !state.contains("terminated")
            && state.ends_with("|0"),
        "inference must never have started: {state}"
    );
    Ok(())
}

fn delete_pod(node: &RealNode, ns: &str, pod: &str) -> Result<()> {
    node.kubectl(&[
        "-n",
        ns,
        "delete",
        "pod",
        pod,
        "--wait=true",
        "--timeout=120s",
        "--ignore-not-found",
    ])?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// Parts 2–4 of the workshop: a signed model on the PVC runs; `echo "BACKDOOR INJECTION" >>
/// config.json` on the PVC and the recreated pod is held by the kubelet in `Init:Error` /
/// `Init:CrashLoopBackOff`; the log and the CR status name config.json.
fn workshop(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "ml-workshop";
    signed_model_on_pvc(node, bins, ns, "bert-base-uncased", Key::ConfigMap)?;
    let verify = verify_manifest(
        ns,
        "workshop-model",
        "ml-workload",
        "bert-base-uncased",
        Key::ConfigMap,
    );
    node.apply(&verify)?;
    let injected = node.kubectl(&[
        "-n",
        ns,
        "get",
        "pod",
        "ml-workload",
        "-o",
        "jsonpath={.spec.initContainers[*].name}",
    ])?;
    ensure!(
        injected == "model-validation",
        "init containers after admission: {injected:?}"
    );
    wait_pod_status(node, ns, "ml-workload", &["Running"])?;
    let log = wait_verifier_log(node, ns, "ml-workload", &["Verification succeeded"])?;
    println!(
        "  kubectl logs ml-workload -c model-validation: {}",
        log.trim()
    );
    wait_condition(node, ns, "workshop-model", "True", "")?;
    let table = poll("kubectl get mv shows Verified 1", STATUS_TIMEOUT, || {
        let table = node
            .kubectl(&["-n", ns, "get", "mv"])
            .map_err(|e| format!("{e:#}"))?;
        let verified = node
            .kubectl(&[
                "-n",
                ns,
                "get",
                "mv",
                "workshop-model",
                "-o",
                "jsonpath={.status.verifiedPods}",
            ])
            .map_err(|e| format!("{e:#}"))?;
        if verified == "1" {
            Ok(table)
        } else {
            Err(table)
        }
    })?;
    println!("  kubectl get mv:\n{table}");

    // Part 4: the attack, on the PVC.
    node.kubectl(&[
        "-n",
        ns,
        "exec",
        "model-helper",
        "--",
        "sh",
        "-c",
        r#"echo "BACKDOOR INJECTION" >> /data/bert-base-uncased/config.json"#,
    ])?;
    delete_pod(node, ns, "ml-workload")?;
    node.apply(&verify)?;
    let first = wait_pod_status(
        node,
        ns,
        "ml-workload",
        &["Init:Error", "Init:CrashLoopBackOff"],
    )?;
    println!("  tampered: STATUS {first}");
    // The kubelet's back-off: Init:Error alternates with Init:CrashLoopBackOff.
    wait_pod_status(node, ns, "ml-workload", &["Init:CrashLoopBackOff"])?;
    assert_workload_never_started(node, ns, "ml-workload")?;
    let log = wait_verifier_log(
        node,
        ns,
        "ml-workload",
        &["Verification failed", "config.json"],
    )?;
    println!(
        "  kubectl logs ml-workload -c model-validation: {}",
        log.trim()
    );
    let message = wait_condition(node, ns, "workshop-model", "False", "config.json")?;
    println!("  CR condition Verified=False: {message}");
    let describe = node.kubectl(&["-n", ns, "describe", "mv", "workshop-model"])?;
    ensure!(
        describe.contains("config.json"),
        "kubectl describe mv: {describe}"
    );
    Ok(())
}

/// `spec.scan: Enforce`: a correctly signed model whose `pytorch_model.bin` is a pickle that runs a
/// command on load never reaches the workload: the verifier in the pod fails on the scan, the
/// kubelet holds the pod in `Init:Error`, and the CR's status says why.
fn scan_enforced(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "scan-enforced";
    setup_namespace(node, ns)?;
    let local = tempfile::tempdir()?;
    let model = local.path().join("model");
    // pickle protocol 2: posix.system("id") on load.
    let payload: &[u8] = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";
    let public = signed_model_with(bins, &model, &[("pytorch_model.bin", payload)])?;
    copy_to_pvc(node, ns, &model, "model")?;
    publish_key(node, ns, Key::ConfigMap, &public)?;
    let manifest = verify_manifest(ns, "scanned", "scanned-workload", "model", Key::ConfigMap)
        .replacen(
            "  config: {publicKeyConfig:",
            "  scan: Enforce\n  config: {publicKeyConfig:",
            1,
        );
    ensure!(manifest.contains("scan: Enforce"), "{manifest}");
    node.apply(&manifest)?;
    wait_pod_status(
        node,
        ns,
        "scanned-workload",
        &["Init:Error", "Init:CrashLoopBackOff"],
    )?;
    assert_workload_never_started(node, ns, "scanned-workload")?;
    let log = wait_verifier_log(
        node,
        ns,
        "scanned-workload",
        &["pytorch_model.bin", "failed the scan"],
    )?;
    println!(
        "  kubectl logs scanned-workload -c model-validation: {}",
        log.trim()
    );
    let message = wait_condition(node, ns, "scanned", "False", "scan")?;
    println!("  CR condition Verified=False: {message}");
    Ok(())
}

/// A model without `model.sig` (the workshop's unsigned demo): the pod never starts, the log says
/// what is missing.
fn unsigned_model(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "unsigned";
    setup_namespace(node, ns)?;
    let local = tempfile::tempdir()?;
    let model = local.path().join("model");
    let public = signed_model(bins, &model)?;
    std::fs::remove_file(model.join("model.sig"))?;
    copy_to_pvc(node, ns, &model, "model")?;
    publish_key(node, ns, Key::ConfigMap, &public)?;
    node.apply(&verify_manifest(
        ns,
        "unsigned-demo",
        "unsigned-workload",
        "model",
        Key::ConfigMap,
    ))?;
    wait_pod_status(
        node,
        ns,
        "unsigned-workload",
        &["Init:Error", "Init:CrashLoopBackOff"],
    )?;
    assert_workload_never_started(node, ns, "unsigned-workload")?;
    let log = wait_verifier_log(node, ns, "unsigned-workload", &["model.sig"])?;
    println!(
        "  kubectl logs unsigned-workload -c model-validation: {}",
        log.trim()
    );
    wait_condition(node, ns, "unsigned-demo", "False", "")?;
    Ok(())
}

/// The reference's public-good Sigstore bundle (tests/data/sigstore-v1.1.0) verifies in the pod with
/// no network: the verifier's trust root is embedded.
fn sigstore_model(node: &RealNode, _bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "sigstore";
    setup_namespace(node, ns)?;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore-v1.1.0");
    copy_to_pvc(node, ns, &fixture, "model")?;
    node.apply(&format!(
        r#"apiVersion: ml.sigstore.dev/v1alpha1
kind: ModelValidation
metadata: {{name: sigstore-model, namespace: {ns}}}
spec:
  model: {{path: /data/model, signaturePath: /data/model/model.sig}}
  config: {{sigstoreConfig: {{certificateIdentity: "{SIGSTORE_IDENTITY}", certificateOidcIssuer: "{SIGSTORE_ISSUER}"}}}}
---
{}"#,
        workload(ns, "sigstore-workload", "sigstore-model", None)
    ))?;
    wait_pod_status(node, ns, "sigstore-workload", &["Running"])?;
    wait_verifier_log(node, ns, "sigstore-workload", &["Verification succeeded"])?;
    wait_condition(node, ns, "sigstore-model", "True", "")?;
    Ok(())
}

/// The workload's mount of the model volume is made read-only by the webhook: a container that
/// appends to config.json gets EROFS, and the file on the PVC is unchanged.
fn workload_cannot_write_the_model(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "erofs";
    signed_model_on_pvc(node, bins, ns, "model", Key::ConfigMap)?;
    let manifest = verify_manifest(ns, "writable", "writer", "model", Key::ConfigMap).replace(
        &workload(ns, "writer", "writable", None),
        &workload(
            ns,
            "writer",
            "writable",
            Some("echo tampered >> /data/model/config.json; echo write-exit=$?; exec sleep 3600"),
        ),
    );
    node.apply(&manifest)?;
    wait_pod_status(node, ns, "writer", &["Running"])?;
    let log = poll("the writer's log", STATUS_TIMEOUT, || {
        let log = node
            .kubectl(&["-n", ns, "logs", "writer", "-c", "inference"])
            .map_err(|e| format!("{e:#}"))?;
        if log.contains("write-exit=") {
            Ok(log)
        } else {
            Err(log)
        }
    })?;
    ensure!(
        log.contains("Read-only file system") && !log.contains("write-exit=0"),
        "the workload's write must fail with EROFS: {log}"
    );
    let config = node.kubectl(&[
        "-n",
        ns,
        "exec",
        "model-helper",
        "--",
        "cat",
        "/data/model/config.json",
    ])?;
    ensure!(
        !config.contains("tampered"),
        "config.json on the PVC changed: {config}"
    );
    Ok(())
}

/// A public key file (`keyPath`) on the model's own PVC: whoever writes the model would write
/// the trust root too, so the webhook refuses the pod (the workshop's scenarios use `keyRef`).
fn key_on_the_model_pvc(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "key-on-pvc";
    signed_model_on_pvc(node, bins, ns, "model", Key::OnThePvc)?;
    let denied = node.apply(&verify_manifest(
        ns,
        "key-on-pvc",
        "key-on-pvc-workload",
        "model",
        Key::OnThePvc,
    ));
    let message = match denied {
        Ok(()) => bail!("a pod whose trust anchor lies on the model's PVC was admitted"),
        Err(e) => format!("{e:#}"),
    };
    ensure!(
        message.contains("denied the request"),
        "expected the webhook's denial, found: {message}"
    );
    Ok(())
}

/// `keyRef` (the public key in a ConfigMap, mounted into the verifier only): the signed model runs.
/// (It once failed on a real API server only: the defaulted `defaultMode` of the injected
/// ConfigMap volume made the reinvoked webhook deny its own volume.)
fn key_ref_model(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "key-ref";
    signed_model_on_pvc(node, bins, ns, "model", Key::ConfigMap)?;
    node.apply(&verify_manifest(
        ns,
        "key-ref",
        "key-ref-workload",
        "model",
        Key::ConfigMap,
    ))?;
    wait_pod_status(node, ns, "key-ref-workload", &["Running"])?;
    wait_verifier_log(node, ns, "key-ref-workload", &["Verification succeeded"])?;
    Ok(())
}

/// With no operator replica, the webhook (failurePolicy Fail) refuses labelled pods; unlabelled
/// pods are admitted and run. Scaled back, labelled pods are admitted again.
fn operator_stopped(node: &RealNode, _bins: &WorkspaceBinaries) -> Result<()> {
    let ns = "operator-down";
    node.apply(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n"
    ))?;
    node.kubectl(&[
        "-n",
        OPERATOR_NS,
        "scale",
        OPERATOR_DEPLOYMENT,
        "--replicas=0",
    ])?;
    let result = (|| -> Result<()> {
        poll("no operator pod left", POD_TIMEOUT, || {
            let pods = node
                .kubectl(&["-n", OPERATOR_NS, "get", "pods", "-o", "name"])
                .map_err(|e| format!("{e:#}"))?;
            if pods.trim().is_empty() {
                Ok(())
            } else {
                Err(pods)
            }
        })?;
        let labelled = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: labelled, namespace: {ns}, labels: {{validation.ml.sigstore.dev/ml: some-model}}}}\nspec: {{containers: [{{name: c, image: busybox:latest, command: [sleep, '3600']}}]}}\n"
        );
        let refused = node.kubectl_output(&["apply", "-f", "-"], Some(&labelled))?;
        let stderr = String::from_utf8_lossy(&refused.stderr);
        ensure!(
            !refused.status.success() && stderr.contains("pods.validation.ml.sigstore.dev"),
            "a labelled pod must be refused while the operator is down: {} {stderr}",
            refused.status
        );
        println!("  labelled pod refused: {}", stderr.trim());
        node.apply(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: unlabelled, namespace: {ns}}}\nspec: {{containers: [{{name: c, image: busybox:latest, command: [sleep, '3600']}}]}}\n"
        ))?;
        wait_pod_status(node, ns, "unlabelled", &["Running"])?;
        Ok(())
    })();
    node.kubectl(&[
        "-n",
        OPERATOR_NS,
        "scale",
        OPERATOR_DEPLOYMENT,
        "--replicas=2",
    ])?;
    node.kubectl(&[
        "-n",
        OPERATOR_NS,
        "rollout",
        "status",
        OPERATOR_DEPLOYMENT,
        "--timeout=180s",
    ])?;
    result?;
    // Back up: the webhook answers again (a labelled pod naming a missing CR is denied by it).
    poll("the webhook answers again", POD_TIMEOUT, || {
        let out = node
            .kubectl_output(
                &[
                    "-n",
                    ns,
                    "run",
                    "probe",
                    "--image=busybox:latest",
                    "--dry-run=server",
                    "--labels=validation.ml.sigstore.dev/ml=no-such-cr",
                    "--",
                    "true",
                ],
                None,
            )
            .map_err(|e| format!("{e:#}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if stderr.contains("no-such-cr") {
            Ok(())
        } else {
            Err(stderr)
        }
    })?;
    if node
        .kubectl(&[
            "-n",
            ns,
            "get",
            "pod",
            "labelled",
            "--ignore-not-found",
            "-o",
            "name",
        ])?
        .trim()
        .is_empty()
    {
        Ok(())
    } else {
        bail!("the refused pod exists")
    }
}

/// The kustomize install is removed (CRDs and the CRs of the earlier scenarios with it), the chart is
/// installed with `helm install --create-namespace` in self-signed mode, and a signed model on a
/// PVC verifies in the pod under it.
fn helm_installed(node: &RealNode, bins: &WorkspaceBinaries) -> Result<()> {
    let repo = operator_e2e::workspace::repo_root();
    let overlay = repo.join("config/overlays/self-signed");
    node.kubectl(&[
        "delete",
        "-k",
        overlay.to_str().context("utf-8 path")?,
        "--wait=true",
        "--timeout=180s",
    ])?;
    let chart = repo.join("charts/model-validation-operator");
    // Helm's cache, config and data stay in the cluster's folder, which `down` removes.
    let helm_home = node.kubeconfig.with_file_name("helm");
    let output = std::process::Command::new(node.bin_dir.join("helm"))
        .env("KUBECONFIG", &node.kubeconfig)
        .env("HELM_CACHE_HOME", helm_home.join("cache"))
        .env("HELM_CONFIG_HOME", helm_home.join("config"))
        .env("HELM_DATA_HOME", helm_home.join("data"))
        // Helm's Kubernetes client keeps its discovery cache there too (cli-runtime's default).
        .env("KUBECACHEDIR", helm_home.join("kube-cache"))
        .args(["install", "model-validation"])
        .arg(&chart)
        .args([
            "--namespace",
            OPERATOR_NS,
            "--create-namespace",
            "--set",
            "tls.mode=selfSigned",
            "--wait",
            "--timeout",
            "180s",
        ])
        .output()?;
    ensure!(
        output.status.success(),
        "helm install: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!(
        "  helm install: {}",
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find(|l| l.starts_with("STATUS"))
            .unwrap_or("")
    );
    node.kubectl(&[
        "label",
        "namespace",
        OPERATOR_NS,
        "validation.ml.sigstore.dev/ignore=true",
    ])?;
    let ns = "helm-installed";
    signed_model_on_pvc(node, bins, ns, "model", Key::ConfigMap)?;
    let verify = verify_manifest(ns, "helm-model", "helm-workload", "model", Key::ConfigMap);
    // The self-signed certificate and the caBundle may still be on their way: the webhook then
    // refuses (failurePolicy Fail), and the same apply is tried again.
    poll("the chart's webhook admits the pod", POD_TIMEOUT, || {
        node.apply(&verify).map_err(|e| format!("{e:#}"))
    })?;
    wait_pod_status(node, ns, "helm-workload", &["Running"])?;
    let log = wait_verifier_log(node, ns, "helm-workload", &["Verification succeeded"])?;
    println!(
        "  kubectl logs helm-workload -c model-validation: {}",
        log.trim()
    );
    Ok(())
}
