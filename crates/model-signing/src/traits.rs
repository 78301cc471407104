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
    pub warnings: Vec<VerifierNote>,
}

/// Something a verifier noticed that does not fail verification, as data: the CLI decides
/// how to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierNote {
    /// A key bundle without a public key hint (the format before 1.0): the signature verified
    /// with the given key, but re-signing records which key that is.
    MissingKeyHint,
    /// A certificate's SHA-256 fingerprint (`AA:BB:...`), when the verifier was asked for them.
    CertificateFingerprint {
        role: CertificateRole,
        sha256: String,
    },
    /// RFC 3161 timestamps that were not used as evidence because no timestamp authority of
    /// the trusted root signed them (the reference ignores them too).
    IgnoredTimestamps { count: usize },
}

impl std::fmt::Display for VerifierNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifierNote::MissingKeyHint => f.write_str(
                "This model's signature uses an older verification material format. Please \
                 re-sign with an updated signer to use a public key identifier hash.",
            ),
            VerifierNote::IgnoredTimestamps { count } => write!(
                f,
                "{count} RFC 3161 timestamp(s) in the signature were ignored: no timestamp \
                 authority of the trusted root signed them"
            ),
            VerifierNote::CertificateFingerprint { role, sha256 } => {
                let role = match role {
                    CertificateRole::TrustAnchor => "trust anchor",
                    CertificateRole::BundleChain => "signature chain",
                };
                write!(f, "{role} certificate sha256 fingerprint {sha256}")
            }
        }
    }
}

/// Where a fingerprinted certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRole {
    /// A trusted root the verifier was given.
    TrustAnchor,
    /// A certificate of the bundle's chain (signing certificate first).
    BundleChain,
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
    #[error(
        "the signature was made with the {found} method, but the {expected} method was asked \
         to verify it"
    )]
    WrongMethod {
        expected: crate::SignatureMethod,
        found: crate::SignatureMethod,
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
    #[error("no trusted root certificate was given: expected the root of the signing certificate's chain")]
    NoTrustAnchors,
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
