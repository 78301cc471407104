//! Why keyless signing failed. Each variant names the step (service selection,
//! identity token, login, Fulcio, Rekor, TSA) and, for services, the URL.

/// A keyless signing failure. Wrapped in [`crate::SigstoreError::Signing`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The trust source has no signing config (a bare `trusted_root.json`).
    #[error(
        "{origin} has no signing config: keyless signing needs a ClientTrustConfig \
         (--trust_config) or the embedded public-good / staging instance"
    )]
    NoSigningConfig {
        /// Where the trust material came from.
        origin: String,
    },

    /// The signing config lists no usable endpoint for a service (none whose
    /// `validFor` covers now with a supported `majorApiVersion`).
    #[error("No valid {service} found in signing config {origin} (supported majorApiVersion: {supported})")]
    NoService {
        /// `Fulcio CA`, `Rekor transparency log`, `OIDC provider`.
        service: &'static str,
        /// Where the signing config came from.
        origin: String,
        /// The API versions this client speaks, e.g. `1, 2`.
        supported: &'static str,
    },

    /// An `EXACT` selector asks for more services than the config offers.
    #[error(
        "{service} selector in signing config {origin}: expected {count} services, found {found}"
    )]
    SelectorUnsatisfiable {
        /// `rekorTlogConfig` or `tsaConfig`.
        service: &'static str,
        /// Where the signing config came from.
        origin: String,
        /// What the selector requires.
        count: u32,
        /// How many eligible operators there are.
        found: usize,
    },

    /// The selected Rekor is v2, whose entries carry no signed time, and the
    /// signing config lists no timestamp authority to provide one.
    #[error(
        "signing config {origin} selects Rekor v2 ({url}) but no timestamp authority \
         (tsaUrls): the bundle would have no verifiable signing time"
    )]
    RekorV2WithoutTimestampAuthority {
        /// Where the signing config came from.
        origin: String,
        /// The Rekor v2 URL.
        url: String,
    },

    /// The identity token (explicit, ambient or from the login) is unusable.
    #[error("identity token from {source_name} is unusable: {reason}")]
    IdentityToken {
        /// `the signing options` (an explicit token), `ambient credentials` or `the OAuth login`.
        source_name: &'static str,
        /// What is wrong with it (malformed, audience, expiry).
        reason: String,
    },

    /// Looking for CI credentials (GitHub Actions, GitLab, Buildkite, CircleCI) failed.
    #[error("detecting ambient credentials failed: {detail}")]
    AmbientCredentials {
        /// The detector's explanation.
        detail: String,
    },

    /// No token was given and no OIDC issuer is known for the interactive login.
    #[error(
        "no identity token: none given, no ambient credentials used, and signing config \
         {origin} lists no OIDC provider (oidcUrls) for the interactive login"
    )]
    NoOidcIssuer {
        /// Where the signing config came from.
        origin: String,
    },

    /// The interactive OAuth login failed.
    #[error("OAuth login with {issuer} failed while {step}: {detail}")]
    Login {
        /// The OIDC issuer URL.
        issuer: String,
        /// What was being done (`discovering the OIDC configuration`, …).
        step: &'static str,
        /// What went wrong.
        detail: String,
    },

    /// Nobody completed the browser login in time.
    #[error(
        "OAuth login with {issuer} timed out: the browser did not complete the login within \
         {waited:?}"
    )]
    LoginTimeout {
        /// The OIDC issuer URL.
        issuer: String,
        /// How long the login waited.
        waited: std::time::Duration,
    },

    /// Fulcio did not issue a signing certificate.
    #[error("Fulcio {url} did not issue a signing certificate: {detail}")]
    Fulcio {
        /// The Fulcio URL.
        url: String,
        /// The client's explanation (HTTP status and body, bad response).
        detail: String,
    },

    /// Rekor did not log the entry or answered with something unusable.
    #[error("Rekor {url} did not log the signature: {detail}")]
    Rekor {
        /// The Rekor URL.
        url: String,
        /// The client's explanation.
        detail: String,
    },

    /// A timestamp authority did not issue a timestamp.
    #[error("timestamp authority {url} did not issue a timestamp: {detail}")]
    Timestamp {
        /// The TSA URL.
        url: String,
        /// The client's explanation.
        detail: String,
    },

    /// The statement is not an in-toto statement sigstore-sign accepts.
    #[error("the statement to sign is not a valid in-toto statement: {detail}")]
    InvalidStatement {
        /// The parser's explanation.
        detail: String,
    },

    /// The async runtime for the HTTP clients could not be started.
    #[error("cannot start the HTTP runtime: {detail}")]
    Runtime {
        /// The I/O error.
        detail: String,
    },

    /// Anything else sigstore-sign reported (key generation, bundle assembly).
    #[error("keyless signing failed: {detail}")]
    Other {
        /// sigstore-sign's explanation.
        detail: String,
    },
}
