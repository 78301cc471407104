//! Verifiers for the key and certificate methods, and Sigstore keyless with the `sigstore`
//! feature.

mod certificate;
mod key;
#[cfg(feature = "sigstore-verify")]
mod sigstore;

pub use certificate::CertificateVerifier;
pub use key::KeyVerifier;
#[cfg(feature = "sigstore-verify")]
pub use sigstore::SigstoreVerifier;

use oms_format::bundle::{self, Bundle, VerificationMaterial};
use oms_format::dsse;

use crate::VerifyError;

/// The only media type the key and certificate methods accept, as the reference's verifiers do:
/// its older spelling `…bundle+json;version=0.3` is refused too, so a signature that one of the two
/// tools refuses is never accepted by the other (the media type is not signed, so accepting more
/// would add nothing but a way to disagree).
const KEY_MEDIA_TYPES: [&str; 1] = [bundle::BUNDLE_MEDIA_TYPE];

/// How a bundle was signed, by what its verification material holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// A public key (`publicKey`).
    Key,
    /// An X.509 certificate chain (`x509CertificateChain`).
    Certificate,
    /// Sigstore keyless: a Fulcio certificate (`certificate`).
    Sigstore,
}

impl SignatureMethod {
    pub fn of(material: &VerificationMaterial) -> Self {
        match material {
            VerificationMaterial::PublicKey { .. } => Self::Key,
            VerificationMaterial::X509CertificateChain(_) => Self::Certificate,
            VerificationMaterial::Certificate(_) => Self::Sigstore,
        }
    }

    /// The method's name: `key`, `certificate` or `sigstore`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Certificate => "certificate",
            Self::Sigstore => "sigstore",
        }
    }
}

impl std::fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub(crate) fn check_media_type(b: &Bundle) -> Result<(), VerifyError> {
    if KEY_MEDIA_TYPES.contains(&b.media_type.as_str()) {
        Ok(())
    } else {
        Err(VerifyError::MediaType {
            expected: bundle::BUNDLE_MEDIA_TYPE.to_string(),
            found: b.media_type.clone(),
        })
    }
}

/// The first DSSE signature (the reference uses only that one for key and certificate).
pub(crate) fn first_signature(b: &Bundle) -> Result<&[u8], VerifyError> {
    b.envelope
        .signatures
        .first()
        .map(|s| s.sig.as_slice())
        .ok_or(VerifyError::NoSignature)
}

/// Checked after the signature, like the reference: the signed PAE uses the constant type.
pub(crate) fn check_payload_type(b: &Bundle) -> Result<(), VerifyError> {
    if b.envelope.payload_type == dsse::PAYLOAD_TYPE {
        Ok(())
    } else {
        Err(VerifyError::PayloadType {
            expected: dsse::PAYLOAD_TYPE.to_string(),
            found: b.envelope.payload_type.clone(),
        })
    }
}

/// Verifies the envelope's signature over the DSSE PAE; if that fails, over the v0.2 PAE
/// (with `legacy_verify`, whose hash differs between the key and certificate methods).
pub(crate) fn verify_pae(
    b: &Bundle,
    signer: &str,
    verify: impl Fn(&[u8], &[u8]) -> Result<(), String>,
    legacy_verify: impl Fn(&[u8], &[u8]) -> Result<(), String>,
) -> Result<(), VerifyError> {
    let sig = first_signature(b)?;
    let payload = &b.envelope.payload;
    let current = verify(&dsse::pae(dsse::PAYLOAD_TYPE, payload), sig);
    if current.is_ok() || legacy_verify(&dsse::legacy_pae(dsse::PAYLOAD_TYPE, payload), sig).is_ok()
    {
        return Ok(());
    }
    Err(VerifyError::BadSignature {
        signer: signer.to_string(),
        reason: match current {
            Err(reason) => reason,
            Ok(()) => "the signature was accepted and refused at once".to_string(),
        },
    })
}
