//! The Sigstore bundle that is the `.sig` file (docs/FORMAT.md §5): a lenient reader for
//! every shape the reference has written or verifies, and writers for the exact compact JSON
//! the reference writes for key and certificate signatures.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::dsse::{Envelope, EnvelopeSignature};
use crate::json_node::{FieldError, Node as JsonNode};
use crate::statement::{clip, push_json_string};

/// The media type OMS writes; the reference's key and certificate verifiers accept only this.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
pub const BUNDLE_MEDIA_TYPE_V01: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
pub const BUNDLE_MEDIA_TYPE_V02: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
/// The older spelling of v0.3, accepted by Sigstore verifiers (§6.3) but not by the reference's
/// key and certificate verifiers (§5).
pub const BUNDLE_MEDIA_TYPE_V03_ALIAS: &str =
    "application/vnd.dev.sigstore.bundle+json;version=0.3";
/// Every media type [`parse_bundle`] accepts.
pub const ACCEPTED_MEDIA_TYPES: [&str; 4] = [
    BUNDLE_MEDIA_TYPE_V01,
    BUNDLE_MEDIA_TYPE_V02,
    BUNDLE_MEDIA_TYPE_V03_ALIAS,
    BUNDLE_MEDIA_TYPE,
];
pub use crate::limits::MAX_BUNDLE_BYTES;

/// What the verifier is given to check the signature with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationMaterial {
    /// `key` signatures. `hint` is `None` when absent, `null` or empty (legacy bundles, which
    /// carry `rawBytes`/`keyDetails` instead; those are dropped, as the reference does).
    PublicKey { hint: Option<String> },
    /// `certificate` signatures: DER certificates, leaf first.
    X509CertificateChain(Vec<Vec<u8>>),
    /// Sigstore keyless: the DER Fulcio leaf.
    Certificate(Vec<u8>),
}

/// The parts of a bundle OMS needs. Sigstore verification re-reads the full bundle itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub media_type: String,
    pub verification_material: VerificationMaterial,
    pub envelope: Envelope,
    pub tlog_entry_count: usize,
    pub has_rfc3161_timestamps: bool,
}

/// Why bytes are not an acceptable bundle. `field` is a JSON path such as
/// `dsseEnvelope.signatures[0].sig`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("bundle is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("bundle is not valid JSON: {0}")]
    NotJson(String),
    #[error("bundle field `{field}` is missing")]
    MissingField { field: String },
    #[error("bundle field `{field}`: expected {expected}, found {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("bundle field `mediaType`: expected one of {}, found {found:?}", ACCEPTED_MEDIA_TYPES.join(", "))]
    UnsupportedMediaType { found: String },
    #[error("bundle field `{field}`: expected standard base64, found invalid data")]
    InvalidBase64 { field: String },
    #[error("bundle field `dsseEnvelope.signatures`: expected at least one signature, found none")]
    NoSignatures,
    #[error("bundle field `verificationMaterial`: expected one of publicKey, x509CertificateChain or certificate, found none")]
    NoVerificationContent,
    #[error("bundle field `verificationMaterial`: expected one of publicKey, x509CertificateChain or certificate, found {}", found.join(" and "))]
    AmbiguousVerificationMaterial { found: Vec<&'static str> },
    #[error("bundle field `verificationMaterial.x509CertificateChain.certificates`: expected at least one certificate, found none")]
    EmptyCertificateChain,
    #[error("bundle field `verificationMaterial.tlogEntries`: a keyless (certificate) bundle needs a transparency log entry, found none")]
    MissingTlogEntries,
}

/// Parses a bundle, accepting the legacy shapes the reference accepts (no `hint`, `keyid`
/// null/absent/empty, no `tlogEntries`, spaced JSON) but refusing structural gaps.
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle, BundleError> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            size: bytes.len(),
            limit: MAX_BUNDLE_BYTES,
        });
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| BundleError::NotJson(e.to_string()))?;
    let top = Node::root(&value);
    let media_type = top.field("mediaType")?.str()?;
    if !ACCEPTED_MEDIA_TYPES.contains(&media_type) {
        return Err(BundleError::UnsupportedMediaType {
            found: clip(media_type),
        });
    }
    let material = top.field("verificationMaterial")?;
    let envelope = parse_envelope(&top.field("dsseEnvelope")?)?;
    let verification_material = parse_verification_material(&material)?;
    let tlog_entry_count = match material.opt_field("tlogEntries")? {
        Some(entries) => entries.array()?.len(),
        None => 0,
    };
    if tlog_entry_count == 0
        && matches!(verification_material, VerificationMaterial::Certificate(_))
    {
        return Err(BundleError::MissingTlogEntries);
    }
    let has_rfc3161_timestamps = match material.opt_field("timestampVerificationData")? {
        Some(data) => match data.opt_field("rfc3161Timestamps")? {
            Some(stamps) => !stamps.array()?.is_empty(),
            None => false,
        },
        None => false,
    };
    Ok(Bundle {
        media_type: media_type.to_string(),
        verification_material,
        envelope,
        tlog_entry_count,
        has_rfc3161_timestamps,
    })
}

fn parse_verification_material(material: &Node<'_>) -> Result<VerificationMaterial, BundleError> {
    let kinds = ["publicKey", "x509CertificateChain", "certificate"];
    let mut present = Vec::new();
    for kind in kinds {
        if let Some(node) = material.opt_field(kind)? {
            present.push((kind, node));
        }
    }
    let (kind, node) = match present.len() {
        0 => return Err(BundleError::NoVerificationContent),
        1 => present.swap_remove(0),
        _ => {
            return Err(BundleError::AmbiguousVerificationMaterial {
                found: present.into_iter().map(|(k, _)| k).collect(),
            })
        }
    };
    match kind {
        "publicKey" => {
            let hint = match node.opt_field("hint")? {
                Some(hint) => Some(hint.str()?)
                    .filter(|h| !h.is_empty())
                    .map(str::to_string),
                None => None,
            };
            Ok(VerificationMaterial::PublicKey { hint })
        }
        "x509CertificateChain" => {
            let certs = node.field("certificates")?;
            let items = certs.array()?;
            if items.is_empty() {
                return Err(BundleError::EmptyCertificateChain);
            }
            let chain = items
                .iter()
                .enumerate()
                .map(|(i, item)| certs.item(i, item).field("rawBytes")?.base64())
                .collect::<Result<Vec<_>, _>>()?;
            Ok(VerificationMaterial::X509CertificateChain(chain))
        }
        _ => Ok(VerificationMaterial::Certificate(
            node.field("rawBytes")?.base64()?,
        )),
    }
}

fn parse_envelope(node: &Node<'_>) -> Result<Envelope, BundleError> {
    let payload = node.field("payload")?.base64()?;
    let payload_type = node.field("payloadType")?.str()?.to_string();
    let sigs = node.field("signatures")?;
    let items = sigs.array()?;
    if items.is_empty() {
        return Err(BundleError::NoSignatures);
    }
    let signatures = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item = sigs.item(i, item);
            let sig = item.field("sig")?.base64()?;
            let keyid = match item.opt_field("keyid")? {
                Some(k) => Some(k.str()?).filter(|k| !k.is_empty()).map(str::to_string),
                None => None,
            };
            Ok(EnvelopeSignature { sig, keyid })
        })
        .collect::<Result<Vec<_>, BundleError>>()?;
    Ok(Envelope {
        payload,
        payload_type,
        signatures,
    })
}

/// Standard base64 with or without padding, and the URL-safe alphabet, like protobuf JSON.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, config);
    standard
        .decode(text)
        .or_else(|_| url_safe.decode(text))
        .ok()
}

type Node<'a> = JsonNode<'a, BundleError>;

impl FieldError for BundleError {
    const ROOT: &'static str = "(bundle)";
    fn missing_field(field: String) -> Self {
        BundleError::MissingField { field }
    }
    fn wrong_type(field: String, expected: &'static str, found: &'static str) -> Self {
        BundleError::WrongType {
            field,
            expected,
            found,
        }
    }
}

impl Node<'_> {
    fn base64(&self) -> Result<Vec<u8>, BundleError> {
        decode_base64(self.str()?).ok_or_else(|| BundleError::InvalidBase64 {
            field: self.path.clone(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// The compact bundle the reference writes for `key` signatures (§5.1).
pub fn key_bundle_json(hint: &str, envelope: &Envelope) -> Vec<u8> {
    let mut out = String::new();
    out.push_str("{\"mediaType\":");
    push_json_string(&mut out, BUNDLE_MEDIA_TYPE);
    out.push_str(",\"verificationMaterial\":{\"publicKey\":{\"hint\":");
    push_json_string(&mut out, hint);
    out.push_str("},\"tlogEntries\":[]},\"dsseEnvelope\":");
    push_envelope(&mut out, envelope);
    out.push('}');
    out.into_bytes()
}

/// The compact bundle the reference writes for `certificate` signatures (§5.2).
pub fn certificate_bundle_json(chain_der: &[Vec<u8>], envelope: &Envelope) -> Vec<u8> {
    let mut out = String::new();
    out.push_str("{\"mediaType\":");
    push_json_string(&mut out, BUNDLE_MEDIA_TYPE);
    out.push_str(",\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[");
    for (i, der) in chain_der.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"rawBytes\":");
        push_json_string(&mut out, &STANDARD.encode(der));
        out.push('}');
    }
    out.push_str("]},\"tlogEntries\":[]},\"dsseEnvelope\":");
    push_envelope(&mut out, envelope);
    out.push('}');
    out.into_bytes()
}

/// `{"payload":…,"payloadType":…,"signatures":[{"sig":…,"keyid":""}]}`; a missing key id is
/// written as `""`, as 1.1.0+ does.
fn push_envelope(out: &mut String, envelope: &Envelope) {
    out.push_str("{\"payload\":");
    push_json_string(out, &STANDARD.encode(&envelope.payload));
    out.push_str(",\"payloadType\":");
    push_json_string(out, &envelope.payload_type);
    out.push_str(",\"signatures\":[");
    for (i, signature) in envelope.signatures.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"sig\":");
        push_json_string(out, &STANDARD.encode(&signature.sig));
        out.push_str(",\"keyid\":");
        push_json_string(out, signature.keyid.as_deref().unwrap_or(""));
        out.push('}');
    }
    out.push_str("]}");
}

/// PEM text as Python's `cryptography` writes it: base64 in 64-character lines, LF endings.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for (i, c) in body.chars().enumerate() {
        if i > 0 && i % 64 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    if !body.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The key hint (§5.1): lowercase hex SHA-256 of the canonical PEM text of the public key's
/// DER SubjectPublicKeyInfo (named curve, uncompressed point).
pub fn public_key_hint(spki_der: &[u8]) -> String {
    hex::encode(Sha256::digest(
        pem_encode("PUBLIC KEY", spki_der).as_bytes(),
    ))
}

#[cfg(test)]
mod tests;
