//! Trust material given by reference: a ConfigMap or Secret key the CR names, mounted
//! read-only into the verifier only.

use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, KeyToPath, SecretVolumeSource, Volume, VolumeMount,
};

use crate::crd::TrustRef;

/// Where trust material given by reference appears inside the verifier.
pub const TRUST_DIR: &str = "/etc/model-validation";

/// A volume and mount for trust material given by reference; `slot` is `key`, `ca` or
/// `trust-config`. Returns the volume, the mount and the file's path in the verifier.
pub fn trust_volume(slot: &str, reference: &TrustRef) -> (Volume, VolumeMount, String) {
    let name = format!("model-validation-{slot}");
    let items = Some(vec![KeyToPath {
        key: reference.key.clone(),
        path: reference.key.clone(),
        mode: None,
    }]);
    let mut volume = Volume {
        name: name.clone(),
        ..Volume::default()
    };
    if reference.kind == "Secret" {
        volume.secret = Some(SecretVolumeSource {
            secret_name: Some(reference.name.clone()),
            items,
            ..SecretVolumeSource::default()
        });
    } else {
        volume.config_map = Some(ConfigMapVolumeSource {
            name: reference.name.clone(),
            items,
            ..ConfigMapVolumeSource::default()
        });
    }
    let dir = format!("{TRUST_DIR}/{slot}");
    let mount = VolumeMount {
        name,
        mount_path: dir.clone(),
        read_only: Some(true),
        ..VolumeMount::default()
    };
    (volume, mount, format!("{dir}/{}", reference.key))
}
