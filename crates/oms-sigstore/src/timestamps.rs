//! Bundle-level rules for RFC 3161 timestamps that sigstore-verify leaves to the
//! caller (docs/FORMAT.md §6.3 "Time").

use sigstore_trust_root::TrustedRoot;
use sigstore_types::{Bundle, SignatureBytes};
use sigstore_verify::tsa;

use crate::error::SigstoreError;

/// sigstore-python refuses more RFC 3161 timestamps than this.
const MAX_RFC3161_TIMESTAMPS: usize = 32;

/// What sigstore-tsa 0.15.1 says when a token's signer is none of an
/// authority's certificates (it has no dedicated variant). Pinned with the crate.
const SIGNER_NOT_TRUSTED: &str = "CMS signer does not match any trusted TSA certificate";

/// Refuses more than 32 timestamps or repeated ones, like sigstore-python.
pub(crate) fn check_timestamp_list(bundle: &Bundle) -> Result<(), SigstoreError> {
    let stamps = &bundle
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps;
    if stamps.len() > MAX_RFC3161_TIMESTAMPS {
        return Err(SigstoreError::Timestamp {
            detail: format!(
                "{} RFC 3161 timestamps, at most {MAX_RFC3161_TIMESTAMPS} are allowed",
                stamps.len()
            ),
        });
    }
    for (i, a) in stamps.iter().enumerate() {
        if stamps.iter().skip(i + 1).any(|b| b == a) {
            return Err(SigstoreError::Timestamp {
                detail: format!("RFC 3161 timestamp #{i} appears more than once"),
            });
        }
    }
    Ok(())
}

/// Removes timestamps signed by a TSA the trusted root does not list, and returns
/// how many were removed.
///
/// sigstore-python skips every timestamp that fails to verify and only needs one
/// verified time overall, so a bundle timestamped by the public-good TSA still
/// verifies against a trust config whose only TSA is another one (the
/// reference's `custom_trust_config.json`). sigstore-verify instead fails on any
/// bad timestamp. We take the middle road: a token from an unknown TSA is not
/// evidence and is ignored, but a token that names a trusted TSA and does not
/// verify (wrong imprint, broken signature) is tampering and stays in, so
/// sigstore-verify rejects the bundle. With no TSA in the root at all nothing is
/// removed and sigstore-verify reports that, as the reference does.
pub(crate) fn drop_untrusted_authority_timestamps(
    bundle: &mut Bundle,
    signature: &SignatureBytes,
    root: &TrustedRoot,
) -> usize {
    let authorities = root.tsa_authorities();
    if authorities.is_empty() {
        return 0;
    }
    let stamps = &mut bundle
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps;
    let before = stamps.len();
    stamps.retain(|stamp| {
        let signer_unknown_everywhere = authorities.iter().all(|authority| {
            matches!(
                tsa::verify_timestamp_for_authority(&stamp.signed_timestamp, signature, authority),
                Err(tsa::Error::SignatureVerificationError(ref m)) if m == SIGNER_NOT_TRUSTED
            )
        });
        !signer_unknown_everywhere
    });
    before - stamps.len()
}
