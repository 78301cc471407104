//! One Python exception, `_core.Error(kind, message, details)`; the Python package turns `kind`
//! into the exception type the reference raises for the same failure, and `details` into its
//! attributes (`errno` and `filename` of an OS error, the report of a mismatch).

use model_signing::{VerificationReport, VerifyError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::{IntoPyObject, PyErr};

use crate::reference_wording;

create_exception!(_core, Error, PyException);

/// The failure kinds the Python side maps to exception types.
pub(crate) mod kind {
    /// The model differs from the signature (reference: `ValueError("Signature mismatch: …")`);
    /// the details carry the report and Python words the reference's message from it.
    pub const MISMATCH: &str = "mismatch";
    /// The signature does not verify with the key (reference: `cryptography`'s `InvalidSignature`).
    pub const INVALID_SIGNATURE: &str = "invalid_signature";
    /// The certificate chain is not trusted (reference: pyOpenSSL's `X509StoreContextError`).
    pub const CERTIFICATE: &str = "certificate";
    /// Sigstore verification failed (reference: `sigstore.errors.VerificationError`).
    pub const SIGSTORE: &str = "sigstore";
    /// An OS error: the details carry `errno` and `filename`, Python picks the `OSError`
    /// subclass from `errno` as `open()` would (`FileNotFoundError`, `IsADirectoryError`, …).
    pub const OS: &str = "os";
    /// A password given for an unencrypted key or missing for an encrypted one (reference:
    /// `TypeError`, from `cryptography`).
    pub const TYPE: &str = "type";
    /// A key that is not an elliptic-curve key (RSA, Ed25519, …): the reference fails with
    /// `AttributeError` reading the key's curve; ours is a `ValueError` that is also one.
    pub const UNSUPPORTED_KEY: &str = "unsupported_key";
    /// A signature of another method than the verifier's (key vs certificate): the reference
    /// fails with `AttributeError` reading the missing material; ours is a `ValueError` that
    /// is also one.
    pub const WRONG_METHOD: &str = "wrong_method";
    /// A signature file that is not JSON: the reference raises `json.JSONDecodeError` (a
    /// `ValueError`); ours is one.
    pub const BUNDLE_NOT_JSON: &str = "bundle_not_json";
    /// A bundle without a field the reference indexes (`KeyError` there); ours is a
    /// `ValueError` that is also a `KeyError`.
    pub const BUNDLE_MISSING_FIELD: &str = "bundle_missing_field";
    /// The verified bytes failed the scan (`read_verified(..., scan=True)`): `ValueError`.
    pub const SCAN: &str = "scan";
    /// Everything the reference reports as `ValueError`.
    pub const VALUE: &str = "value";
    /// A feature left out of this build (keyless signing without the `keyless` feature).
    #[cfg_attr(feature = "keyless", allow(dead_code))]
    pub const NOT_IMPLEMENTED: &str = "not_implemented";
}

/// What an exception carries besides its message; a Python `dict` on the other side.
#[derive(Debug, Default, IntoPyObject)]
pub(crate) struct Details {
    /// The OS error number (`kind::OS`).
    pub errno: Option<i32>,
    /// The file the OS error is about (`kind::OS`).
    pub filename: Option<String>,
    /// Our own, fuller explanation when the message is the reference's wording.
    pub note: Option<String>,
    /// `kind::MISMATCH`: resources found but not signed.
    pub added: Vec<String>,
    /// `kind::MISMATCH`: resources signed but not found.
    pub missing: Vec<String>,
    /// `kind::MISMATCH`: signed resources left out by an ignore rule.
    pub ignored: Vec<String>,
    /// `kind::MISMATCH`: `(name, expected algorithm, expected hex, actual algorithm, actual hex)`.
    pub changed: Vec<(String, String, String, String, String)>,
    /// `kind::MISMATCH`: the file lists differ, so no content was compared.
    pub listing_only: bool,
}

pub(crate) fn error(kind: &str, message: impl Into<String>) -> PyErr {
    error_with(kind, message, Details::default())
}

pub(crate) fn error_with(kind: &str, message: impl Into<String>, details: Details) -> PyErr {
    Error::new_err((kind.to_string(), message.into(), details))
}

/// Linux's (and every Unix's) "Is a directory".
const EISDIR: i32 = 21;

/// A trust file that cannot be read is an OS error, as the reference's `open()` raises it;
/// other trust-material errors are `ValueError`s.
pub(crate) fn from_trust(e: oms_sigstore::SigstoreError) -> PyErr {
    let ours = e.to_string();
    match &e {
        oms_sigstore::SigstoreError::TrustRead { path, source } => os_error(path, source, ours),
        _ => error(kind::VALUE, ours),
    }
}

fn verify_kind(e: &VerifyError) -> &'static str {
    use oms_format::bundle::BundleError;
    match e {
        VerifyError::WrongMethod { .. } => kind::WRONG_METHOD,
        VerifyError::Bundle(BundleError::NotJson(_)) => kind::BUNDLE_NOT_JSON,
        VerifyError::Bundle(BundleError::MissingField { .. }) => kind::BUNDLE_MISSING_FIELD,
        VerifyError::BadSignature { .. } => kind::INVALID_SIGNATURE,
        VerifyError::Certificate(_) => kind::CERTIFICATE,
        VerifyError::Sigstore(_) => kind::SIGSTORE,
        _ => kind::VALUE,
    }
}

pub(crate) fn os_error(path: &std::path::Path, source: &std::io::Error, message: String) -> PyErr {
    let details = Details {
        errno: source.raw_os_error(),
        filename: Some(path.to_string_lossy().into_owned()),
        note: Some(message.clone()),
        ..Details::default()
    };
    error_with(kind::OS, message, details)
}

fn mismatch(report: &VerificationReport, message: String) -> PyErr {
    let details = Details {
        added: report.added.clone(),
        missing: report.missing.clone(),
        ignored: report.ignored.iter().map(|i| i.name.clone()).collect(),
        changed: report
            .changed
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.expected.algorithm.clone(),
                    c.expected.hex(),
                    c.actual.algorithm.clone(),
                    c.actual.hex(),
                )
            })
            .collect(),
        listing_only: report.listing_only,
        note: Some(message.clone()),
        ..Details::default()
    };
    error_with(kind::MISMATCH, message, details)
}

pub(crate) fn from_core(e: model_signing::Error) -> PyErr {
    let ours = e.to_string();
    match &e {
        model_signing::Error::Mismatch(report) => return mismatch(report, ours),
        model_signing::Error::Io { path, source }
        | model_signing::Error::Write { path, source } => return os_error(path, source, ours),
        // The reference reads the signature with `read_text`, which fails on a directory
        // with IsADirectoryError; other non-files stay ours (a ValueError, never a blocking read).
        model_signing::Error::SignatureNotAFile { path, found } if *found == "a directory" => {
            let eisdir = std::io::Error::from_raw_os_error(EISDIR);
            return os_error(path, &eisdir, ours);
        }
        _ => {}
    }
    if let Some((k, text)) = reference_wording::of(&e) {
        let details = Details {
            note: Some(ours),
            ..Details::default()
        };
        return error_with(k, text, details);
    }
    let k = match &e {
        model_signing::Error::Verify(v) => verify_kind(v),
        _ => kind::VALUE,
    };
    error(k, ours)
}
