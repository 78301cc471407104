//! The committed CRD equals the generated one, and carries the validation the API server enforces.

use kube::CustomResourceExt;
use model_validation_operator::crd::{
    cluster_crd_yaml, crd_yaml, ClusterModelValidation, ModelValidation,
};

#[test]
fn committed_crds_match_the_generated_ones() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/crd/bases");
    for (file, generated, flag) in [
        (
            "ml.sigstore.dev_modelvalidations.yaml",
            crd_yaml().unwrap(),
            "",
        ),
        (
            "ml.sigstore.dev_clustermodelvalidations.yaml",
            cluster_crd_yaml().unwrap(),
            " --cluster",
        ),
    ] {
        let path = format!("{dir}/{file}");
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            committed, generated,
            "regenerate with: cargo run -p model-validation-operator -- crd{flag} > config/crd/bases/{file}"
        );
    }
}

#[test]
fn crd_identity_and_cel_rule() {
    let crd = ModelValidation::crd();
    assert_eq!(
        crd.metadata.name.as_deref(),
        Some("modelvalidations.ml.sigstore.dev")
    );
    assert_eq!(crd.spec.scope, "Namespaced");
    assert_eq!(crd.spec.names.short_names, Some(vec!["mv".to_owned()]));
    let v = &crd.spec.versions[0];
    assert_eq!(v.name, "v1alpha1");
    assert!(v.subresources.as_ref().unwrap().status.is_some());
    let columns: Vec<String> = v
        .additional_printer_columns
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(
        columns,
        [
            "Auth Method",
            "Verified",
            "Failed",
            "Pending",
            "Model Path",
            "Age"
        ]
    );
    let json = serde_json::to_string(&crd).unwrap();
    assert!(json.contains("exactly one validation method must be specified"));
    assert!(json.contains("[has(self.sigstoreConfig), has(self.publicKeyConfig), has(self.privateKeyConfig), has(self.pkiConfig)].filter(x, x).size() == 1"));
}

/// Every string and list a CR can hold is bounded, so one CR (cached by every replica's webhook
/// and by the controller) cannot grow toward the etcd object limit (issue 13, class 9).
/// `resources` is Kubernetes' own ResourceRequirements schema, left as the API defines it.
#[test]
fn every_string_and_list_in_the_crd_is_bounded() {
    fn walk(node: &serde_json::Value, at: &str, unbounded: &mut Vec<String>) {
        if at.ends_with("/resources") {
            return;
        }
        let kind = node.get("type").and_then(|t| t.as_str());
        if kind == Some("string") && node.get("maxLength").is_none() && node.get("enum").is_none() {
            unbounded.push(at.to_owned());
        }
        if kind == Some("array") && node.get("maxItems").is_none() {
            unbounded.push(at.to_owned());
        }
        if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
            for (name, child) in props {
                walk(child, &format!("{at}/{name}"), unbounded);
            }
        }
        if let Some(items) = node.get("items") {
            walk(items, &format!("{at}[]"), unbounded);
        }
    }
    for crd in [
        serde_json::to_value(ModelValidation::crd()).unwrap(),
        serde_json::to_value(ClusterModelValidation::crd()).unwrap(),
    ] {
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        let mut unbounded = Vec::new();
        walk(schema, "", &mut unbounded);
        assert!(unbounded.is_empty(), "unbounded: {unbounded:?}");
    }
}
