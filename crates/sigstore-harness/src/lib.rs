//! A loopback Sigstore for tests: an OIDC issuer, Fulcio v2, Rekor v1 and
//! v2, and an RFC 3161 TSA, each on `127.0.0.1` with an ephemeral port,
//! backed by a throwaway PKI. Both sigstore-python and sigstore-rust sign
//! through it, and their verifiers accept the result with
//! [`Harness::trust_config_json`].
//!
//! ```no_run
//! let harness = sigstore_harness::Harness::start();
//! let token = harness.mint_token("alice@example.com");
//! std::fs::write("trust.json", harness.trust_config_json(1)).unwrap();
//! // model_signing sign sigstore --trust_config trust.json --identity_token $token …
//! # let _ = token;
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test-only services: a broken invariant or a harness error must stop the test at once"
)]

pub mod checkpoint;
pub mod error;
pub mod faults;
pub mod fulcio;
pub mod log;
pub mod merkle;
pub mod oauth;
pub mod oidc;
pub mod pki;
pub mod rekor_v1;
pub mod rekor_v2;
pub mod sct;
pub mod server;
pub mod signature;
pub mod trust_config;
pub mod tsa;

pub use error::HarnessError;
pub use faults::Fault;
pub use oauth::TokenRequest;
pub use oidc::{Identity, TokenSpec};
pub use trust_config::Urls;

use faults::Faults;
use fulcio::Fulcio;
use log::Log;
use oidc::OidcIssuer;
use server::{Bound, HttpRequest, HttpResponse, Running};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use trust_config::TrustMaterial;
use tsa::Tsa;

/// Everything the servers share.
struct State {
    urls: Urls,
    oidc: OidcIssuer,
    oauth: oauth::OAuth,
    fulcio: Fulcio,
    tsa: Tsa,
    rekor_v1: Mutex<Log>,
    rekor_v2: Mutex<Log>,
    rekor_v1_public: pki::PublicKeyInfo,
    rekor_v2_public: pki::PublicKeyInfo,
    faults: Faults,
}

/// The running services. Dropping it stops every server.
pub struct Harness {
    state: Arc<State>,
    // Held for their Drop: stop and join the server threads.
    _servers: Vec<Running>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

impl Harness {
    /// Start every service. Panics if a loopback port cannot be bound: this
    /// is test scaffolding, and a test cannot continue without it.
    pub fn start() -> Harness {
        match Harness::try_start() {
            Ok(harness) => harness,
            Err(e) => panic!("sigstore-harness: {e}"),
        }
    }

    /// Start every service.
    pub fn try_start() -> Result<Harness, HarnessError> {
        let oidc = Bound::new("oidc")?;
        let fulcio = Bound::new("fulcio")?;
        let rekor_v1 = Bound::new("rekor-v1")?;
        let rekor_v2 = Bound::new("rekor-v2")?;
        let tsa = Bound::new("tsa")?;
        let urls = Urls {
            oidc: oidc.url().to_string(),
            fulcio: fulcio.url().to_string(),
            rekor_v1: rekor_v1.url().to_string(),
            rekor_v2: rekor_v2.url().to_string(),
            tsa: format!("{}/api/v1/timestamp", tsa.url()),
        };
        let log_v1 = Log::new(
            "rekor.harness.local - 1193050959916656506".into(),
            "rekor.harness.local".into(),
        );
        let log_v2 = Log::new(
            "rekor-v2.harness.local".into(),
            "rekor-v2.harness.local".into(),
        );
        let state = Arc::new(State {
            urls,
            rekor_v1_public: log_v1.key.public(),
            rekor_v2_public: log_v2.key.public(),
            oidc: OidcIssuer::new(),
            oauth: oauth::OAuth::default(),
            fulcio: Fulcio::new()?,
            tsa: Tsa::new()?,
            rekor_v1: Mutex::new(log_v1),
            rekor_v2: Mutex::new(log_v2),
            faults: Faults::default(),
        });
        let servers = vec![
            oidc.serve(handler(&state, oidc_route)),
            fulcio.serve(handler(&state, fulcio_route)),
            rekor_v1.serve(handler(&state, rekor_v1_route)),
            rekor_v2.serve(handler(&state, rekor_v2_route)),
            tsa.serve(handler(&state, tsa_route)),
        ];
        Ok(Harness {
            state,
            _servers: servers,
        })
    }

    /// The service URLs.
    pub fn urls(&self) -> &Urls {
        &self.state.urls
    }

    /// The OIDC issuer URL: `iss` of minted tokens, the certificate's issuer
    /// extensions, and the `--identity_provider` to verify with.
    pub fn issuer_url(&self) -> &str {
        &self.state.urls.oidc
    }

    /// A valid ID token for `identity` (an email, or a URI subject when it
    /// contains `://`), accepted by the harness Fulcio for ten minutes.
    pub fn mint_token(&self, identity: &str) -> String {
        self.state.oidc.mint_token(identity, self.issuer_url())
    }

    /// A token as described by `spec` (expired, wrong audience, unverified
    /// email, other issuer …).
    pub fn mint_token_with(&self, spec: &TokenSpec) -> String {
        self.state.oidc.mint(spec)
    }

    /// The identity the OIDC authorization endpoint logs in (it approves
    /// every request at once); default [`oauth::DEFAULT_LOGIN_IDENTITY`].
    pub fn set_login_identity(&self, identity: &str) {
        self.state.oauth.set_login_identity(identity);
    }

    /// Client credentials of every request to the OIDC token endpoint.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.state.oauth.token_requests()
    }

    /// A ClientTrustConfig whose signing config selects Rekor `rekor_major`
    /// (1 or 2); the trusted root always lists both logs.
    pub fn trust_config_json(&self, rekor_major: u32) -> String {
        trust_config::client_trust_config(&self.state.urls, &self.material(), rekor_major)
            .to_string()
    }

    /// The trusted root alone.
    pub fn trusted_root_json(&self) -> String {
        trust_config::trusted_root(&self.state.urls, &self.material()).to_string()
    }

    /// The signing config alone.
    pub fn signing_config_json(&self, rekor_major: u32) -> String {
        trust_config::signing_config(
            &self.state.urls,
            rekor_major,
            self.state.fulcio.root.not_before,
        )
        .to_string()
    }

    /// Activate a fault (see [`Fault`]); it stays until [`Harness::clear_faults`].
    pub fn inject(&self, fault: Fault) {
        self.state.faults.inject(fault);
    }

    /// Deactivate every fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Number of entries in the Rekor v1 or v2 log (seed entries included).
    pub fn log_size(&self, rekor_major: u32) -> u64 {
        let log = if rekor_major == 2 {
            &self.state.rekor_v2
        } else {
            &self.state.rekor_v1
        };
        log.lock().map(|l| l.size()).unwrap_or_default()
    }

    /// DER of the Fulcio root certificate.
    pub fn fulcio_root_der(&self) -> &[u8] {
        &self.state.fulcio.root.cert_der
    }

    fn material(&self) -> TrustMaterial {
        let s = &self.state;
        TrustMaterial {
            fulcio_chain: vec![
                s.fulcio.intermediate.cert_der.clone(),
                s.fulcio.root.cert_der.clone(),
            ],
            ct_log: s.fulcio.ct_log.public(),
            rekor_v1: s.rekor_v1_public.clone(),
            rekor_v2: s.rekor_v2_public.clone(),
            tsa_chain: s.tsa.chain_der(),
            valid_from: s.fulcio.root.not_before,
        }
    }
}

type Route = fn(&State, &HttpRequest) -> Result<HttpResponse, HarnessError>;

fn handler(state: &Arc<State>, route: Route) -> server::Handler {
    let state = Arc::clone(state);
    Arc::new(move |request| match route(&state, request) {
        Ok(response) => response,
        Err(error) => HttpResponse::error(&error),
    })
}

fn oidc_route(state: &State, request: &HttpRequest) -> Result<HttpResponse, HarnessError> {
    Ok(match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/.well-known/openid-configuration") => {
            HttpResponse::json(200, &state.oidc.discovery(&state.urls.oidc))
        }
        ("GET", "/keys") => HttpResponse::json(200, &state.oidc.jwks()),
        ("GET", "/auth") => state.oauth.authorize(&request.query)?,
        ("POST", "/token") => HttpResponse::json(
            200,
            &state.oauth.token(
                &request.body,
                request.authorization.as_deref(),
                &state.oidc,
                &state.urls.oidc,
            )?,
        ),
        _ => HttpResponse::not_found(request),
    })
}

fn fulcio_route(state: &State, request: &HttpRequest) -> Result<HttpResponse, HarnessError> {
    Ok(match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/api/v2/signingCert") => {
            let now = SystemTime::now();
            let not_before = if state.faults.is_active(Fault::ExpiredCertificate) {
                now - fulcio::LEAF_LIFETIME - Duration::from_secs(600)
            } else {
                now
            };
            let response = state.fulcio.signing_cert(
                &request.body,
                request.bearer(),
                &state.oidc,
                &state.urls.oidc,
                not_before,
                state.faults.is_active(Fault::CorruptSct),
            )?;
            HttpResponse::json(201, &response)
        }
        ("GET", "/api/v2/trustBundle") => HttpResponse::json(200, &state.fulcio.trust_bundle()),
        ("GET", "/api/v2/configuration") => HttpResponse::json(
            200,
            &serde_json::json!({"issuers": [{
                "issuerUrl": state.urls.oidc, "audience": oidc::AUDIENCE,
                "challengeClaim": "email", "issuerType": "email",
            }]}),
        ),
        _ => HttpResponse::not_found(request),
    })
}

fn lock<'a>(
    log: &'a Mutex<Log>,
    what: &'static str,
) -> Result<std::sync::MutexGuard<'a, Log>, HarnessError> {
    log.lock()
        .map_err(|_| HarnessError::bad(what, "log state poisoned by an earlier panic"))
}

fn rekor_v1_route(state: &State, request: &HttpRequest) -> Result<HttpResponse, HarnessError> {
    Ok(match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/api/v1/log/entries") => {
            let mut log = lock(&state.rekor_v1, "rekor v1")?;
            let entry = rekor_v1::create_entry(&mut log, &request.body, now_secs(), &state.faults)?;
            HttpResponse::json(201, &entry)
        }
        ("GET", "/api/v1/log/publicKey") => HttpResponse::bytes(
            200,
            "application/x-pem-file",
            pki::pem("PUBLIC KEY", &state.rekor_v1_public.spki_der).into_bytes(),
        ),
        _ => HttpResponse::not_found(request),
    })
}

fn rekor_v2_route(state: &State, request: &HttpRequest) -> Result<HttpResponse, HarnessError> {
    Ok(match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/api/v2/log/entries") => {
            let mut log = lock(&state.rekor_v2, "rekor v2")?;
            let entry = rekor_v2::create_entry(&mut log, &request.body, &state.faults)?;
            HttpResponse::json(201, &entry)
        }
        _ => HttpResponse::not_found(request),
    })
}

fn tsa_route(state: &State, request: &HttpRequest) -> Result<HttpResponse, HarnessError> {
    Ok(match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/api/v1/timestamp") => HttpResponse::bytes(
            200,
            "application/timestamp-reply",
            state.tsa.timestamp(
                &request.body,
                SystemTime::now(),
                state.faults.is_active(Fault::CorruptTimestamp),
            )?,
        ),
        ("GET", "/api/v1/timestamp/certchain") => HttpResponse::bytes(
            200,
            "application/pem-certificate-chain",
            state
                .tsa
                .chain_der()
                .iter()
                .map(|der| pki::pem("CERTIFICATE", der))
                .collect::<String>()
                .into_bytes(),
        ),
        _ => HttpResponse::not_found(request),
    })
}
