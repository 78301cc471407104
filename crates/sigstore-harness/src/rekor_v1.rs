//! Rekor v1 `POST /api/v1/log/entries` for `dsse` and `hashedrekord` 0.0.1:
//! canonical body, integrated time, signed entry timestamp and an inclusion
//! proof with a signed checkpoint.

use crate::error::HarnessError;
use crate::faults::{corrupt_signature, Fault, Faults};
use crate::log::Log;
use crate::merkle::leaf_hash;
use crate::signature::{pae, verify_digest, verify_message, Verifier509};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const EP: &str = "rekor /api/v1/log/entries";

/// The payload a foreign entry claims to log instead of the submitted one.
const FOREIGN_PAYLOAD: &[u8] = b"not the payload that was submitted";

fn canonical(value: &Value) -> Result<Vec<u8>, HarnessError> {
    serde_json_canonicalizer::to_vec(value)
        .map_err(|e| HarnessError::bad(EP, format!("cannot canonicalize: {e}")))
}

fn b64_field<'a>(value: &'a Value, field: &str) -> Result<&'a str, HarnessError> {
    value
        .as_str()
        .ok_or_else(|| HarnessError::bad(EP, format!("{field} is missing or not a string")))
}

fn decode(value: &Value, field: &str) -> Result<Vec<u8>, HarnessError> {
    STANDARD
        .decode(b64_field(value, field)?)
        .map_err(|e| HarnessError::bad(EP, format!("{field} is not base64: {e}")))
}

fn verifier_from_b64_pem(value: &Value, field: &str) -> Result<Verifier509, HarnessError> {
    let text = String::from_utf8(decode(value, field)?)
        .map_err(|_| HarnessError::bad(EP, format!("{field} is not base64 of PEM text")))?;
    Verifier509::from_pem(EP, &text)
}

/// The canonical `dsse` 0.0.1 body for a proposed entry.
fn dsse_body(spec: &Value, foreign: bool) -> Result<Value, HarnessError> {
    let envelope_text = b64_field(
        &spec["proposedContent"]["envelope"],
        "spec.proposedContent.envelope",
    )?;
    let envelope: Value = serde_json::from_str(envelope_text)
        .map_err(|e| HarnessError::bad(EP, format!("envelope is not JSON: {e}")))?;
    let payload = decode(&envelope["payload"], "envelope.payload")?;
    let payload_type = b64_field(&envelope["payloadType"], "envelope.payloadType")?;
    let verifiers = spec["proposedContent"]["verifiers"]
        .as_array()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| HarnessError::bad(EP, "spec.proposedContent.verifiers is empty"))?;
    let verifiers = verifiers
        .iter()
        .map(|v| verifier_from_b64_pem(v, "spec.proposedContent.verifiers[]"))
        .collect::<Result<Vec<_>, _>>()?;
    let signatures = envelope["signatures"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| HarnessError::bad(EP, "envelope.signatures is empty"))?;
    let message = pae(payload_type, &payload);
    let mut logged = Vec::new();
    for signature in signatures {
        let sig = decode(&signature["sig"], "envelope.signatures[].sig")?;
        let verifier = verifiers
            .iter()
            .find(|v| {
                v.key(EP)
                    .and_then(|key| verify_message(EP, &key, &message, &sig))
                    .is_ok()
            })
            .ok_or_else(|| HarnessError::bad(EP, "a DSSE signature verifies with no verifier"))?;
        logged.push(json!({
            "signature": STANDARD.encode(&sig),
            "verifier": STANDARD.encode(verifier.canonical_pem()),
        }));
    }
    let hashed_payload = if foreign { FOREIGN_PAYLOAD } else { &payload };
    Ok(json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(envelope_text))},
            "payloadHash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(hashed_payload))},
            "signatures": logged,
        },
    }))
}

/// The canonical `hashedrekord` 0.0.1 body for a proposed entry.
fn hashedrekord_body(spec: &Value, foreign: bool) -> Result<Value, HarnessError> {
    let algorithm = spec["data"]["hash"]["algorithm"]
        .as_str()
        .unwrap_or_default();
    if algorithm != "sha256" {
        return Err(HarnessError::bad(
            EP,
            format!("spec.data.hash.algorithm is {algorithm:?}, expected \"sha256\""),
        ));
    }
    let digest_hex = b64_field(&spec["data"]["hash"]["value"], "spec.data.hash.value")?;
    let digest = hex::decode(digest_hex)
        .ok()
        .filter(|d| d.len() == 32)
        .ok_or_else(|| HarnessError::bad(EP, "spec.data.hash.value is not 64 hex digits"))?;
    let sig = decode(&spec["signature"]["content"], "spec.signature.content")?;
    let verifier = verifier_from_b64_pem(
        &spec["signature"]["publicKey"]["content"],
        "spec.signature.publicKey.content",
    )?;
    verify_digest(EP, &verifier.key(EP)?, &digest, &sig)?;
    let logged_digest = if foreign {
        hex::encode(Sha256::digest(FOREIGN_PAYLOAD))
    } else {
        digest_hex.to_ascii_lowercase()
    };
    Ok(json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": logged_digest}},
            "signature": {
                "content": STANDARD.encode(&sig),
                "publicKey": {"content": STANDARD.encode(verifier.canonical_pem())},
            },
        },
    }))
}

/// Handle a proposed entry; returns `{uuid: LogEntry}`.
pub fn create_entry(
    log: &mut Log,
    request: &[u8],
    integrated_time: i64,
    faults: &Faults,
) -> Result<Value, HarnessError> {
    let proposed: Value = serde_json::from_slice(request)
        .map_err(|e| HarnessError::bad(EP, format!("body is not JSON: {e}")))?;
    let foreign = faults.is_active(Fault::ForeignLogEntry);
    let kind = proposed["kind"].as_str().unwrap_or_default();
    let version = proposed["apiVersion"].as_str().unwrap_or_default();
    let body = match (kind, version) {
        ("dsse", "0.0.1") => dsse_body(&proposed["spec"], foreign)?,
        ("hashedrekord", "0.0.1") => hashedrekord_body(&proposed["spec"], foreign)?,
        _ => {
            return Err(HarnessError::bad(
                EP,
                format!(
                    "unsupported entry {kind:?} {version:?}, expected dsse or hashedrekord 0.0.1"
                ),
            ))
        }
    };
    let body = canonical(&body)?;
    let appended = log.append(&body, faults.is_active(Fault::CorruptCheckpoint));
    let inclusion = &appended.inclusion;
    let log_id = hex::encode(log.key.key_id());
    let body_b64 = STANDARD.encode(&body);
    let set_payload = canonical(&json!({
        "body": body_b64,
        "integratedTime": integrated_time,
        "logID": log_id,
        "logIndex": inclusion.index,
    }))?;
    let mut set = log.key.sign_der(&set_payload);
    if faults.is_active(Fault::CorruptSet) {
        corrupt_signature(&mut set);
    }
    let mut hashes: Vec<String> = inclusion.hashes.iter().map(hex::encode).collect();
    if faults.is_active(Fault::CorruptInclusionProof) {
        if let Some(first) = hashes.first_mut() {
            *first = hex::encode(Sha256::digest(first.as_bytes()));
        }
    }
    let uuid = hex::encode(leaf_hash(&body));
    Ok(json!({ uuid: {
        "body": body_b64,
        "integratedTime": integrated_time,
        "logID": log_id,
        "logIndex": inclusion.index,
        "verification": {
            "inclusionProof": {
                "checkpoint": appended.checkpoint,
                "hashes": hashes,
                "logIndex": inclusion.index,
                "rootHash": hex::encode(inclusion.root),
                "treeSize": inclusion.tree_size,
            },
            "signedEntryTimestamp": STANDARD.encode(set),
        },
    }}))
}
