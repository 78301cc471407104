//! One Python exception, `_core.Error(kind, message)`; the Python package turns `kind` into the
//! exception type the reference raises for the same failure.

use model_signing::VerifyError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::PyErr;

create_exception!(_core, Error, PyException);

/// The failure kinds the Python side maps to exception types.
pub(crate) mod kind {
    /// The model differs from the signature (reference: `ValueError("Signature mismatch: …")`).
    pub const MISMATCH: &str = "mismatch";
    /// The signature does not verify with the key (reference: `cryptography`'s `InvalidSignature`).
    pub const INVALID_SIGNATURE: &str = "invalid_signature";
    /// The certificate chain is not trusted (reference: pyOpenSSL's `X509StoreContextError`).
    pub const CERTIFICATE: &str = "certificate";
    /// Sigstore verification failed (reference: `sigstore.errors.VerificationError`).
    pub const SIGSTORE: &str = "sigstore";
    pub const NOT_FOUND: &str = "not_found";
    pub const OS: &str = "os";
    /// The verified bytes failed the scan (`read_verified(..., scan=True)`): `ValueError`.
    pub const SCAN: &str = "scan";
    /// Everything the reference reports as `ValueError`.
    pub const VALUE: &str = "value";
    /// A feature left out of this build (keyless signing without the `keyless` feature).
    #[cfg_attr(feature = "keyless", allow(dead_code))]
    pub const NOT_IMPLEMENTED: &str = "not_implemented";
}

pub(crate) fn error(kind: &str, message: impl Into<String>) -> PyErr {
    Error::new_err((kind.to_string(), message.into()))
}

fn io_kind(e: &std::io::Error) -> &'static str {
    if e.kind() == std::io::ErrorKind::NotFound {
        kind::NOT_FOUND
    } else {
        kind::OS
    }
}

fn verify_kind(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::BadSignature { .. } => kind::INVALID_SIGNATURE,
        VerifyError::Certificate(_) => kind::CERTIFICATE,
        VerifyError::Sigstore(_) => kind::SIGSTORE,
        _ => kind::VALUE,
    }
}

pub(crate) fn from_core(e: model_signing::Error) -> PyErr {
    let k = match &e {
        model_signing::Error::Mismatch(_) => kind::MISMATCH,
        model_signing::Error::Verify(v) => verify_kind(v),
        model_signing::Error::Io { source, .. } => io_kind(source),
        _ => kind::VALUE,
    };
    error(k, e.to_string())
}
