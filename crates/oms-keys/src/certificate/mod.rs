//! X.509 for the `certificate` method: reading PEM chains, fingerprints, the signing
//! certificate's key, and chain verification with the reference's semantics.

mod chain;
mod error;
mod name_constraints;
mod name_match;
mod parsed;

use sha2::{Digest, Sha256};

pub use chain::{verify_chain, MAX_PATH};
pub use error::CertError;
use parsed::ParsedCert;

use crate::{pem, SigningKey, VerifyingKey};

/// The DER of every `CERTIFICATE` block in `bytes`, in order; text around blocks is ignored.
pub fn parse_pem_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let blocks = pem::parse_blocks(bytes).map_err(|reason| CertError::MalformedPem { reason })?;
    let certs: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.der)
        .collect();
    if certs.is_empty() {
        return Err(CertError::NoCertificates);
    }
    for (i, der) in certs.iter().enumerate() {
        ParsedCert::parse(der, &format!("PEM certificate #{i}"))?;
    }
    Ok(certs)
}

/// SHA-256 of the DER as `AA:BB:...` (what `--log_fingerprints` prints).
pub fn fingerprint_sha256(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The certificate's public key; only P-256/P-384/P-521 EC keys are accepted.
pub fn leaf_verifying_key(der: &[u8]) -> Result<VerifyingKey, CertError> {
    leaf_key(&ParsedCert::parse(der, "the signing certificate")?)
}

/// Signing-time check that `cert_der` certifies `key`'s public key.
pub fn check_key_matches_certificate(key: &SigningKey, cert_der: &[u8]) -> Result<(), CertError> {
    if leaf_verifying_key(cert_der)? == key.verifying_key() {
        Ok(())
    } else {
        Err(CertError::KeyMismatch)
    }
}

fn leaf_key(cert: &ParsedCert) -> Result<VerifyingKey, CertError> {
    VerifyingKey::from_spki_der(&cert.spki_der()?).map_err(|source| CertError::UnsupportedKey {
        subject: cert.name.clone(),
        source,
    })
}
