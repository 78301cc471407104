//! Why a certificate or chain was refused. Each variant names the certificate by its subject.

use crate::KeyError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("malformed PEM: {reason}")]
    MalformedPem { reason: String },

    #[error("no PEM certificate (-----BEGIN CERTIFICATE-----) found")]
    NoCertificates,

    #[error("cannot parse {which} as an X.509 certificate: {reason}")]
    Parse { which: String, reason: String },

    #[error("cannot parse extension {oid} of certificate '{subject}': {reason}")]
    BadExtension {
        subject: String,
        oid: String,
        reason: String,
    },

    #[error("the certificate chain is empty: expected the signing certificate first")]
    EmptyChain,

    #[error("no trusted certificates were given to verify the chain against")]
    NoTrustAnchors,

    #[error(
        "unable to get issuer certificate: the issuer '{issuer}' of '{subject}' is neither in \
         the chain nor among the trusted certificates"
    )]
    IssuerNotFound { subject: String, issuer: String },

    #[error("self-signed certificate '{subject}' is not among the trusted certificates")]
    UntrustedRoot { subject: String },

    #[error(
        "certificate signature failure: the signature on '{subject}' does not verify with the key \
         of its issuer '{issuer}': {reason}"
    )]
    BadSignature {
        subject: String,
        issuer: String,
        reason: String,
    },

    #[error(
        "certificate '{subject}' is not yet valid at {at} (the signing certificate's notBefore, \
         the verification time): its notBefore is {not_before}"
    )]
    NotYetValid {
        subject: String,
        at: String,
        not_before: String,
    },

    #[error(
        "certificate '{subject}' has expired at {at} (the signing certificate's notBefore, the \
         verification time): its notAfter is {not_after}"
    )]
    Expired {
        subject: String,
        at: String,
        not_after: String,
    },

    #[error("invalid CA certificate '{subject}': it issues a certificate but is not marked basicConstraints CA:TRUE")]
    NotACa { subject: String },

    #[error("invalid CA certificate '{subject}': its keyUsage does not include keyCertSign")]
    MissingKeyCertSign { subject: String },

    #[error(
        "path length constraint exceeded: '{subject}' allows {path_len} intermediate \
         certificate(s) below it, found {found}"
    )]
    PathLengthExceeded {
        subject: String,
        path_len: u8,
        found: usize,
    },

    #[error("unhandled critical extension {oid} in certificate '{subject}'")]
    UnhandledCriticalExtension { subject: String, oid: String },

    #[error(
        "certificate '{subject}' marks {extension} ({oid}) critical, and this verifier does not \
         enforce that constraint: refusing the certificate rather than ignoring it"
    )]
    UnsupportedCriticalExtension {
        subject: String,
        extension: &'static str,
        oid: String,
    },

    #[error(
        "the certificate chain of '{subject}' is longer than {max} certificates (the signing \
         certificate, its intermediates and the trusted root)"
    )]
    ChainTooLong { subject: String, max: usize },

    #[error(
        "{found} certificates were given as the chain: expected at most {max}, the most a \
         certificate path may hold"
    )]
    TooManyCertificates { found: usize, max: usize },

    #[error(
        "Signing certificate cannot be used for signing: '{subject}' has neither KeyUsage \
         digitalSignature nor ExtendedKeyUsage codeSigning"
    )]
    NotForSigning { subject: String },

    #[error("unsupported key in certificate '{subject}': {source}")]
    UnsupportedKey { subject: String, source: KeyError },

    #[error(
        "The public key from the certificate does not match the public key paired with the \
         private key"
    )]
    KeyMismatch,
}
