//! One error type for the crate. Every verification failure names the check that
//! failed; the text sigstore-verify gave is kept in `detail`.

use std::path::PathBuf;

/// Everything that can go wrong while loading trust material, inspecting or
/// verifying a Sigstore bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SigstoreError {
    // ---- trust material -------------------------------------------------------------
    /// A trust file could not be read.
    #[error("cannot read trust material {path}: {source}")]
    TrustRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// Trust material is not the JSON we expect (a field is missing, has the wrong
    /// type or value).
    #[error("invalid trust material {origin}: field `{field}`: {reason}")]
    TrustFormat {
        /// Where the material came from (a path or `embedded public-good root`).
        origin: String,
        /// JSON path of the offending field (`.` for the whole document).
        field: String,
        /// What was expected and what was found.
        reason: String,
    },

    /// The trusted root parsed, but its keys or certificates are unusable.
    #[error("unusable trusted root {origin}: {detail}")]
    TrustRootUnusable {
        /// Where the material came from.
        origin: String,
        /// sigstore-verify's explanation.
        detail: String,
    },

    // ---- policy ---------------------------------------------------------------------
    /// A `--identity-regexp` / issuer regex does not compile.
    #[error("invalid regular expression for {what} `{pattern}`: {reason}")]
    InvalidPattern {
        /// Which constraint the pattern is for (`identity`, `issuer`).
        what: &'static str,
        /// The pattern as given.
        pattern: String,
        /// The regex compiler's message.
        reason: String,
    },

    /// No SAN of the certificate matches the identity policy.
    #[error(
        "Certificate's SANs do not match {expected}; actual SANs: {}",
        python_set(.actual)
    )]
    IdentityMismatch {
        /// The identity (or pattern) the policy asked for.
        expected: String,
        /// Every SAN value of the certificate.
        actual: Vec<String>,
    },

    /// The certificate's OIDC issuer does not match the policy.
    #[error("Certificate's OIDCIssuer does not match (got '{actual}', expected '{expected}')")]
    IssuerMismatch {
        /// The issuer (or pattern) the policy asked for.
        expected: String,
        /// The issuer in the certificate.
        actual: String,
    },

    /// The certificate carries no OIDC issuer extension at all.
    #[error(
        "Certificate does not contain OIDCIssuer (1.3.6.1.4.1.57264.1.1) extension \
         (nor its v2 form 1.3.6.1.4.1.57264.1.8)"
    )]
    IssuerMissing,

    /// A GitHub Actions constraint (workflow repository or ref) does not hold.
    #[error(
        "Certificate's {claim} does not match (got '{}', expected '{expected}')",
        .actual.as_deref().unwrap_or("<absent>")
    )]
    GitHubClaimMismatch {
        /// `GitHub workflow repository` or `GitHub workflow ref`.
        claim: &'static str,
        /// What the policy asked for.
        expected: String,
        /// What the certificate says, if anything.
        actual: Option<String>,
    },

    // ---- bundle shape ---------------------------------------------------------------
    /// The DSSE envelope's payload type is not the in-toto type model signatures use.
    #[error("unexpected DSSE payload type {found:?}: expected {expected:?}")]
    PayloadType {
        /// `application/vnd.in-toto+json`.
        expected: &'static str,
        /// The envelope's `payloadType`.
        found: String,
    },

    /// The bundle is larger than any signature a signer writes; it is not parsed.
    #[error("the Sigstore bundle is {size} bytes, more than the limit of {limit} bytes")]
    BundleTooLarge {
        /// Its size in bytes.
        size: usize,
        /// [`oms_format::limits::MAX_BUNDLE_BYTES`].
        limit: usize,
    },

    /// The bundle is not valid JSON / not a Sigstore bundle.
    #[error("invalid Sigstore bundle: {detail}")]
    BundleFormat {
        /// What is wrong with it.
        detail: String,
    },

    /// The bundle must hold exactly one transparency log entry.
    #[error("expected exactly one transparency log entry in the bundle, found {found}")]
    TlogEntryCount {
        /// How many there are.
        found: usize,
    },

    /// The DSSE payload does not give the subject digest we bind the bundle to.
    #[error("DSSE payload has no usable subject[0].digest.sha256: {detail}")]
    PayloadSubject {
        /// What is wrong with it.
        detail: String,
    },

    /// The leaf certificate could not be parsed, or a Fulcio claim in it is
    /// malformed.
    #[error("malformed signing certificate: {detail}")]
    CertificateMalformed {
        /// What is wrong with it.
        detail: String,
    },

    /// The bundle uses content, keys or log entry kinds that are not supported.
    #[error("unsupported Sigstore bundle: {detail}")]
    Unsupported {
        /// sigstore-verify's explanation.
        detail: String,
    },

    // ---- cryptographic checks -------------------------------------------------------
    /// The leaf does not chain to a trusted Fulcio CA (or lacks code signing usage).
    #[error("certificate chain check failed: {detail}")]
    CertificateChain {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// A verified time lies outside the leaf certificate's validity window.
    #[error("certificate validity check failed: {detail}")]
    CertificateValidity {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The embedded Signed Certificate Timestamp does not verify.
    #[error("SCT check failed: {detail}")]
    Sct {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The log entry's Signed Entry Timestamp (inclusion promise) does not verify.
    #[error("SET (inclusion promise) check failed: {detail}")]
    SignedEntryTimestamp {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The Merkle inclusion proof does not verify.
    #[error("inclusion proof check failed: {detail}")]
    InclusionProof {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The checkpoint (signed tree head) is malformed or not signed by a trusted log.
    #[error("checkpoint check failed: {detail}")]
    Checkpoint {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The entry names a log that is not in the trusted root.
    #[error("transparency log check failed: {detail}")]
    UnknownLog {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The entry's integratedTime is in the future or outside the certificate window.
    #[error("integrated time check failed: {detail}")]
    IntegratedTime {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The Rekor entry body does not describe this bundle (payloadHash, signature
    /// or verifier differ).
    #[error("log entry / payload consistency check failed: {detail}")]
    PayloadMismatch {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The Rekor entry body cannot be parsed.
    #[error("malformed transparency log entry: {detail}")]
    MalformedLogEntry {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// An RFC 3161 timestamp does not verify, or there are too many / duplicates.
    #[error("RFC 3161 timestamp check failed: {detail}")]
    Timestamp {
        /// What is wrong with it.
        detail: String,
    },

    /// No trusted signing time could be established (no TSA timestamp, no SET).
    #[error("verified time check failed: {detail}")]
    NoVerifiedTime {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The DSSE signature does not verify over the PAE with the leaf's key.
    #[error("signature check failed: {detail}")]
    Signature {
        /// sigstore-verify's explanation.
        detail: String,
    },

    /// The statement's subject does not match the digest it was bound to.
    #[error("artifact binding check failed: {detail}")]
    ArtifactMismatch {
        /// sigstore-verify's explanation.
        detail: String,
    },

    // ---- signing --------------------------------------------------------------------
    /// Keyless signing failed (service selection, identity token, Fulcio, Rekor, TSA).
    #[cfg(feature = "sign")]
    #[error(transparent)]
    Signing(#[from] crate::sign::SigningError),

    /// A failure sigstore-verify reported that fits none of the above.
    #[error("Sigstore verification failed: {detail}")]
    Other {
        /// sigstore-verify's explanation.
        detail: String,
    },
}

/// Renders like a Python `set` of `str` (what the reference prints), sorted so
/// the message is stable.
fn python_set(values: &[String]) -> String {
    if values.is_empty() {
        return "set()".to_owned();
    }
    let mut sorted: Vec<&String> = values.iter().collect();
    sorted.sort();
    let inner: Vec<String> = sorted.iter().map(|v| format!("'{v}'")).collect();
    format!("{{{}}}", inner.join(", "))
}

impl From<sigstore_verify::Error> for SigstoreError {
    fn from(err: sigstore_verify::Error) -> Self {
        use sigstore_verify::{CertificateError, Error, TimestampError, TransparencyLogError};
        let detail = err.to_string();
        match err {
            Error::SignatureInvalid(_) => Self::Signature { detail },
            Error::ArtifactMismatch(_) => Self::ArtifactMismatch { detail },
            Error::UnsupportedArtifact(_) | Error::UnsupportedBundle(_) => {
                Self::Unsupported { detail }
            }
            Error::InvalidBundle(_) | Error::Bundle(_) | Error::Types(_) => {
                Self::BundleFormat { detail }
            }
            Error::InvalidTrustRoot(_) | Error::TrustRoot(_) | Error::TrustedCertificate(_) => {
                Self::TrustRootUnusable {
                    origin: "trusted root".to_owned(),
                    detail,
                }
            }
            Error::Certificate(cert) => match cert {
                CertificateError::Malformed(_) => Self::CertificateMalformed { detail },
                CertificateError::Sct(_) => Self::Sct { detail },
                CertificateError::NotYetValid { .. } | CertificateError::Expired { .. } => {
                    Self::CertificateValidity { detail }
                }
                _ => Self::CertificateChain { detail },
            },
            Error::TransparencyLog(log) => match log {
                TransparencyLogError::UnknownLog { .. } => Self::UnknownLog { detail },
                TransparencyLogError::InclusionProof(_) => Self::InclusionProof { detail },
                TransparencyLogError::Checkpoint(_) => Self::Checkpoint { detail },
                TransparencyLogError::InclusionPromise(_) => Self::SignedEntryTimestamp { detail },
                TransparencyLogError::EntryMismatch(_) => Self::PayloadMismatch { detail },
                TransparencyLogError::IntegratedTime(_) => Self::IntegratedTime { detail },
                _ => Self::MalformedLogEntry { detail },
            },
            Error::Timestamp(ts) => match ts {
                TimestampError::NoVerifiedTimestamp(_) => Self::NoVerifiedTime { detail },
                _ => Self::Timestamp { detail },
            },
            Error::IdentityMismatch { .. } | Error::IssuerMismatch { .. } => Self::Other { detail },
            _ => Self::Other { detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_message_matches_reference_shape() {
        let err = SigstoreError::IdentityMismatch {
            expected: "x".into(),
            actual: vec!["b@x".into(), "a@x".into()],
        };
        assert_eq!(
            err.to_string(),
            "Certificate's SANs do not match x; actual SANs: {'a@x', 'b@x'}"
        );
    }

    #[test]
    fn entry_mismatch_is_a_payload_mismatch() {
        let err: SigstoreError =
            sigstore_verify::Error::from(sigstore_verify::TransparencyLogError::EntryMismatch(
                "DSSE payload hash mismatch".into(),
            ))
            .into();
        assert!(matches!(err, SigstoreError::PayloadMismatch { .. }));
        assert_eq!(
            err.to_string(),
            "log entry / payload consistency check failed: log entry does not match the bundle: \
             DSSE payload hash mismatch"
        );
    }
}
