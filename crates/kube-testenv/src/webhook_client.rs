//! The API server's identity towards admission webhooks: an AdmissionConfiguration whose kubeconfig
//! gives every webhook (`*`) a client certificate from a CA of its own, so a webhook under test can
//! require client authentication and still be called by this API server, as a cluster whose
//! administrator configured `--admission-control-config-file` would call it.

use base64::Engine as _;

use crate::pki::CertifiedKeyPem;

/// The admission plugins that call webhooks; each reads its own configuration.
const WEBHOOK_PLUGINS: [&str; 2] = ["MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"];

/// The kubeconfig the API server reads for webhooks: only a user, named `*` (every webhook).
pub(crate) fn kubeconfig_json(credentials: &CertifiedKeyPem) -> serde_json::Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "users": [{"name": "*", "user": {
            "client-certificate-data": b64(&credentials.cert_pem),
            "client-key-data": b64(&credentials.key_pem),
        }}],
    })
}

/// The AdmissionConfiguration pointing both webhook plugins at `kubeconfig_path`.
pub(crate) fn admission_configuration_json(kubeconfig_path: &str) -> serde_json::Value {
    let plugins: Vec<serde_json::Value> = WEBHOOK_PLUGINS
        .iter()
        .map(|name| {
            serde_json::json!({
                "name": name,
                "configuration": {
                    "apiVersion": "apiserver.config.k8s.io/v1",
                    "kind": "WebhookAdmissionConfiguration",
                    "kubeConfigFile": kubeconfig_path,
                },
            })
        })
        .collect();
    serde_json::json!({
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AdmissionConfiguration",
        "plugins": plugins,
    })
}
