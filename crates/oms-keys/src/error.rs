//! Errors from loading keys and from signing or verifying with them.

use crate::Curve;

/// What the user is told when a key or signature cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no PEM block found: expected {expected}")]
    NoPemBlock { expected: &'static str },

    #[error("malformed PEM: {reason}")]
    MalformedPem { reason: String },

    #[error("expected {expected}, found a PEM block labelled '{found}'")]
    UnexpectedPemLabel {
        expected: &'static str,
        found: String,
    },

    #[error(
        "the private key uses legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED), which is not \
         supported; convert it to encrypted PKCS#8 with \
         `openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD.pem -out NEW.pem`"
    )]
    LegacyEncryptedPem,

    #[error("the private key is encrypted (ENCRYPTED PRIVATE KEY) but no password was given")]
    PasswordRequired,

    #[error("a password was given but the private key is not encrypted")]
    PasswordNotNeeded,

    #[error("could not decrypt the private key: wrong password or corrupted key")]
    WrongPassword,

    #[error("the encrypted private key uses an unsupported encryption scheme: {reason}")]
    UnsupportedEncryption { reason: String },

    #[error("Only elliptic curve keys on P-256, P-384 or P-521 are supported; found {found}")]
    UnsupportedKeyType { found: String },

    #[error("invalid {what}: {reason}")]
    InvalidKey { what: &'static str, reason: String },

    #[error(
        "expected an ASN.1 DER ECDSA signature, found {len} bytes that are not DER \
         (a raw r||s / IEEE P1363 signature?)"
    )]
    SignatureNotDer { len: usize },

    #[error("signature verification failed (ECDSA {curve} with {hash})")]
    InvalidSignature { curve: Curve, hash: &'static str },

    #[error("could not encode the key: {reason}")]
    Encode { reason: String },
}
