//! Writes a signed bundle the way sigstore-python 4.x does (docs/FORMAT.md §5.3):
//! compact JSON, keys `mediaType`, `verificationMaterial`, `dsseEnvelope` in
//! that order, and inside the envelope `payload`, `payloadType`, `signatures`
//! (sigstore-types puts `payloadType` first), each signature `{"sig": b64}`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;
use sigstore_types::{Bundle, SignatureContent};

use super::error::SigningError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BundleOut<'a> {
    media_type: &'a sigstore_types::MediaType,
    verification_material: &'a sigstore_types::bundle::VerificationMaterial,
    dsse_envelope: EnvelopeOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeOut {
    payload: String,
    payload_type: String,
    signatures: [SignatureOut; 1],
}

#[derive(Serialize)]
struct SignatureOut {
    sig: String,
}

/// The bundle as compact JSON bytes. Only DSSE bundles are expected here.
pub fn bundle_json(bundle: &Bundle) -> Result<Vec<u8>, SigningError> {
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return Err(SigningError::Other {
            detail: "sigstore-sign returned a message-signature bundle, expected a DSSE envelope"
                .to_owned(),
        });
    };
    let out = BundleOut {
        media_type: &bundle.media_type,
        verification_material: &bundle.verification_material,
        dsse_envelope: EnvelopeOut {
            payload: STANDARD.encode(envelope.payload.as_bytes()),
            payload_type: envelope.payload_type.clone(),
            signatures: [SignatureOut {
                sig: STANDARD.encode(envelope.signature.sig.as_bytes()),
            }],
        },
    };
    serde_json::to_vec(&out).map_err(|e| SigningError::Other {
        detail: format!("cannot serialize the bundle: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(version: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/model-transparency/{version}-sigstore/model.sig",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    /// A bundle sigstore-python wrote comes out byte for byte the same: the
    /// shape and key order are the reference's.
    #[test]
    fn reference_bundle_round_trips_byte_for_byte() {
        let original = fixture("v1.1.0");
        let bundle = Bundle::from_json(std::str::from_utf8(&original).unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(bundle_json(&bundle).unwrap()).unwrap(),
            String::from_utf8(original).unwrap()
        );
    }

    /// Older bundles without timestamps keep `"timestampVerificationData":{}`
    /// like sigstore-python.
    #[test]
    fn bundle_without_timestamps_keeps_empty_timestamp_data() {
        let original = fixture("v1.0.1");
        let bundle = Bundle::from_json(std::str::from_utf8(&original).unwrap()).unwrap();
        let out = String::from_utf8(bundle_json(&bundle).unwrap()).unwrap();
        assert!(out.contains(r#""timestampVerificationData":{}},"dsseEnvelope":{"payload":""#));
        let reparsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        let original: serde_json::Value = serde_json::from_slice(&original).unwrap();
        assert_eq!(reparsed, original);
    }
}
