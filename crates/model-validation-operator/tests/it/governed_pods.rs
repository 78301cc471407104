//! Policies that select the pods (issue 20): selection by claim, pod selector and namespace
//! selector; how several policies governing one pod combine; the Enforce / Warn / Audit modes;
//! the label path unchanged. Table tests of `govern::decide_governed`, then a property over
//! generated pods and policy sets: in Enforce, no pod that declares governed storage in a
//! governed namespace is admitted without the verifier.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use model_validation_operator::crd::{ClusterModelValidation, ModelValidation};
use model_validation_operator::govern::{decide_governed, Admission};
use model_validation_operator::mutate::{decide, Decision};
use model_validation_operator::scope::Policy;
use model_validation_operator::settings::Settings;
use model_validation_operator::GOVERNED_LABEL;
use serde_json::{json, Value};

/// The workshop pod without the label.
fn unlabelled_pod() -> Value {
    let mut p = workshop_pod();
    p["metadata"].as_object_mut().unwrap().remove("labels");
    p
}

/// A namespaced policy in NS governing `claims` in `mode`, with the workshop's spec.
fn selecting_mv(name: &str, claims: &[&str], mode: &str) -> ModelValidation {
    let mut v = workshop_mv();
    v["metadata"]["name"] = json!(name);
    v["spec"]["governs"] = json!({"claimNames": claims});
    v["spec"]["mode"] = json!(mode);
    mv(v)
}

fn cluster_policy(
    name: &str,
    claims: &[&str],
    mode: &str,
    ns_selector: Value,
) -> ClusterModelValidation {
    let mut spec = workshop_mv()["spec"].clone();
    spec["governs"] = json!({"claimNames": claims});
    spec["mode"] = json!(mode);
    if !ns_selector.is_null() {
        spec["namespaceSelector"] = ns_selector;
    }
    serde_json::from_value(json!({
        "apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ClusterModelValidation",
        "metadata": {"name": name}, "spec": spec
    }))
    .unwrap()
}

fn ns_labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(
    pod_v: &Value,
    labelled: Option<&ModelValidation>,
    policies: &[Policy<'_>],
    labels: &BTreeMap<String, String>,
) -> Admission {
    decide_governed(
        &pod(pod_v.clone()),
        labelled,
        policies,
        labels,
        &Settings::default(),
    )
}

fn apply(pod_v: &Value, admission: &Admission) -> Value {
    let Decision::Patch(patch) = &admission.decision else {
        panic!("expected a patch, got {admission:?}")
    };
    let mut out = pod_v.clone();
    json_patch::patch(&mut out, patch).unwrap();
    out
}

fn has_verifier(p: &Value) -> bool {
    p["spec"]["initContainers"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["name"] == "model-validation"))
}

#[test]
fn an_unlabelled_pod_declaring_a_governed_claim_gets_the_verifier() {
    let policy = selecting_mv("governing", &["model-storage"], "Enforce");
    let p = unlabelled_pod();
    let admission = run(&p, None, &[Policy::namespaced(&policy)], &BTreeMap::new());
    let out = apply(&p, &admission);
    assert!(has_verifier(&out), "{out}");
    assert_eq!(out["metadata"]["labels"][GOVERNED_LABEL], "true");
    assert!(!args(&out).contains(&"--report-only".to_owned()));
    assert!(admission.warnings.is_empty(), "{:?}", admission.warnings);
    // Reinvocation: the patched pod is admitted unchanged.
    let again = run(&out, None, &[Policy::namespaced(&policy)], &BTreeMap::new());
    assert!(matches!(again.decision, Decision::Allow(_)), "{again:?}");
}

#[test]
fn selection_by_claim_pod_selector_namespace_and_namespace_selector() {
    let other_claim = selecting_mv("other", &["datasets"], "Enforce");
    let mut with_selector = selecting_mv("selected", &["model-storage"], "Enforce");
    with_selector.spec.governs.as_mut().unwrap().pod_selector =
        serde_json::from_value(json!({"matchLabels": {"app": "inference"}})).unwrap();
    let mut elsewhere = selecting_mv("elsewhere", &["model-storage"], "Enforce");
    elsewhere.metadata.namespace = Some("other-team".into());
    let cluster_ml = cluster_policy(
        "ml-namespaces",
        &["model-storage"],
        "Enforce",
        json!({"matchExpressions": [{"key": "team", "operator": "In", "values": ["ml"]}]}),
    );
    let p = unlabelled_pod();
    let with_app = set(p.clone(), "/metadata/labels", json!({"app": "inference"}));
    let governed = |a: &Admission| matches!(a.decision, Decision::Patch(_));
    let none = BTreeMap::new();
    let ml = ns_labels(&[("team", "ml")]);
    type Case<'a> = (
        &'a str,
        &'a Value,
        Policy<'a>,
        &'a BTreeMap<String, String>,
        bool,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "other claim",
            &p,
            Policy::namespaced(&other_claim),
            &none,
            false,
        ),
        (
            "pod selector unmatched",
            &p,
            Policy::namespaced(&with_selector),
            &none,
            false,
        ),
        (
            "pod selector matched",
            &with_app,
            Policy::namespaced(&with_selector),
            &none,
            true,
        ),
        (
            "policy of another namespace",
            &p,
            Policy::namespaced(&elsewhere),
            &none,
            false,
        ),
        (
            "namespace not selected",
            &p,
            Policy::cluster(&cluster_ml),
            &none,
            false,
        ),
        (
            "namespace selected",
            &p,
            Policy::cluster(&cluster_ml),
            &ml,
            true,
        ),
    ];
    for (what, pod_v, policy, labels, want) in cases {
        let admission = run(pod_v, None, &[policy], labels);
        assert_eq!(governed(&admission), want, "{what}: {admission:?}");
    }
}

#[test]
fn the_label_path_is_unchanged() {
    let label_mv = mv(workshop_mv());
    let p = workshop_pod();
    let keyed = set(
        workshop_mv(),
        "/spec/config",
        json!({"publicKeyConfig": {"keyPath": "/data/key.pub"}}),
    );
    let cases: Vec<(Value, Option<ModelValidation>)> = vec![
        (p.clone(), Some(label_mv.clone())),
        (p.clone(), None),
        (
            set(
                p.clone(),
                "/metadata/labels",
                json!({"validation.ml.sigstore.dev/ml": ""}),
            ),
            None,
        ),
        (p.clone(), Some(mv(keyed))),
        (keys_pod(), Some(label_mv.clone())),
    ];
    for (pod_v, m) in cases {
        let old = decide(&pod(pod_v.clone()), m.as_ref(), &Settings::default());
        let new = run(&pod_v, m.as_ref(), &[], &BTreeMap::new());
        assert_eq!(new.decision, old, "{pod_v}");
        assert!(new.warnings.is_empty());
    }
}

#[test]
fn a_label_naming_a_weaker_policy_cannot_weaken_a_cluster_policy() {
    let weak = set(workshop_mv(), "/spec/mode", json!("Warn"));
    let weak = mv(weak);
    let cluster = cluster_policy("platform", &["model-storage"], "Enforce", Value::Null);
    let p = workshop_pod();
    let admission = run(
        &p,
        Some(&weak),
        &[Policy::cluster(&cluster)],
        &BTreeMap::new(),
    );
    let out = apply(&p, &admission);
    assert!(has_verifier(&out));
    assert!(
        !args(&out).contains(&"--report-only".to_owned()),
        "the Enforce verifier is injected: {:?}",
        args(&out)
    );
    assert!(
        admission
            .warnings
            .iter()
            .any(|w| w.contains("ModelValidation ml-workshop/workshop-model (Warn) also governs")),
        "{:?}",
        admission.warnings
    );
    // An Audit label policy: the same.
    let audit = mv(set(workshop_mv(), "/spec/mode", json!("Audit")));
    let out = apply(
        &p,
        &run(
            &p,
            Some(&audit),
            &[Policy::cluster(&cluster)],
            &BTreeMap::new(),
        ),
    );
    assert!(has_verifier(&out));
}

#[test]
fn two_enforced_policies_must_agree() {
    let cluster = cluster_policy("platform", &["model-storage"], "Enforce", Value::Null);
    let same = selecting_mv("team", &["model-storage"], "Enforce");
    let mut other = selecting_mv("team-other-signer", &["model-storage"], "Enforce");
    other
        .spec
        .config
        .sigstore_config
        .as_mut()
        .unwrap()
        .certificate_identity = Some("someone-else@example.com".into());
    let p = unlabelled_pod();
    let agree = run(
        &p,
        None,
        &[Policy::cluster(&cluster), Policy::namespaced(&same)],
        &BTreeMap::new(),
    );
    assert!(has_verifier(&apply(&p, &agree)));
    let disagree = run(
        &p,
        None,
        &[Policy::namespaced(&other), Policy::cluster(&cluster)],
        &BTreeMap::new(),
    );
    let Decision::Deny(message) = disagree.decision else {
        panic!("{disagree:?}")
    };
    assert!(
        message.contains("ClusterModelValidation platform")
            && message.contains("ModelValidation ml-workshop/team-other-signer")
            && message.contains("different verifications"),
        "{message}"
    );
}

#[test]
fn warn_admits_with_a_warning_and_a_verifier_that_reports_only() {
    let warn = selecting_mv("warned", &["model-storage"], "Warn");
    let mut scanning = warn.clone();
    scanning.spec.scan = Some(model_validation_operator::crd::ScanMode::Enforce);
    let p = unlabelled_pod();
    let admission = run(&p, None, &[Policy::namespaced(&scanning)], &BTreeMap::new());
    let out = apply(&p, &admission);
    let a = args(&out);
    assert!(a.contains(&"--report-only".to_owned()), "{a:?}");
    assert!(
        a.contains(&"--scan-warn-only".to_owned()),
        "scan Enforce acts as Warn: {a:?}"
    );
    assert_eq!(admission.warnings.len(), 1, "{:?}", admission.warnings);
    assert!(
        admission.warnings[0].contains("Warn mode"),
        "{:?}",
        admission.warnings
    );

    // A pod Enforce would refuse (another container sees another volume at the model path)
    // is admitted, unverified, with the reason as a warning.
    let mut sidecar = p.clone();
    sidecar["spec"]["containers"].as_array_mut().unwrap().push(json!(
        {"name": "decoy", "image": "busybox", "volumeMounts": [{"name": "scratch", "mountPath": "/data"}]}
    ));
    sidecar["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "scratch", "emptyDir": {}}));
    let enforce = selecting_mv("enforced", &["model-storage"], "Enforce");
    let refused = run(
        &sidecar,
        None,
        &[Policy::namespaced(&enforce)],
        &BTreeMap::new(),
    );
    let Decision::Deny(reason) = refused.decision else {
        panic!("{refused:?}")
    };
    let warned = run(
        &sidecar,
        None,
        &[Policy::namespaced(&warn)],
        &BTreeMap::new(),
    );
    assert!(!has_verifier(&apply(&sidecar, &warned)));
    assert!(
        warned
            .warnings
            .iter()
            .any(|w| w.contains("would refuse this pod")
                && w.contains(reason.rsplit(": ").next().unwrap())),
        "{:?} / {reason}",
        warned.warnings
    );
}

#[test]
fn audit_injects_nothing_and_marks_the_pod_for_the_controller() {
    let audit = selecting_mv("audited", &["model-storage"], "Audit");
    let p = unlabelled_pod();
    let admission = run(&p, None, &[Policy::namespaced(&audit)], &BTreeMap::new());
    let out = apply(&p, &admission);
    assert!(!has_verifier(&out));
    assert_eq!(out["spec"], p["spec"], "Audit changes nothing in the spec");
    assert_eq!(out["metadata"]["labels"][GOVERNED_LABEL], "true");
    assert!(admission.warnings.is_empty());
}

#[test]
fn a_cluster_policy_takes_no_trust_material_from_the_pods_namespace() {
    let mut cluster = cluster_policy("platform", &["model-storage"], "Enforce", Value::Null);
    cluster.spec.policy.config = serde_json::from_value(json!({
        "publicKeyConfig": {"keyRef": {"kind": "ConfigMap", "name": "k", "key": "k.pub"}}
    }))
    .unwrap();
    let admission = run(
        &unlabelled_pod(),
        None,
        &[Policy::cluster(&cluster)],
        &BTreeMap::new(),
    );
    let Decision::Deny(message) = admission.decision else {
        panic!("{admission:?}")
    };
    assert!(message.contains("may only use sigstoreConfig"), "{message}");
}

// ---- the property ----

const CLAIMS: &[&str] = &["model-storage", "datasets", "cache"];
const NAMESPACES: &[&str] = &["ml-workshop", "team-b"];
const MODES: &[&str] = &["Enforce", "Warn", "Audit"];

struct GenPolicy {
    cluster: bool,
    namespace: &'static str,
    claims: Vec<&'static str>,
    mode: &'static str,
    /// matchLabels {team: ml} on the namespace (cluster) or {app: a} on the pod.
    ns_selector: bool,
    pod_selector: bool,
    /// Another signer: two Enforce policies may disagree.
    identity: &'static str,
}

fn gen_policy(rng: &mut Rng) -> GenPolicy {
    let claims = CLAIMS
        .iter()
        .copied()
        .filter(|_| rng.chance(50))
        .collect::<Vec<_>>();
    GenPolicy {
        cluster: rng.chance(40),
        namespace: NAMESPACES[rng.below(NAMESPACES.len())],
        claims: if claims.is_empty() {
            vec!["model-storage"]
        } else {
            claims
        },
        mode: MODES[rng.below(MODES.len())],
        ns_selector: rng.chance(40),
        pod_selector: rng.chance(30),
        identity: ["user@example.com", "other@example.com"][rng.below(2)],
    }
}

fn spec_json(g: &GenPolicy) -> Value {
    let mut spec = workshop_mv()["spec"].clone();
    spec["config"]["sigstoreConfig"]["certificateIdentity"] = json!(g.identity);
    spec["governs"] = json!({"claimNames": g.claims});
    if g.pod_selector {
        spec["governs"]["podSelector"] = json!({"matchLabels": {"app": "a"}});
    }
    spec["mode"] = json!(g.mode);
    spec
}

fn gen_pod(rng: &mut Rng, i: u64) -> Value {
    let ns = *rng.pick(NAMESPACES);
    let claim = *rng.pick(CLAIMS);
    let mut labels = serde_json::Map::new();
    if rng.chance(50) {
        labels.insert("app".into(), json!("a"));
    }
    let mut p = workshop_pod();
    p["metadata"] = json!({"name": format!("p{i}"), "namespace": ns, "labels": labels});
    p["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] = json!(claim);
    if rng.chance(30) {
        // A second claim, mounted elsewhere.
        let second = *rng.pick(CLAIMS);
        p["spec"]["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "second", "persistentVolumeClaim": {"claimName": second}}));
        p["spec"]["containers"][0]["volumeMounts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "second", "mountPath": "/second"}));
    }
    p
}

/// The oracle: does `g` select the pod? Written from the CRD's documentation, not from
/// `scope::Policy::selects`.
fn oracle_selects(g: &GenPolicy, p: &Value, team_ml: bool) -> bool {
    let ns = p["metadata"]["namespace"].as_str().unwrap();
    let in_scope = if g.cluster {
        !g.ns_selector || team_ml
    } else {
        g.namespace == ns
    };
    let pod_ok = !g.pod_selector || p["metadata"]["labels"]["app"] == "a";
    let declares = p["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .any(|c| g.claims.contains(&c));
    in_scope && pod_ok && declares
}

#[test]
fn in_enforce_no_pod_declaring_governed_storage_is_admitted_without_the_verifier() {
    let mut governed_enforce = 0;
    for seed in 0..3_000u64 {
        let mut rng = Rng(seed);
        let count = 1 + rng.below(3);
        let gens: Vec<GenPolicy> = (0..count).map(|_| gen_policy(&mut rng)).collect();
        let namespaced: Vec<ModelValidation> = gens
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.cluster)
            .map(|(i, g)| {
                mv(
                    json!({"apiVersion": "ml.sigstore.dev/v1alpha1", "kind": "ModelValidation",
                    "metadata": {"name": format!("mv{i}"), "namespace": g.namespace},
                    "spec": spec_json(g)}),
                )
            })
            .collect();
        let cluster: Vec<ClusterModelValidation> = gens
            .iter()
            .enumerate()
            .filter(|(_, g)| g.cluster)
            .map(|(i, g)| {
                let mut spec = spec_json(g);
                if g.ns_selector {
                    spec["namespaceSelector"] = json!({"matchLabels": {"team": "ml"}});
                }
                serde_json::from_value(json!({"apiVersion": "ml.sigstore.dev/v1alpha1",
                    "kind": "ClusterModelValidation", "metadata": {"name": format!("cmv{i}")},
                    "spec": spec}))
                .unwrap()
            })
            .collect();
        let policies: Vec<Policy<'_>> = namespaced
            .iter()
            .map(Policy::namespaced)
            .chain(cluster.iter().map(Policy::cluster))
            .collect();
        let p = gen_pod(&mut rng, seed);
        let team_ml = rng.chance(50);
        let labels = if team_ml {
            ns_labels(&[("team", "ml")])
        } else {
            BTreeMap::new()
        };
        let enforced = gens
            .iter()
            .any(|g| g.mode == "Enforce" && oracle_selects(g, &p, team_ml));
        let admission = run(&p, None, &policies, &labels);
        let ctx = || {
            format!(
                "seed {seed}: pod {p}\npolicies {:?}\n{admission:?}",
                gens.iter()
                    .map(|g| (
                        g.cluster,
                        g.namespace,
                        &g.claims,
                        g.mode,
                        g.ns_selector,
                        g.pod_selector,
                        g.identity
                    ))
                    .collect::<Vec<_>>()
            )
        };
        if !enforced {
            // Nothing enforced: never refused (Warn and Audit admit, ungoverned pods pass).
            assert!(
                !matches!(admission.decision, Decision::Deny(_)),
                "{}",
                ctx()
            );
            continue;
        }
        governed_enforce += 1;
        match &admission.decision {
            Decision::Deny(_) => {}
            Decision::Patch(_) => {
                let out = apply(&p, &admission);
                assert!(has_verifier(&out), "{}", ctx());
                assert!(
                    !args(&out).contains(&"--report-only".to_owned()),
                    "{}",
                    ctx()
                );
                let again = run(&out, None, &policies, &labels);
                assert!(
                    matches!(again.decision, Decision::Allow(_)),
                    "reinvocation: {again:?}\n{}",
                    ctx()
                );
            }
            Decision::Allow(reason) => {
                panic!("admitted without the verifier ({reason}): {}", ctx())
            }
        }
    }
    assert!(
        governed_enforce > 500,
        "only {governed_enforce} governed cases"
    );
}

#[test]
fn audit_reports_which_pods_in_scope_enforce_would_refuse_and_why() {
    use model_validation_operator::audit;
    use model_validation_operator::status::build_status;
    let policy = selecting_mv("audited", &["model-storage"], "Audit");
    let fine = set(unlabelled_pod(), "/metadata/name", json!("fine"));
    let mut decoy = set(unlabelled_pod(), "/metadata/name", json!("decoy"));
    decoy["spec"]["containers"].as_array_mut().unwrap().push(json!(
        {"name": "decoy", "image": "busybox", "volumeMounts": [{"name": "scratch", "mountPath": "/data"}]}
    ));
    decoy["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "scratch", "emptyDir": {}}));
    let mut elsewhere = set(unlabelled_pod(), "/metadata/name", json!("other-claim"));
    elsewhere["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] = json!("datasets");
    let pods = vec![pod(fine), pod(decoy), pod(elsewhere)];
    let verdicts = audit::verdicts(
        &Policy::namespaced(&policy),
        &pods,
        &BTreeMap::new(),
        &Settings::default(),
    );
    let by_pod: BTreeMap<&str, (&str, &str)> = verdicts
        .iter()
        .map(|v| (v.pod.as_str(), (v.result.as_str(), v.reason.as_str())))
        .collect();
    assert_eq!(
        by_pod.len(),
        2,
        "the pod of another claim is out of scope: {by_pod:?}"
    );
    assert_eq!(by_pod["fine"].0, "Unverified");
    assert_eq!(by_pod["decoy"].0, "WouldRefuse");
    assert!(
        by_pod["decoy"].1.contains("\"decoy\""),
        "{:?}",
        by_pod["decoy"]
    );
    let status = build_status(&policy, &verdicts, "2026-12-08T00:00:00Z");
    assert_eq!((status.would_refuse_pods, status.unverified_pods), (1, 1));
    assert_eq!(status.conditions[0].reason, "WouldRefuse");
    assert!(
        status.conditions[0].message.contains("decoy"),
        "{:?}",
        status.conditions[0]
    );
}
