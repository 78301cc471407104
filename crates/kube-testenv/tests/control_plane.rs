//! Self-test of the harness against the real binaries: start, namespaces, ConfigMaps, identities.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams};
use kube::core::ObjectMeta;
use kube_testenv::{skip_requested, Identity, TestEnv};

fn namespace(name: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn admin_creates_a_namespace_and_reads_back_a_config_map() {
    if let Some(reason) = skip_requested() {
        eprintln!("{reason}");
        return;
    }
    let env = TestEnv::shared().await.expect("control plane starts");
    let times = env.startup_times();
    eprintln!(
        "etcd ready after {:?}, kube-apiserver ready after {:?}",
        times.etcd, times.kube_apiserver
    );
    let client = env.client(&Identity::Admin).await.unwrap();
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace("selftest"))
        .await
        .unwrap();
    let config_maps: Api<ConfigMap> = Api::namespaced(client, "selftest");
    let mut cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("greeting".to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    cm.data = Some([("hello".to_owned(), "world".to_owned())].into());
    config_maps
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
    let read = config_maps.get("greeting").await.unwrap();
    assert_eq!(
        read.data.unwrap().get("hello").map(String::as_str),
        Some("world")
    );
}

#[tokio::test]
async fn a_service_account_identity_is_subject_to_rbac() {
    if let Some(reason) = skip_requested() {
        eprintln!("{reason}");
        return;
    }
    let env = TestEnv::shared().await.expect("control plane starts");
    let admin = env.client(&Identity::Admin).await.unwrap();
    Api::<Namespace>::all(admin)
        .create(&PostParams::default(), &namespace("rbac-selftest"))
        .await
        .unwrap();
    let sa = env
        .client(&Identity::service_account("rbac-selftest", "nobody"))
        .await
        .unwrap();
    let err = Api::<ConfigMap>::namespaced(sa, "rbac-selftest")
        .list(&Default::default())
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected an API error, got {err}")
    };
    assert_eq!(status.code, 403, "{status:?}");
    assert!(
        status
            .message
            .contains("system:serviceaccount:rbac-selftest:nobody"),
        "{}",
        status.message
    );
}

#[test]
fn the_kubeconfig_for_child_processes_names_the_server_and_the_admin() {
    if let Some(reason) = skip_requested() {
        eprintln!("{reason}");
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let env = rt
        .block_on(TestEnv::shared())
        .expect("control plane starts");
    let text = std::fs::read_to_string(env.admin_kubeconfig()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["clusters"][0]["cluster"]["server"], env.server_url());
    assert_eq!(json["users"][0]["name"], "admin");
}
