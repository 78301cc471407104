//! Prometheus metrics, and the plain-HTTP `/metrics`, `/healthz`, `/readyz` endpoints.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::tls::ReloadingResolver;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: String,
}

type HistogramFamily = Family<ResultLabel, Histogram, fn() -> Histogram>;

/// The operator's metrics (names prefixed `model_validation_`).
pub struct Metrics {
    registry: Registry,
    admissions: Family<ResultLabel, Counter>,
    admission_seconds: HistogramFamily,
    verifications: Family<ResultLabel, Counter>,
    model_validations: Gauge,
}

fn admission_histogram() -> Histogram {
    // 100 µs .. ~3.3 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("model_validation");
        let admissions = Family::<ResultLabel, Counter>::default();
        let admission_seconds: HistogramFamily = Family::new_with_constructor(admission_histogram);
        let verifications = Family::<ResultLabel, Counter>::default();
        let model_validations = Gauge::default();
        registry.register(
            "admission_requests",
            "Admission reviews answered, by result (allowed, patched, denied, error)",
            admissions.clone(),
        );
        registry.register(
            "admission_duration_seconds",
            "Time to answer an admission review, by result",
            admission_seconds.clone(),
        );
        registry.register(
            "verifications",
            "Verifier verdicts observed on pods, by result (Verified, Failed)",
            verifications.clone(),
        );
        registry.register(
            "modelvalidations",
            "ModelValidation resources known to the controller",
            model_validations.clone(),
        );
        Metrics {
            registry,
            admissions,
            admission_seconds,
            verifications,
            model_validations,
        }
    }
}

impl Metrics {
    pub fn observe_admission(&self, result: &str, elapsed: Duration) {
        let label = ResultLabel {
            result: result.to_owned(),
        };
        self.admissions.get_or_create(&label).inc();
        self.admission_seconds
            .get_or_create(&label)
            .observe(elapsed.as_secs_f64());
    }

    pub fn count_verification(&self, result: &str) {
        self.verifications
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn set_model_validations(&self, n: usize) {
        self.model_validations
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[derive(Clone)]
struct MetricsState {
    metrics: Arc<Metrics>,
    tls: Arc<ReloadingResolver>,
}

/// `/metrics`, `/healthz` (the process answers) and `/readyz` (a serving certificate is loaded).
pub fn router(metrics: Arc<Metrics>, tls: Arc<ReloadingResolver>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(s): State<MetricsState>| async move { s.metrics.encode() }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(|State(s): State<MetricsState>| async move {
                if s.tls.is_ready() {
                    (StatusCode::OK, "ok")
                } else {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "no serving certificate yet",
                    )
                }
            }),
        )
        .with_state(MetricsState { metrics, tls })
}
