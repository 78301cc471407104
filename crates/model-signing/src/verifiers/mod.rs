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

/// Media types the key and certificate methods accept: the one the reference writes, and the
/// older Sigstore spelling of the same version.
const KEY_MEDIA_TYPES: [&str; 2] = [
    bundle::BUNDLE_MEDIA_TYPE,
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
];

pub(crate) fn material_name(m: &VerificationMaterial) -> &'static str {
    match m {
        VerificationMaterial::PublicKey { .. } => "a public key (`key` method)",
        VerificationMaterial::X509CertificateChain(_) => {
            "an X.509 certificate chain (`certificate` method)"
        }
        VerificationMaterial::Certificate(_) => "a Sigstore certificate (`sigstore` method)",
    }
}

pub(crate) fn method_command(m: &VerificationMaterial) -> &'static str {
    match m {
        VerificationMaterial::PublicKey { .. } => "model_signing verify key",
        VerificationMaterial::X509CertificateChain(_) => "model_signing verify certificate",
        VerificationMaterial::Certificate(_) => "model_signing verify sigstore",
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
        reason: current.err().unwrap_or_default(),
    })
}
