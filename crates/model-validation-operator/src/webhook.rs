//! The HTTPS admission endpoint `/mutate-v1-pod`: parse, look the CR up, decide, answer.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview};
use kube::core::DynamicObject;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::{Api, Client};

use crate::admission::{self, Action, MAX_REVIEW_BYTES};
use crate::crd::ModelValidation;
use crate::govern::decide_governed;
use crate::index::{PolicyObject, SharedIndex};
use crate::metrics::Metrics;
use crate::mutate::Decision;
use crate::scope;
use crate::settings::Settings;

/// The path the MutatingWebhookConfiguration calls.
pub const PATH: &str = "/mutate-v1-pod";
/// Well inside the configuration's `timeoutSeconds: 5`.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<ModelValidation>, String>> + Send + 'a>>;

pub type LabelsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<BTreeMap<String, String>, String>> + Send + 'a>>;

/// Finds a `ModelValidation` by namespace and name (`Ok(None)`: it does not exist), the
/// policies that may select a pod, and a namespace's labels.
pub trait ModelValidationLookup: Send + Sync {
    fn get<'a>(&'a self, namespace: &'a str, name: &'a str) -> LookupFuture<'a>;

    /// Policies whose `governs` names one of `claims` and may apply in `namespace`: map
    /// lookups, no I/O (default: none).
    fn candidates(&self, _namespace: &str, _claims: &[&str]) -> Vec<PolicyObject> {
        Vec::new()
    }

    /// The namespace's labels (asked only when a cluster policy is a candidate).
    fn namespace_labels<'a>(&'a self, _namespace: &'a str) -> LabelsFuture<'a> {
        Box::pin(async { Ok(BTreeMap::new()) })
    }
}

/// The informer cache first, the API on a miss (a CR applied in the same `kubectl apply` as
/// its pod may not be in the cache yet).
pub struct ApiLookup {
    pub client: Client,
    pub cache: Option<Store<ModelValidation>>,
    pub index: SharedIndex,
}

impl ModelValidationLookup for ApiLookup {
    fn get<'a>(&'a self, namespace: &'a str, name: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            // The name goes into the request path: anything that is not an object name is
            // not found, and never reaches the URL.
            if !is_object_name(name) || !is_object_name(namespace) {
                return Ok(None);
            }
            if let Some(cached) = self
                .cache
                .as_ref()
                .and_then(|c| c.get(&ObjectRef::new(name).within(namespace)))
            {
                return Ok(Some((*cached).clone()));
            }
            let api: Api<ModelValidation> = Api::namespaced(self.client.clone(), namespace);
            match tokio::time::timeout(LOOKUP_TIMEOUT, api.get_opt(name)).await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "no answer from the API server within {LOOKUP_TIMEOUT:?}"
                )),
            }
        })
    }

    fn candidates(&self, namespace: &str, claims: &[&str]) -> Vec<PolicyObject> {
        self.index.get().candidates(namespace, claims)
    }

    /// Read at each request (no cache): a namespace relabelled into a cluster policy's scope
    /// is governed from the next pod on.
    fn namespace_labels<'a>(&'a self, namespace: &'a str) -> LabelsFuture<'a> {
        Box::pin(async move {
            if !is_object_name(namespace) {
                return Err(format!("{namespace:?} is not a namespace name"));
            }
            let api: Api<Namespace> = Api::all(self.client.clone());
            match tokio::time::timeout(LOOKUP_TIMEOUT, api.get_metadata(namespace)).await {
                Ok(Ok(ns)) => Ok(ns.metadata.labels.unwrap_or_default()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!(
                    "no answer from the API server within {LOOKUP_TIMEOUT:?}"
                )),
            }
        })
    }
}

/// A DNS-1123 subdomain (what Kubernetes accepts as a CR or namespace name).
pub fn is_object_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[derive(Clone)]
pub struct WebhookState {
    pub lookup: Arc<dyn ModelValidationLookup>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
}

/// Reviews read and decided at once; the memory a review may take is bounded by its size and
/// value count (see [`admission::parse`]), so this bounds the webhook's whole peak.
pub const MAX_CONCURRENT_REVIEWS: usize = 4;
/// How long a review waits for one of those slots before it is answered 503.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(2);
/// The API server sends a review at once; a client that trickles its body is cut off.
const BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// The same for request headers (hyper's header read timeout).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Served {
    state: WebhookState,
    slots: Arc<tokio::sync::Semaphore>,
}

pub fn router(state: WebhookState) -> Router {
    Router::new()
        .route(PATH, post(mutate_handler))
        .layer(DefaultBodyLimit::max(MAX_REVIEW_BYTES))
        .with_state(Served {
            state,
            slots: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_REVIEWS)),
        })
}

/// Takes a slot before reading the body, so at most [`MAX_CONCURRENT_REVIEWS`] bodies are in
/// memory; a review that finds none within [`QUEUE_TIMEOUT`] gets 503 with `Retry-After`.
async fn mutate_handler(State(served): State<Served>, request: axum::extract::Request) -> Response {
    let start = Instant::now();
    let state = &served.state;
    let slot = tokio::time::timeout(QUEUE_TIMEOUT, served.slots.clone().acquire_owned()).await;
    let Ok(Ok(_slot)) = slot else {
        state.metrics.observe_admission("busy", start.elapsed());
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "1")],
            "too many admission reviews at once",
        )
            .into_response();
    };
    let body = match read_body(request.into_body()).await {
        Ok(body) => body,
        Err((status, message)) => {
            tracing::warn!("refused an admission review body: {message}");
            state.metrics.observe_admission("error", start.elapsed());
            return (status, message).into_response();
        }
    };
    let (result, response) = match review(state, &body).await {
        Ok((result, review)) => (result, Json(review).into_response()),
        Err(message) => {
            tracing::warn!("refused a malformed admission review: {message}");
            ("error", (StatusCode::BAD_REQUEST, message).into_response())
        }
    };
    state.metrics.observe_admission(result, start.elapsed());
    response
}

async fn read_body(body: axum::body::Body) -> Result<Bytes, (StatusCode, String)> {
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_REVIEW_BYTES)).await {
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            format!("the review body did not arrive within {BODY_TIMEOUT:?}"),
        )),
        Ok(Err(e)) => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the review body is unreadable or over {MAX_REVIEW_BYTES} bytes: {e}"),
        )),
        Ok(Ok(body)) => Ok(body),
    }
}

/// Answers one review body; `Err` when the body is not a readable review (HTTP 400).
pub async fn review(
    state: &WebhookState,
    body: &[u8],
) -> Result<(&'static str, AdmissionReview<DynamicObject>), String> {
    let req = admission::parse(body)?;
    let response = match admission::classify(&req) {
        Action::Respond(response) => *response,
        Action::Decide {
            pod,
            namespace,
            cr_name,
        } => decide(state, &req, &pod, &namespace, cr_name.as_deref()).await,
    };
    let result = match (response.allowed, response.patch.is_some()) {
        (false, _) => "denied",
        (true, true) => "patched",
        (true, false) => "allowed",
    };
    if !response.allowed {
        tracing::info!(uid = %response.uid, "denied: {}", response.result.message);
    }
    Ok((result, response.into_review()))
}

/// Looks up what governs `pod` and decides. A pod without the label that declares no governed
/// claim is answered after the index lookup alone.
async fn decide(
    state: &WebhookState,
    req: &AdmissionRequest<DynamicObject>,
    pod: &Pod,
    namespace: &str,
    cr_name: Option<&str>,
) -> AdmissionResponse {
    let candidates = state.lookup.candidates(namespace, &scope::claims(pod));
    if cr_name.is_none() && candidates.is_empty() {
        return admission::respond(req, Decision::Allow("not governed".into()));
    }
    let mv = match cr_name {
        Some(name) => match state.lookup.get(namespace, name).await {
            Ok(mv) => mv,
            Err(err) => {
                return admission::refuse(
                    req,
                    500,
                    format!("cannot read ModelValidation {namespace}/{name}: {err}"),
                )
            }
        },
        None => None,
    };
    let labels = if candidates
        .iter()
        .any(|c| matches!(c, PolicyObject::Cluster(_)))
    {
        match state.lookup.namespace_labels(namespace).await {
            Ok(labels) => labels,
            Err(err) => {
                return admission::refuse(
                    req,
                    500,
                    format!("cannot read the labels of namespace {namespace}: {err}"),
                )
            }
        }
    } else {
        BTreeMap::new()
    };
    let policies: Vec<_> = candidates.iter().map(PolicyObject::policy).collect();
    let admission = decide_governed(pod, mv.as_ref(), &policies, &labels, &state.settings);
    admission::respond_with(req, admission)
}

/// Serves `router` over TLS on an already bound listener until `handle` shuts it down.
pub async fn serve(
    listener: std::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: Router,
    handle: axum_server::Handle<SocketAddr>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let config = axum_server::tls_rustls::RustlsConfig::from_config(tls);
    let mut server = axum_server::from_tcp_rustls(listener, config)?.handle(handle);
    server
        .http_builder()
        .http1()
        .header_read_timeout(Some(HEADER_TIMEOUT))
        // Connections waiting for a slot buffer no more than this of their body.
        .max_buf_size(64 * 1024);
    server.serve(router.into_make_service()).await
}

#[cfg(test)]
mod tests {
    use super::is_object_name;

    #[test]
    fn only_object_names_reach_the_api_path() {
        for good in ["workshop-model", "a.b", "m1"] {
            assert!(is_object_name(good), "{good}");
        }
        for bad in ["", "A_B", "a/b", "..", "a..b", "-a", "a%2Fb", "x?y", "a-"] {
            assert!(!is_object_name(bad), "{bad}");
        }
    }
}
