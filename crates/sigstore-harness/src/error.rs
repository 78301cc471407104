//! Errors of the harness. Request handlers turn them into HTTP status codes,
//! so a malformed request never panics a server thread.

/// Everything that can go wrong while starting the harness or serving a request.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// Encoding or decoding an ASN.1 structure failed.
    #[error("ASN.1 {what}: {source}")]
    Der {
        /// Which structure.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: der::Error,
    },
    /// The client sent something the service does not accept (HTTP 400).
    #[error("{endpoint}: {message}")]
    BadRequest {
        /// The endpoint that rejected the request.
        endpoint: &'static str,
        /// What was expected and what was found.
        message: String,
    },
    /// The identity token or proof of possession was not accepted (HTTP 401).
    #[error("{endpoint}: unauthorized: {message}")]
    Unauthorized {
        /// The endpoint that rejected the request.
        endpoint: &'static str,
        /// Why.
        message: String,
    },
    /// A server could not be started.
    #[error("cannot start the {service} server on 127.0.0.1: {message}")]
    Bind {
        /// Which service.
        service: &'static str,
        /// The error text of the HTTP server.
        message: String,
    },
    /// Signing with a harness key failed.
    #[error("signing {what}: {message}")]
    Signing {
        /// What was being signed.
        what: &'static str,
        /// The error text.
        message: String,
    },
}

impl HarnessError {
    pub(crate) fn der(what: &'static str) -> impl FnOnce(der::Error) -> HarnessError {
        move |source| HarnessError::Der { what, source }
    }

    pub(crate) fn bad(endpoint: &'static str, message: impl Into<String>) -> HarnessError {
        HarnessError::BadRequest {
            endpoint,
            message: message.into(),
        }
    }

    pub(crate) fn unauthorized(endpoint: &'static str, message: impl Into<String>) -> HarnessError {
        HarnessError::Unauthorized {
            endpoint,
            message: message.into(),
        }
    }

    /// The HTTP status a server answers with for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            HarnessError::BadRequest { .. } => 400,
            HarnessError::Unauthorized { .. } => 401,
            _ => 500,
        }
    }
}
