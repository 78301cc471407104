//! The reference's own words for the failures a caller may match on: code written against
//! `model_signing` 1.1.1 compares these strings (or at least shows them), so the message is
//! the reference's and our fuller explanation goes into the exception's note. Each kind is the
//! exception class the reference raises for that failure (see `errors::kind`).

use model_signing::{Error, SignError, VerifyError};
use oms_format::bundle::{BundleError, BUNDLE_MEDIA_TYPE};
use oms_keys::certificate::CertError;
use oms_keys::KeyError;

use crate::errors::kind;

/// `(kind, message)` as the reference raises it, when it words this failure itself.
pub(crate) fn of(e: &Error) -> Option<(&'static str, String)> {
    match e {
        Error::Sign(SignError::Key(k)) | Error::Verify(VerifyError::Key(k)) => key(k),
        Error::Verify(VerifyError::KeyMismatch { .. }) => Some((
            kind::VALUE,
            // The trailing space is the reference's.
            "Key mismatch: The public key hash in the signature's verification material does \
             not match the provided public key. "
                .to_string(),
        )),
        Error::Verify(VerifyError::MediaType { expected, found }) => Some((
            kind::VALUE,
            format!("Invalid sigstore bundle, got media type {found} but expected {expected}"),
        )),
        // The reference's bundle model refuses an unknown media type before its own check
        // can word it (pydantic's text); the media types both accept are worded as its check.
        Error::Verify(VerifyError::Bundle(BundleError::UnsupportedMediaType { found })) => Some((
            kind::VALUE,
            format!(
                "Invalid sigstore bundle, got media type {found} but expected \
                     {BUNDLE_MEDIA_TYPE}"
            ),
        )),
        Error::Verify(VerifyError::Certificate(CertError::NotForSigning { .. })) => Some((
            kind::VALUE,
            "Signing certificate cannot be used for signing".to_string(),
        )),
        _ => None,
    }
}

/// The key errors `cryptography` (password handling) and the reference (curve check) word.
fn key(k: &KeyError) -> Option<(&'static str, String)> {
    let worded = match k {
        KeyError::PasswordRequired => (
            kind::TYPE,
            "Password was not given but private key is encrypted".to_string(),
        ),
        KeyError::PasswordNotNeeded => (
            kind::TYPE,
            "Password was given but private key is not encrypted.".to_string(),
        ),
        KeyError::WrongPassword => (
            kind::VALUE,
            "Incorrect password, could not decrypt key".to_string(),
        ),
        KeyError::UnsupportedKeyType { found } => match found.strip_prefix("an EC key on curve ") {
            Some(curve) => (kind::VALUE, format!("Unsupported key for curve '{curve}'")),
            // An EC key we cannot name (explicit parameters, unknown OID): ours says why.
            None if found.starts_with("an EC key") => return None,
            // RSA, Ed25519, …: the reference has no message of its own (AttributeError).
            None => (kind::UNSUPPORTED_KEY, k.to_string()),
        },
        _ => return None,
    };
    Some(worded)
}
