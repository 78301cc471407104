//! Errors from talking to a PKCS#11 module.

use std::path::PathBuf;

use crate::uri_error::UriError;

#[derive(Debug, thiserror::Error)]
pub enum Pkcs11Error {
    #[error(transparent)]
    Uri(#[from] UriError),

    #[error("cannot load PKCS#11 module {path}: {source}")]
    ModuleLoad {
        path: PathBuf,
        source: cryptoki::error::Error,
    },

    #[error("PKCS#11 module {path}: C_Initialize failed: {source}")]
    Initialize {
        path: PathBuf,
        source: cryptoki::error::Error,
    },

    #[error("PKCS#11 {operation} failed: {source}")]
    Call {
        operation: &'static str,
        source: cryptoki::error::Error,
    },

    #[error(
        "the PKCS#11 URI has the vendor-specific path attribute '{name}', which this \
         implementation does not know, so no token or object can match it (RFC 7512 §2.5)"
    )]
    UnknownVendorPathAttribute { name: String },

    #[error(
        "no PKCS#11 token matches {wanted}; available tokens: {}",
        list_or_none(available)
    )]
    TokenNotFound {
        wanted: String,
        available: Vec<String>,
    },

    #[error(
        "more than one PKCS#11 token matches {wanted}, add 'token' or 'slot-id' to the URI; \
         matching tokens: {}",
        list_or_none(matching)
    )]
    AmbiguousToken {
        wanted: String,
        matching: Vec<String>,
    },

    #[error("the PIN for PKCS#11 token '{token}' is incorrect")]
    PinIncorrect { token: String },

    #[error("the PIN for PKCS#11 token '{token}' is locked")]
    PinLocked { token: String },

    #[error("cannot log in to PKCS#11 token '{token}': {source}")]
    Login {
        token: String,
        source: cryptoki::error::Error,
    },

    #[error("the PKCS#11 URI names no key: it needs 'id' and/or 'object'")]
    NoObjectSelector,

    #[error(
        "no EC private key with {selector} on PKCS#11 token '{token}'{}",
        if *logged_in { "" } else {
            " (no PIN was given: private keys are usually visible only after login with \
             'pin-value' or 'pin-source')"
        }
    )]
    PrivateKeyNotFound {
        selector: String,
        token: String,
        logged_in: bool,
    },

    #[error(
        "the private key with {selector} on PKCS#11 token '{token}' is of type {key_type}; \
         only elliptic curve keys are supported"
    )]
    UnsupportedKeyType {
        selector: String,
        token: String,
        key_type: String,
    },

    #[error(
        "no public key with {selector} on PKCS#11 token '{token}', and the private key does \
         not expose CKA_EC_PARAMS and CKA_EC_POINT"
    )]
    PublicKeyNotFound { selector: String, token: String },

    #[error(
        "unsupported EC curve with OID {oid} (supported: P-256 1.2.840.10045.3.1.7, \
         P-384 1.3.132.0.34, P-521 1.3.132.0.35)"
    )]
    UnsupportedCurve { oid: String },

    #[error("invalid CKA_EC_PARAMS: expected a DER named-curve OID, found {found}")]
    InvalidEcParams { found: String },

    #[error("invalid CKA_EC_POINT for {curve}: expected a SEC1 point, optionally in a DER OCTET STRING ({found})")]
    InvalidEcPoint { curve: &'static str, found: String },

    #[error("PKCS#11 signing returned {found} bytes, expected a raw r||s ECDSA signature of {expected} bytes for {curve}")]
    InvalidRawSignature {
        curve: &'static str,
        expected: usize,
        found: usize,
    },
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
