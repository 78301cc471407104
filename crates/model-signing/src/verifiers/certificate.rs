use std::path::PathBuf;

use oms_format::bundle::{parse_bundle, VerificationMaterial};
use oms_keys::certificate::{fingerprint_sha256, parse_pem_certificates, verify_chain};

use super::{check_media_type, check_payload_type, verify_pae, SignatureMethod};
use crate::signers::read_file;
use crate::{BundleVerifier, CertificateRole, Error, VerifiedPayload, VerifierNote, VerifyError};

/// Verifies bundles signed with an X.509 certificate that chains to one of the given roots.
///
/// Like the reference, the chain is checked at the signing certificate's notBefore (so an
/// expired signing certificate still verifies a signature made while it was valid), and the
/// signing certificate needs KeyUsage digitalSignature or ExtendedKeyUsage codeSigning.
pub struct CertificateVerifier {
    anchors: Vec<Vec<u8>>,
    log_fingerprints: bool,
}

impl CertificateVerifier {
    /// `anchors` are trusted self-signed root certificates (DER).
    pub fn new(anchors: Vec<Vec<u8>>, log_fingerprints: bool) -> Result<Self, VerifyError> {
        if anchors.is_empty() {
            return Err(VerifyError::NoTrustAnchors);
        }
        Ok(Self {
            anchors,
            log_fingerprints,
        })
    }

    /// Reads every PEM certificate of the given files as a trusted root.
    pub fn from_files(paths: &[PathBuf], log_fingerprints: bool) -> Result<Self, Error> {
        let mut anchors = Vec::new();
        for p in paths {
            anchors.extend(parse_pem_certificates(&read_file(p)?).map_err(VerifyError::from)?);
        }
        Ok(Self::new(anchors, log_fingerprints)?)
    }

    /// The trusted roots' fingerprints.
    pub fn anchor_fingerprints(&self) -> Vec<VerifierNote> {
        fingerprints(&self.anchors, CertificateRole::TrustAnchor)
    }
}

impl BundleVerifier for CertificateVerifier {
    fn verify(&self, bytes: &[u8]) -> Result<VerifiedPayload, VerifyError> {
        let b = parse_bundle(bytes)?;
        let chain = match &b.verification_material {
            VerificationMaterial::X509CertificateChain(chain) => chain.clone(),
            other => {
                return Err(VerifyError::WrongMethod {
                    expected: SignatureMethod::Certificate,
                    found: SignatureMethod::of(other),
                })
            }
        };
        check_media_type(&b)?;
        let mut warnings = Vec::new();
        if self.log_fingerprints {
            warnings.extend(self.anchor_fingerprints());
            warnings.extend(fingerprints(&chain, CertificateRole::BundleChain));
        }
        let key = verify_chain(&chain, &self.anchors)?;
        let signer = match chain.first() {
            Some(leaf) => format!("certificate {}", fingerprint_sha256(leaf)),
            None => "certificate".to_string(),
        };
        verify_pae(
            &b,
            &signer,
            |m, s| key.verify(m, s).map_err(|e| e.to_string()),
            |m, s| key.verify_with_sha256(m, s).map_err(|e| e.to_string()),
        )?;
        check_payload_type(&b)?;
        Ok(VerifiedPayload {
            payload: b.envelope.payload,
            signer,
            warnings,
        })
    }
}

fn fingerprints(certificates: &[Vec<u8>], role: CertificateRole) -> Vec<VerifierNote> {
    certificates
        .iter()
        .map(|c| VerifierNote::CertificateFingerprint {
            role,
            sha256: fingerprint_sha256(c),
        })
        .collect()
}
