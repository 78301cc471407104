//! The webhook's promise as a property over generated pods (a seeded generator, so every run
//! checks the same cases and a failure names its seed). For every pod `decide` admits:
//! - deciding again admits it unchanged (reinvocation converges);
//! - every container that can reach the model path (or the signature) sees there exactly what
//!   the verifier sees: the same storage at the path and the same mounts below it, computed by
//!   an oracle that knows which volumes are the same storage;
//! - every mount of the model's storage in a container that runs after the verifier is
//!   read-only, and no native sidecar that can reach that storage starts before it;
//! - the verifier runs as non-root and no pod volume covers its binary or termination log.

use crate::common;

use common::*;
use model_validation_operator::mutate::Decision;
use serde_json::{json, Value};

/// The volumes a generated pod may declare: name, source, and the oracle's storage identity
/// (storage, root directory in it). `alias` is the model's claim again; `host-up` holds
/// `host-models`; the two emptyDirs are distinct.
const VOLUMES: &[(&str, &str, &str, &str)] = &[
    (
        "model-storage",
        r#"{"persistentVolumeClaim": {"claimName": "model-storage"}}"#,
        "pvc:model-storage",
        "",
    ),
    (
        "alias",
        r#"{"persistentVolumeClaim": {"claimName": "model-storage", "readOnly": true}}"#,
        "pvc:model-storage",
        "",
    ),
    (
        "other",
        r#"{"persistentVolumeClaim": {"claimName": "other"}}"#,
        "pvc:other",
        "",
    ),
    (
        "host-models",
        r#"{"hostPath": {"path": "/srv/models"}}"#,
        "host",
        "srv/models",
    ),
    (
        "host-up",
        r#"{"hostPath": {"path": "//srv/"}}"#,
        "host",
        "srv",
    ),
    ("cfg", r#"{"configMap": {"name": "cfg"}}"#, "cm:cfg", ""),
    ("scratch", r#"{"emptyDir": {}}"#, "empty:scratch", ""),
    ("decoy", r#"{"emptyDir": {}}"#, "empty:decoy", ""),
];

const MOUNT_PATHS: &[&str] = &[
    "/data",
    "/data",
    "/data/",
    "/data/bert",
    "/data/./bert",
    "//data/bert/",
    "/data/bert/config.json",
    "/data/bert/sub",
    "/data/x/../bert/sub",
    "/keys",
    "/srv",
    "/rw",
    "/usr/local",
    "/dev",
    "/data/bert/model.sig",
];

const SUB_PATHS: &[Option<&str>] = &[None, None, None, Some("bert"), Some("models"), Some("x")];

const MODEL: &str = "/data/bert";
const SIGNATURE: &str = "/data/bert/model.sig";

fn gen_mounts(rng: &mut Rng) -> Value {
    let mut mounts = Vec::new();
    let mut used = Vec::new();
    for _ in 0..rng.below(4) {
        let path = *rng.pick(MOUNT_PATHS);
        // The API server refuses two mounts at one literal path.
        if used.contains(&path) {
            continue;
        }
        used.push(path);
        let mut m = json!({"name": rng.pick(VOLUMES).0, "mountPath": path});
        if let Some(sub) = rng.pick(SUB_PATHS) {
            m["subPath"] = json!(sub);
        }
        if rng.chance(3) {
            m["subPathExpr"] = json!("$(POD_NAME)");
            m.as_object_mut().unwrap().remove("subPath");
        }
        if rng.chance(20) {
            m["readOnly"] = json!(true);
        }
        mounts.push(m);
    }
    Value::Array(mounts)
}

fn gen_case(seed: u64) -> (Value, Value) {
    let mut rng = Rng(seed);
    let mut inits = Vec::new();
    for i in 0..rng.below(4) {
        let mut c = json!({"name": format!("init{i}"), "image": "alpine", "volumeMounts": gen_mounts(&mut rng)});
        if rng.chance(35) {
            c["restartPolicy"] = json!("Always");
        }
        inits.push(c);
    }
    let containers: Vec<Value> = (0..1 + rng.below(3))
        .map(|i| json!({"name": format!("app{i}"), "image": "nginx", "volumeMounts": gen_mounts(&mut rng)}))
        .collect();
    let volumes: Vec<Value> = VOLUMES
        .iter()
        .map(|(name, source, _, _)| {
            let mut v: Value = serde_json::from_str(source).unwrap();
            v["name"] = json!(name);
            v
        })
        .collect();
    let mut p = workshop_pod();
    p["spec"] = json!({"containers": containers, "volumes": volumes});
    if !inits.is_empty() {
        p["spec"]["initContainers"] = Value::Array(inits);
    }
    if rng.chance(30) {
        p["spec"]["securityContext"] = json!({"runAsUser": *rng.pick(&[0, 1000]), "runAsGroup": 0});
    }
    let mut m = workshop_mv();
    m["spec"]["model"] = json!({"path": MODEL, "signaturePath": SIGNATURE});
    if rng.chance(30) {
        m["spec"]["config"] = json!({"pkiConfig": {"certificateAuthority": "/keys/ca.pem"}});
        m["spec"]["trustFromPodVolumes"] = json!(rng.chance(70));
    }
    if rng.chance(10) {
        m["spec"]["readOnlyModelMounts"] = json!(false);
    }
    (p, m)
}

// ---- the oracle: the runtime's view, from the volume table above ----

fn clean(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p.to_owned()),
        }
    }
    out
}

/// (storage, path in it) a mount shows at its mountPath; `None` for subPathExpr (anywhere).
fn location(m: &Value) -> (String, Option<Vec<String>>) {
    let name = m["name"].as_str().unwrap();
    let (_, _, storage, root) = VOLUMES.iter().find(|v| v.0 == name).unwrap();
    if m.get("subPathExpr").is_some() {
        return (storage.to_string(), None);
    }
    let mut path = clean(root);
    path.extend(clean(m["subPath"].as_str().unwrap_or("")));
    (storage.to_string(), Some(path))
}

type OracleView = (
    Option<(String, Vec<String>)>,
    Vec<(Vec<String>, String, Vec<String>)>,
);

/// What a container with these mounts sees at `target`; `None` when nothing is mounted at,
/// above or below it.
fn oracle_view(mounts: &Value, target: &str) -> Option<OracleView> {
    let target = clean(target);
    let mut base: Option<(usize, (String, Vec<String>))> = None;
    let mut children = Vec::new();
    for m in mounts.as_array().into_iter().flatten() {
        let at = clean(m["mountPath"].as_str().unwrap());
        if !target.starts_with(&at) && !at.starts_with(&target) {
            continue;
        }
        let (storage, path) = location(m);
        let path = path.expect("admitted pods have no subPathExpr in a view");
        if target.starts_with(&at) {
            if base.as_ref().is_none_or(|(depth, _)| at.len() > *depth) {
                let mut shown = path.clone();
                shown.extend(target[at.len()..].iter().cloned());
                base = Some((at.len(), (storage, shown)));
            }
        } else if at.starts_with(&target) {
            children.push((at[target.len()..].to_vec(), storage, path));
        }
    }
    children.sort();
    if base.is_none() && children.is_empty() {
        return None;
    }
    Some((base.map(|(_, b)| b), children))
}

fn overlaps(a: &(String, Option<Vec<String>>), b: &(String, Vec<String>)) -> bool {
    a.0 == b.0
        && match &a.1 {
            None => true,
            Some(p) => p.starts_with(&b.1) || b.1.starts_with(p),
        }
}

fn check_admitted(seed: u64, pod: &Value, m: &Value) {
    let ctx = |what: &str| format!("seed {seed}: {what}\npod: {pod}");
    assert!(
        matches!(decide_json(pod, Some(m)), Decision::Allow(_)),
        "{}",
        ctx("deciding again must admit the pod unchanged")
    );
    let inits = pod["spec"]["initContainers"].as_array().unwrap();
    let at = inits
        .iter()
        .position(|c| c["name"] == "model-validation")
        .unwrap();
    let verifier = &inits[at];
    let sc = &verifier["securityContext"];
    assert!(
        sc["runAsUser"].as_i64().unwrap() != 0,
        "{}",
        ctx("root verifier")
    );
    for vm in verifier["volumeMounts"].as_array().unwrap() {
        let path = clean(vm["mountPath"].as_str().unwrap());
        for protected in ["/usr/local/bin/model_signing", "/dev/termination-log"] {
            assert!(
                !clean(protected).starts_with(&path),
                "{}",
                ctx(&format!("verifier mount {path:?} covers {protected}"))
            );
        }
    }
    let mut model_storage: Vec<(String, Vec<String>)> = Vec::new();
    for target in [MODEL, SIGNATURE] {
        let seen = oracle_view(&verifier["volumeMounts"], target)
            .unwrap_or_else(|| panic!("{}", ctx("the verifier does not reach the model")));
        let others = inits
            .iter()
            .filter(|c| c["name"] != "model-validation")
            .chain(pod["spec"]["containers"].as_array().unwrap());
        for c in others {
            if let Some(v) = oracle_view(&c["volumeMounts"], target) {
                assert_eq!(
                    v,
                    seen,
                    "{}",
                    ctx(&format!("{} sees other storage at {target}", c["name"]))
                );
            }
        }
        let (base, children) = seen;
        model_storage.extend(base);
        model_storage.extend(children.into_iter().map(|(_, s, p)| (s, p)));
    }
    let touches = |c: &Value| -> Vec<Value> {
        c["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|mnt| model_storage.iter().any(|s| overlaps(&location(mnt), s)))
            .cloned()
            .collect()
    };
    for (i, c) in inits.iter().enumerate().take(at) {
        if c["restartPolicy"] == "Always" {
            assert!(
                touches(c).is_empty(),
                "{}",
                ctx(&format!(
                    "sidecar {i} reaches the model before the verifier"
                ))
            );
        }
    }
    if m["spec"]["readOnlyModelMounts"] == json!(false) {
        return;
    }
    let after = inits
        .iter()
        .skip(at + 1)
        .chain(pod["spec"]["containers"].as_array().unwrap());
    for c in after {
        for mnt in touches(c) {
            assert_eq!(
                mnt["readOnly"],
                json!(true),
                "{}",
                ctx(&format!(
                    "{} mounts the model's storage writable",
                    c["name"]
                ))
            );
        }
    }
}

#[test]
fn every_admitted_pod_keeps_the_promise() {
    let (mut admitted, mut denied) = (0, 0);
    for seed in 0..20_000u64 {
        let (p, m) = gen_case(seed);
        match decide_json(&p, Some(&m)) {
            Decision::Patch(patch) => {
                let mut out = p.clone();
                json_patch::patch(&mut out, &patch)
                    .unwrap_or_else(|e| panic!("seed {seed}: patch does not apply: {e}"));
                check_admitted(seed, &out, &m);
                admitted += 1;
            }
            Decision::Allow(reason) => {
                panic!("seed {seed}: labelled pod allowed unchanged: {reason}")
            }
            Decision::Deny(message) => {
                assert!(!message.is_empty());
                denied += 1;
            }
        }
    }
    eprintln!("admitted {admitted}, denied {denied}");
    // The generator must exercise both sides, or the property says nothing.
    assert!(
        admitted > 1_000 && denied > 1_000,
        "admitted {admitted}, denied {denied}"
    );
}
