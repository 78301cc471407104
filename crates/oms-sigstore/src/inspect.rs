//! Reads what a bundle claims WITHOUT verifying anything (for
//! `model_signing inspect`). Lenient on purpose: it must describe bundles that
//! would fail verification.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use crate::certificate::CertificateClaims;
use crate::error::SigstoreError;

/// Unverified facts about a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    /// `mediaType`.
    pub media_type: String,
    /// `dsseEnvelope.payloadType`, if the bundle holds a DSSE envelope.
    pub payload_type: Option<String>,
    /// Claims of the leaf certificate (`certificate`, or the first of
    /// `x509CertificateChain`); `None` for public-key bundles.
    pub certificate: Option<CertificateClaims>,
    /// Every transparency log entry, in bundle order.
    pub tlog_entries: Vec<TlogEntryInfo>,
    /// How many RFC 3161 timestamps the bundle carries.
    pub rfc3161_timestamps: usize,
}

/// Unverified facts about one transparency log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntryInfo {
    /// `logIndex` (global index).
    pub log_index: u64,
    /// `kindVersion.kind`, e.g. `dsse`.
    pub kind: String,
    /// `kindVersion.version`, e.g. `0.0.1`.
    pub version: String,
    /// `integratedTime`, seconds since the Unix epoch (absent or 0 for Rekor v2).
    pub integrated_time: Option<i64>,
    /// Whether a SET is present.
    pub has_inclusion_promise: bool,
    /// Whether an inclusion proof is present.
    pub has_inclusion_proof: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    media_type: String,
    verification_material: WireMaterial,
    dsse_envelope: Option<WireEnvelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMaterial {
    certificate: Option<WireCert>,
    x509_certificate_chain: Option<WireChain>,
    #[serde(default)]
    tlog_entries: Vec<WireEntry>,
    timestamp_verification_data: Option<WireTimestamps>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCert {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct WireChain {
    #[serde(default)]
    certificates: Vec<WireCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEntry {
    #[serde(default)]
    log_index: Value,
    kind_version: WireKindVersion,
    #[serde(default)]
    integrated_time: Value,
    inclusion_promise: Option<Value>,
    inclusion_proof: Option<Value>,
}

#[derive(Deserialize)]
struct WireKindVersion {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTimestamps {
    #[serde(default)]
    rfc3161_timestamps: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEnvelope {
    payload_type: String,
}

/// Describes a bundle without verifying it.
pub fn inspect_bundle(bundle_json: &[u8]) -> Result<BundleInfo, SigstoreError> {
    crate::verify::check_bundle_size(bundle_json)?;
    let wire: Wire =
        serde_json::from_slice(bundle_json).map_err(|e| SigstoreError::BundleFormat {
            detail: e.to_string(),
        })?;
    let material = wire.verification_material;
    let leaf = material.certificate.or_else(|| {
        material
            .x509_certificate_chain
            .and_then(|chain| chain.certificates.into_iter().next())
    });
    let certificate = leaf
        .map(|cert| {
            let der = base64::engine::general_purpose::STANDARD
                .decode(cert.raw_bytes.as_bytes())
                .map_err(|e| SigstoreError::CertificateMalformed {
                    detail: format!("rawBytes is not base64: {e}"),
                })?;
            CertificateClaims::from_der(&der)
        })
        .transpose()?;
    let tlog_entries = material
        .tlog_entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| entry_info(i, e))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BundleInfo {
        media_type: wire.media_type,
        payload_type: wire.dsse_envelope.map(|e| e.payload_type),
        certificate,
        tlog_entries,
        rfc3161_timestamps: material
            .timestamp_verification_data
            .map_or(0, |t| t.rfc3161_timestamps.len()),
    })
}

fn entry_info(i: usize, e: WireEntry) -> Result<TlogEntryInfo, SigstoreError> {
    let log_index = int_field(&e.log_index, i, "logIndex")?.unwrap_or(0);
    let integrated_time = int_field(&e.integrated_time, i, "integratedTime")?
        .filter(|t| *t != 0)
        .map(|t| i64::try_from(t).unwrap_or(i64::MAX));
    Ok(TlogEntryInfo {
        log_index,
        kind: e.kind_version.kind,
        version: e.kind_version.version,
        integrated_time,
        has_inclusion_promise: e.inclusion_promise.is_some(),
        has_inclusion_proof: e.inclusion_proof.is_some(),
    })
}

/// Protobuf JSON writes int64 as a string; accept a number too.
fn int_field(v: &Value, i: usize, name: &str) -> Result<Option<u64>, SigstoreError> {
    let parsed = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s.parse::<u64>().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    };
    parsed.map(Some).ok_or_else(|| SigstoreError::BundleFormat {
        detail: format!(
            "verificationMaterial.tlogEntries[{i}].{name}: expected an unsigned integer, found {v}"
        ),
    })
}
