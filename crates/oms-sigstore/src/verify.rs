//! Keyless verification of a model-signing Sigstore bundle, mirroring
//! sigstore-python 4.x `Verifier.verify_dsse` (docs/FORMAT.md §6.3). The cryptographic
//! checks are sigstore-verify's; the bundle-shape rules that sigstore-verify
//! leaves open and the identity policy are ours.

use sigstore_types::{Bundle, DerCertificate, DsseEnvelope, SignatureContent};
use sigstore_verify::{VerificationPolicy, Verifier};

use crate::certificate::CertificateClaims;
use crate::error::SigstoreError;
use crate::policy::IdentityPolicy;
use crate::subject::subject_sha256;
use crate::timestamps::{check_timestamp_list, drop_untrusted_authority_timestamps};
use crate::trust::TrustMaterial;

/// Where a verified time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSource {
    /// An RFC 3161 timestamp verified against a trusted TSA.
    Rfc3161Timestamp,
    /// A Rekor v1 `integratedTime` authenticated by its SET.
    TransparencyLog,
}

/// One authenticated signing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedTime {
    /// Which evidence vouches for it.
    pub source: TimeSource,
    /// Seconds since the Unix epoch (TSA sub-second precision is truncated).
    pub unix_seconds: i64,
}

/// A bundle that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The DSSE payload bytes exactly as signed (the in-toto statement).
    pub payload: Vec<u8>,
    /// The DSSE payload type.
    pub payload_type: String,
    /// The SAN that satisfied the identity policy.
    pub identity: String,
    /// The OIDC issuer that satisfied the policy.
    pub issuer: String,
    /// Every authenticated signing time (at least one).
    pub verified_times: Vec<VerifiedTime>,
    /// The Rekor log index of the (single) entry.
    pub log_index: u64,
    /// The entry's integratedTime, when the SET authenticated it.
    pub integrated_time: Option<i64>,
    /// RFC 3161 timestamps ignored because no TSA in the trusted root signed them
    /// (the reference ignores them too).
    pub ignored_timestamps: usize,
    /// All claims of the signing certificate.
    pub certificate: CertificateClaims,
}

/// Verifies a keyless bundle: Fulcio chain at every verified time, SCT, Rekor
/// inclusion proof and signed checkpoint, SET, RFC 3161 timestamps, at least one
/// verified time, DSSE signature over the PAE, Rekor body consistency
/// (payloadHash and signatures, not envelopeHash), exactly one log entry, then
/// the identity policy. RFC 3161 timestamps from a TSA the trusted root does not
/// list are ignored, like the reference does (see `timestamps`).
pub fn verify_bundle(
    bundle_json: &[u8],
    trust: &TrustMaterial,
    policy: &IdentityPolicy,
) -> Result<VerifiedBundle, SigstoreError> {
    let mut bundle = parse_bundle(bundle_json)?;
    let log_index = single_log_entry(&bundle)?;
    check_timestamp_list(&bundle)?;
    let (envelope, leaf) = envelope_and_leaf(&bundle)?;
    // sigstore-verify checks the signature over whatever type the envelope names; a model
    // signature must be an in-toto statement.
    if envelope.payload_type != oms_format::dsse::PAYLOAD_TYPE {
        return Err(SigstoreError::PayloadType {
            expected: oms_format::dsse::PAYLOAD_TYPE,
            found: envelope.payload_type,
        });
    }
    let digest = subject_sha256(envelope.payload.as_bytes())?;
    let ignored_timestamps = drop_untrusted_authority_timestamps(
        &mut bundle,
        &envelope.signature.sig,
        trust.trusted_root(),
    );
    let tsa_count = bundle
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps
        .len();

    let verifier = Verifier::new(trust.trusted_root()).map_err(|e| in_trust(e, trust))?;
    // Identity is checked by our own policy afterwards so that regex and GitHub
    // constraints work and the messages are the reference's.
    let result = verifier
        .verify(digest, &bundle, &VerificationPolicy::any_identity())
        .map_err(|e| in_trust(e, trust))?;
    if !(result.certificate_verified() && result.sct_verified() && result.tlog_verified()) {
        return Err(SigstoreError::Other {
            detail: "sigstore-verify skipped a certificate, SCT or log check".to_owned(),
        });
    }

    let certificate = CertificateClaims::from_der(leaf.as_bytes())?;
    certificate.check_signing_usage()?;
    let matched = policy.check(&certificate)?;

    let verified_times = result
        .verified_timestamps()
        .iter()
        .enumerate()
        .map(|(i, t)| VerifiedTime {
            // sigstore-verify lists the TSA times first, then integrated times.
            source: if i < tsa_count {
                TimeSource::Rfc3161Timestamp
            } else {
                TimeSource::TransparencyLog
            },
            unix_seconds: t.as_second(),
        })
        .collect();

    Ok(VerifiedBundle {
        payload: envelope.payload.into_bytes(),
        payload_type: envelope.payload_type,
        identity: matched.identity,
        issuer: matched.issuer,
        verified_times,
        log_index,
        integrated_time: result.integrated_time().map(|t| t.as_second()),
        ignored_timestamps,
        certificate,
    })
}

/// Refuses bundles over the size limit signers keep to, before any parsing.
pub(crate) fn check_bundle_size(bundle_json: &[u8]) -> Result<(), SigstoreError> {
    let limit = oms_format::limits::MAX_BUNDLE_BYTES;
    if bundle_json.len() > limit {
        return Err(SigstoreError::BundleTooLarge {
            size: bundle_json.len(),
            limit,
        });
    }
    Ok(())
}

pub(crate) fn parse_bundle(bundle_json: &[u8]) -> Result<Bundle, SigstoreError> {
    check_bundle_size(bundle_json)?;
    let text = std::str::from_utf8(bundle_json).map_err(|e| SigstoreError::BundleFormat {
        detail: format!("not UTF-8: {e}"),
    })?;
    Bundle::from_json(text).map_err(|e| SigstoreError::BundleFormat {
        detail: e.to_string(),
    })
}

/// The DSSE envelope and the leaf certificate, owned so the bundle can be edited.
fn envelope_and_leaf(bundle: &Bundle) -> Result<(DsseEnvelope, DerCertificate), SigstoreError> {
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return Err(SigstoreError::Unsupported {
            detail: "the bundle holds a message signature, not a DSSE envelope".to_owned(),
        });
    };
    let leaf = bundle
        .signing_certificate()
        .ok_or_else(|| SigstoreError::BundleFormat {
            detail: "verificationMaterial has no signing certificate (not a keyless bundle)"
                .to_owned(),
        })?;
    Ok((envelope.clone(), leaf.clone()))
}

fn single_log_entry(bundle: &Bundle) -> Result<u64, SigstoreError> {
    match bundle.verification_material.tlog_entries.as_slice() {
        [entry] => Ok(entry.log_index.get()),
        entries => Err(SigstoreError::TlogEntryCount {
            found: entries.len(),
        }),
    }
}

fn in_trust(err: sigstore_verify::Error, trust: &TrustMaterial) -> SigstoreError {
    match SigstoreError::from(err) {
        SigstoreError::TrustRootUnusable { detail, .. } => SigstoreError::TrustRootUnusable {
            origin: trust.origin().to_owned(),
            detail,
        },
        other => other,
    }
}
