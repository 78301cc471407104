//! Signature checks Rekor performs before logging: the submitted signature
//! must verify with the submitted verifier (certificate or public key).

use crate::error::HarnessError;
use crate::pki;
use der::{Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use x509_cert::Certificate;

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A verifier as submitted: a certificate or a bare public key.
pub enum Verifier509 {
    /// DER certificate.
    Certificate(Vec<u8>),
    /// DER SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
}

impl Verifier509 {
    /// Parse PEM text holding a CERTIFICATE or a PUBLIC KEY.
    pub fn from_pem(endpoint: &'static str, text: &str) -> Result<Verifier509, HarnessError> {
        if let Some(der) = pki::pem_decode("CERTIFICATE", text) {
            return Ok(Verifier509::Certificate(der));
        }
        if let Some(der) = pki::pem_decode("PUBLIC KEY", text) {
            return Ok(Verifier509::PublicKey(der));
        }
        Err(HarnessError::bad(
            endpoint,
            "verifier is neither a CERTIFICATE nor a PUBLIC KEY PEM",
        ))
    }

    /// Canonical PEM text, as Rekor stores it (Go's `pem.Encode` layout).
    pub fn canonical_pem(&self) -> String {
        match self {
            Verifier509::Certificate(der) => pki::pem("CERTIFICATE", der),
            Verifier509::PublicKey(der) => pki::pem("PUBLIC KEY", der),
        }
    }

    /// The P-256 verifying key.
    pub fn key(&self, endpoint: &'static str) -> Result<VerifyingKey, HarnessError> {
        let spki = match self {
            Verifier509::Certificate(der) => Certificate::from_der(der)
                .and_then(|cert| cert.tbs_certificate.subject_public_key_info.to_der())
                .map_err(|e| HarnessError::bad(endpoint, format!("verifier certificate: {e}")))?,
            Verifier509::PublicKey(der) => der.clone(),
        };
        VerifyingKey::from_public_key_der(&spki).map_err(|e| {
            HarnessError::bad(endpoint, format!("verifier key is not ECDSA P-256: {e}"))
        })
    }
}

/// Verify a DER ECDSA-SHA256 signature over `message`.
pub fn verify_message(
    endpoint: &'static str,
    key: &VerifyingKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), HarnessError> {
    let signature = DerSignature::from_bytes(signature)
        .map_err(|_| HarnessError::bad(endpoint, "signature is not DER ECDSA"))?;
    key.verify(message, &signature)
        .map_err(|_| HarnessError::bad(endpoint, "signature does not verify with the verifier"))
}

/// Verify a DER ECDSA signature over a precomputed SHA-256 digest.
pub fn verify_digest(
    endpoint: &'static str,
    key: &VerifyingKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), HarnessError> {
    let signature = p256::ecdsa::Signature::from_der(signature)
        .map_err(|_| HarnessError::bad(endpoint, "signature is not DER ECDSA"))?;
    key.verify_prehash(digest, &signature)
        .map_err(|_| HarnessError::bad(endpoint, "signature does not verify over the digest"))
}
