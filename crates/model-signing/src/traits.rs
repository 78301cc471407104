//! The two seams where signing methods plug in.

/// Turns an in-toto statement into a signed Sigstore bundle (JSON bytes).
pub trait Signer {
    fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// Checks a bundle's signature and trust, and returns the statement it authenticates.
pub trait BundleVerifier {
    fn verify(&self, bundle: &[u8]) -> Result<VerifiedPayload, VerifyError>;
}

/// A statement whose signature and signer were verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayload {
    /// The exact statement bytes that were signed.
    pub payload: Vec<u8>,
    /// Who signed, for people: a key hint, a certificate subject or a Sigstore identity.
    pub signer: String,
    /// Things the user should know that do not fail verification (e.g. an old bundle format).
    pub warnings: Vec<String>,
}

/// Why a signer could not sign.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Key(#[from] oms_keys::KeyError),
    #[error(transparent)]
    Certificate(#[from] oms_keys::certificate::CertError),
    #[cfg(feature = "pkcs11")]
    #[error(transparent)]
    Pkcs11(#[from] oms_pkcs11::Pkcs11Error),
    #[cfg(feature = "sigstore")]
    #[error(transparent)]
    Sigstore(#[from] oms_sigstore::SigstoreError),
    #[error("{0}")]
    Other(String),
}

/// Why a bundle's signature or signer was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the signature bundle: {0}")]
    Bundle(#[from] oms_format::bundle::BundleError),
    #[error("the signature was made with {found}, but `{method}` verification expects {expected}; verify it with `{hint}`")]
    WrongMethod {
        method: &'static str,
        expected: &'static str,
        found: &'static str,
        hint: &'static str,
    },
    #[error("unsupported bundle media type {found:?}: expected {expected:?}")]
    MediaType { expected: String, found: String },
    #[error("Key mismatch: the public key hint in the signature ({expected}) does not match the provided public key ({found})")]
    KeyMismatch { expected: String, found: String },
    #[error("the bundle's DSSE envelope has no signature")]
    NoSignature,
    #[error("invalid signature: the DSSE signature does not verify with {signer}: {reason}")]
    BadSignature { signer: String, reason: String },
    #[error("unexpected payload type {found:?}: expected {expected:?}")]
    PayloadType { expected: String, found: String },
    #[error(transparent)]
    Certificate(#[from] oms_keys::certificate::CertError),
    #[error(transparent)]
    Key(#[from] oms_keys::KeyError),
    #[cfg(feature = "sigstore-verify")]
    #[error(transparent)]
    Sigstore(#[from] oms_sigstore::SigstoreError),
    #[error("{0}")]
    Other(String),
}
