use std::path::Path;

use oms_format::bundle::{parse_bundle, VerificationMaterial};
use oms_keys::VerifyingKey;

use super::{check_media_type, check_payload_type, verify_pae, SignatureMethod};
use crate::signers::read_file;
use crate::{BundleVerifier, Error, VerifiedPayload, VerifierNote, VerifyError};

/// Verifies bundles signed with an EC private key, given its public key.
pub struct KeyVerifier {
    key: VerifyingKey,
}

impl KeyVerifier {
    pub fn new(key: VerifyingKey) -> Self {
        Self { key }
    }

    /// Loads a PEM public key (`PUBLIC KEY`, text before the block allowed).
    pub fn from_pem_file(path: &Path) -> Result<Self, Error> {
        let key = VerifyingKey::from_pem(&read_file(path)?).map_err(VerifyError::from)?;
        Ok(Self { key })
    }
}

impl BundleVerifier for KeyVerifier {
    fn verify(&self, bytes: &[u8]) -> Result<VerifiedPayload, VerifyError> {
        let b = parse_bundle(bytes)?;
        let hint = match &b.verification_material {
            VerificationMaterial::PublicKey { hint } => hint.clone(),
            other => {
                return Err(VerifyError::WrongMethod {
                    expected: SignatureMethod::Key,
                    found: SignatureMethod::of(other),
                })
            }
        };
        check_media_type(&b)?;
        let ours = self.key.hint();
        let mut warnings = Vec::new();
        match hint {
            // The bundle parser maps an absent, null or empty hint to `None`.
            None => warnings.push(VerifierNote::MissingKeyHint),
            Some(hint) if !hint.eq_ignore_ascii_case(&ours) => {
                return Err(VerifyError::KeyMismatch {
                    expected: hint,
                    found: ours,
                })
            }
            Some(_) => {}
        }
        let signer = format!("public key {ours}");
        let verify = |msg: &[u8], sig: &[u8]| self.key.verify(msg, sig).map_err(|e| e.to_string());
        verify_pae(&b, &signer, verify, verify)?;
        check_payload_type(&b)?;
        Ok(VerifiedPayload {
            payload: b.envelope.payload,
            signer,
            warnings,
        })
    }
}
