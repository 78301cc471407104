//! Why a TUF refresh failed. Only [`TufError::Unreachable`] lets a refresh fall
//! back to the cache or the embedded root: every other failure means the
//! repository (or the cache) served something that did not verify, and is
//! reported rather than papered over.

use crate::error::SigstoreError;

/// Everything that can go wrong while refreshing trust material through TUF.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TufError {
    /// The repository could not be reached or did not serve a file (connection,
    /// timeout, HTTP status, oversized response).
    #[error("TUF repository {url} unreachable: {detail}")]
    Unreachable {
        /// The repository.
        url: String,
        /// The transport failure, with its causes.
        detail: String,
    },

    /// The repository URL is not a usable base URL.
    #[error("invalid TUF repository URL `{url}`: {detail}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it is unusable.
        detail: String,
    },

    /// The bootstrap TUF root is malformed or not signed by its own root keys.
    #[error("invalid bootstrap TUF root for {url}: {detail}")]
    BootstrapRoot {
        /// The repository.
        url: String,
        /// What is wrong with it.
        detail: String,
    },

    /// A metadata file is past its `expires` (a freeze attack, or a repository
    /// that stopped being maintained).
    #[error("TUF repository {url}: {role} metadata expired at {expires}")]
    Expired {
        /// The repository.
        url: String,
        /// The role whose metadata expired (`root`, `timestamp`, …).
        role: String,
        /// Its `expires` timestamp.
        expires: String,
    },

    /// A file's length or hash differs from what the signed metadata pins.
    #[error("TUF repository {url}: integrity check failed: {detail}")]
    Integrity {
        /// The repository.
        url: String,
        /// Which file and which check.
        detail: String,
    },

    /// Metadata is not signed to threshold, or its version goes backwards.
    #[error("TUF repository {url}: untrusted metadata: {detail}")]
    Untrusted {
        /// The repository.
        url: String,
        /// Which role and which check.
        detail: String,
    },

    /// Metadata is not valid TUF JSON.
    #[error("TUF repository {url}: malformed metadata: {detail}")]
    Malformed {
        /// The repository.
        url: String,
        /// What is wrong with it.
        detail: String,
    },

    /// The signed targets metadata does not list a target we need.
    #[error("TUF repository {url}: target `{target}` is not listed by the targets metadata")]
    TargetMissing {
        /// The repository.
        url: String,
        /// The target path.
        target: String,
    },

    /// The TUF cache could not be read.
    #[error("TUF cache for {url}: {detail}")]
    Cache {
        /// The repository.
        url: String,
        /// The I/O failure, with the path.
        detail: String,
    },

    /// No cache directory was given and neither `XDG_CACHE_HOME` nor `HOME`
    /// names one.
    #[error("no cache directory for TUF metadata: set XDG_CACHE_HOME or HOME")]
    NoCacheDir,

    /// The HTTP client or the runtime driving the refresh could not start.
    #[error("cannot run the TUF refresh: {detail}")]
    Runtime {
        /// What failed.
        detail: String,
    },

    /// Neither the repository nor the cache gave a trusted root, and the
    /// options name no fallback.
    #[error("no trusted root from TUF repository {url} and no fallback: {detail}")]
    NoTrustedRoot {
        /// The repository.
        url: String,
        /// Why the repository and the cache failed.
        detail: String,
    },

    /// The verified target (or the fallback) is not usable trust material.
    #[error(transparent)]
    Trust(#[from] SigstoreError),
}

impl TufError {
    /// Whether the failure is the network's, so the cache or the fallback may
    /// stand in.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }

    /// Classifies a `sigstore-tuf` failure while talking to `url`.
    pub(crate) fn from_tuf(url: &str, err: sigstore_tuf::Error) -> Self {
        use sigstore_tuf::Error as E;
        let url = url.to_owned();
        let detail = error_chain(&err);
        match err {
            E::Transport { .. } => Self::Unreachable { url, detail },
            E::Expired { role, expires } => Self::Expired {
                url,
                role,
                expires: expires.to_string(),
            },
            E::IntegrityMismatch(detail) => Self::Integrity { url, detail },
            E::TargetNotFound(target) => Self::TargetMissing { url, target },
            E::Io { .. } => Self::Cache { url, detail },
            E::ThresholdNotMet { .. }
            | E::DuplicateSignature { .. }
            | E::Rollback { .. }
            | E::EqualVersion { .. }
            | E::BadRootVersion { .. }
            | E::UnusableKey { .. }
            | E::UnsupportedScheme { .. }
            | E::Crypto(_) => Self::Untrusted { url, detail },
            _ => Self::Malformed { url, detail },
        }
    }
}

/// `sigstore-tuf` keeps causes out of `Display`; a user needs them (which host
/// refused, which file was missing).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// For callers that keep one error type: a TUF failure is trust material that
/// could not be established.
impl From<TufError> for SigstoreError {
    fn from(err: TufError) -> Self {
        match err {
            TufError::Trust(inner) => inner,
            other => SigstoreError::TrustRootUnusable {
                origin: "TUF refresh".to_owned(),
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://tuf.example";

    #[test]
    fn transport_failures_are_unreachable_with_their_cause() {
        let err = TufError::from_tuf(
            URL,
            sigstore_tuf::Error::transport_with_source("GET x failed", "connection refused"),
        );
        assert!(err.is_unreachable());
        assert_eq!(
            err.to_string(),
            "TUF repository https://tuf.example unreachable: transport error: GET x failed: \
             connection refused"
        );
    }

    #[test]
    fn verification_failures_are_not_unreachable() {
        let err = TufError::from_tuf(
            URL,
            sigstore_tuf::Error::ThresholdNotMet {
                role: "timestamp".into(),
                found: 0,
                threshold: 1,
            },
        );
        assert!(!err.is_unreachable());
        assert_eq!(
            err.to_string(),
            "TUF repository https://tuf.example: untrusted metadata: signature threshold not \
             met for role timestamp: 0/1 valid signatures"
        );
        let err = TufError::from_tuf(
            URL,
            sigstore_tuf::Error::IntegrityMismatch("trusted_root.json: sha256 mismatch".into()),
        );
        assert_eq!(
            err.to_string(),
            "TUF repository https://tuf.example: integrity check failed: trusted_root.json: \
             sha256 mismatch"
        );
    }

    #[test]
    fn converts_to_sigstore_error() {
        let err: SigstoreError = TufError::NoCacheDir.into();
        assert_eq!(
            err.to_string(),
            "unusable trusted root TUF refresh: no cache directory for TUF metadata: set \
             XDG_CACHE_HOME or HOME"
        );
    }
}
