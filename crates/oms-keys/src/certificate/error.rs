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
        "name constraint violation: '{subject}' has the name {name}, which is within none of \
         the subtrees '{ca}' permits for that form: expected one of {permitted}"
    )]
    NameNotPermitted {
        subject: String,
        name: String,
        ca: String,
        permitted: String,
    },

    #[error(
        "name constraint violation: '{subject}' has the name {name}, which is within the \
         subtree {excluded} that '{ca}' excludes"
    )]
    NameExcluded {
        subject: String,
        name: String,
        ca: String,
        excluded: String,
    },

    #[error(
        "unsupported name constraint type: '{ca}' constrains {form} names and '{subject}' has \
         the name {name}, which this verifier cannot match: refusing the chain rather than \
         ignoring the constraint"
    )]
    UnsupportedNameConstraint {
        subject: String,
        name: String,
        ca: String,
        form: &'static str,
    },

    #[error("unsupported or invalid name syntax: '{subject}' has {name}: expected {expected}")]
    UnsupportedNameSyntax {
        subject: String,
        name: String,
        expected: &'static str,
    },

    #[error(
        "unsupported or invalid name constraint: '{ca}' has the subtree {constraint} with \
         minimum {minimum} and maximum {maximum:?}: expected minimum 0 and no maximum"
    )]
    InvalidNameSubtree {
        ca: String,
        constraint: String,
        minimum: u32,
        maximum: Option<u32>,
    },

    #[error(
        "excessive name constraints: '{subject}' has {names} names and '{ca}' has \
         {constraints} subtrees: expected at most {max} comparisons"
    )]
    TooManyNameConstraints {
        subject: String,
        ca: String,
        names: usize,
        constraints: usize,
        max: usize,
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
