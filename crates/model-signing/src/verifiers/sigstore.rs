use oms_sigstore::{IdentityPolicy, TrustMaterial};

use crate::{BundleVerifier, VerifiedPayload, VerifierNote, VerifyError};

/// Verifies Sigstore keyless bundles: certificate chain to Fulcio, transparency log proofs and
/// timestamps from the trust material, and the signer's identity against the policy.
pub struct SigstoreVerifier {
    trust: TrustMaterial,
    policy: IdentityPolicy,
}

impl SigstoreVerifier {
    pub fn new(trust: TrustMaterial, policy: IdentityPolicy) -> Self {
        Self { trust, policy }
    }
}

impl BundleVerifier for SigstoreVerifier {
    fn verify(&self, bytes: &[u8]) -> Result<VerifiedPayload, VerifyError> {
        let v = oms_sigstore::verify_bundle(bytes, &self.trust, &self.policy)?;
        Ok(VerifiedPayload {
            payload: v.payload,
            signer: format!("{} (issuer {})", v.identity, v.issuer),
            warnings: ignored_timestamps(v.ignored_timestamps),
        })
    }
}

fn ignored_timestamps(count: usize) -> Vec<VerifierNote> {
    if count == 0 {
        Vec::new()
    } else {
        vec![VerifierNote::IgnoredTimestamps { count }]
    }
}
