//! Who a client authenticates as: a client certificate signed by the API server's client CA, whose
//! CN the server takes as the user name and O as a group (x509 authenticator).

use base64::Engine as _;

use crate::pki::CertifiedKeyPem;

/// An identity for a client or a kubeconfig.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// `admin` in `system:masters`: every request allowed, RBAC bypassed.
    Admin,
    /// A plain user with an optional group; RBAC decides.
    User { name: String, group: Option<String> },
    /// The user name the API server gives a ServiceAccount's tokens,
    /// `system:serviceaccount:NAMESPACE:NAME` (group `system:serviceaccounts`), so RoleBindings whose
    /// subject is that ServiceAccount apply to it.
    ServiceAccount { namespace: String, name: String },
}

impl Identity {
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Self::ServiceAccount {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The user name the API server will see.
    pub fn user_name(&self) -> String {
        match self {
            Self::Admin => "admin".to_owned(),
            Self::User { name, .. } => name.clone(),
            Self::ServiceAccount { namespace, name } => {
                format!("system:serviceaccount:{namespace}:{name}")
            }
        }
    }

    /// The group carried in the certificate's O.
    pub fn group(&self) -> Option<String> {
        match self {
            Self::Admin => Some("system:masters".to_owned()),
            Self::User { group, .. } => group.clone(),
            Self::ServiceAccount { .. } => Some("system:serviceaccounts".to_owned()),
        }
    }
}

/// A kubeconfig (JSON, which is YAML too) for `user` with an embedded client certificate.
pub(crate) fn kubeconfig_json(
    server_url: &str,
    server_ca_pem: &str,
    user: &str,
    credentials: &CertifiedKeyPem,
) -> serde_json::Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kube-testenv", "cluster": {
            "server": server_url,
            "certificate-authority-data": b64(server_ca_pem),
        }}],
        "users": [{"name": user, "user": {
            "client-certificate-data": b64(&credentials.cert_pem),
            "client-key-data": b64(&credentials.key_pem),
        }}],
        "contexts": [{"name": "kube-testenv", "context": {
            "cluster": "kube-testenv",
            "user": user,
            "namespace": "default",
        }}],
        "current-context": "kube-testenv",
    })
}
