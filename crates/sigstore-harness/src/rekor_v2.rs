//! Rekor v2 `POST /api/v2/log/entries`: `hashedRekordRequestV002` (what both
//! clients send for DSSE, digest = SHA-256(PAE)) and `dsseRequestV002`.
//! The answer is a protobuf-JSON TransparencyLogEntry with an inclusion
//! proof and checkpoint, and no integrated time or promise.

use crate::error::HarnessError;
use crate::faults::{Fault, Faults};
use crate::log::Log;
use crate::signature::{pae, verify_digest, verify_message, Verifier509};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const EP: &str = "rekor /api/v2/log/entries";
const KEY_DETAILS: &str = "PKIX_ECDSA_P256_SHA_256";

fn decode(value: &Value, field: &str) -> Result<Vec<u8>, HarnessError> {
    value
        .as_str()
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| HarnessError::bad(EP, format!("{field} is missing or not base64")))
}

/// A v2 `Verifier` message: the verifier and its canonical JSON form.
fn verifier(value: &Value, field: &str) -> Result<(Verifier509, Value), HarnessError> {
    let details = value["keyDetails"].as_str().unwrap_or_default();
    if details != KEY_DETAILS {
        return Err(HarnessError::bad(
            EP,
            format!("{field}.keyDetails is {details:?}, expected {KEY_DETAILS:?}"),
        ));
    }
    if value["x509Certificate"].is_object() {
        let der = decode(
            &value["x509Certificate"]["rawBytes"],
            &format!("{field}.x509Certificate.rawBytes"),
        )?;
        let logged = json!({"keyDetails": KEY_DETAILS, "x509Certificate": {"rawBytes": STANDARD.encode(&der)}});
        Ok((Verifier509::Certificate(der), logged))
    } else {
        let der = decode(
            &value["publicKey"]["rawBytes"],
            &format!("{field}.publicKey.rawBytes"),
        )?;
        let logged =
            json!({"keyDetails": KEY_DETAILS, "publicKey": {"rawBytes": STANDARD.encode(&der)}});
        Ok((Verifier509::PublicKey(der), logged))
    }
}

fn hashedrekord_body(request: &Value, foreign: bool) -> Result<Value, HarnessError> {
    let digest = decode(&request["digest"], "digest")?;
    if digest.len() != 32 {
        return Err(HarnessError::bad(
            EP,
            format!("digest is {} bytes, expected 32", digest.len()),
        ));
    }
    let sig = decode(&request["signature"]["content"], "signature.content")?;
    let (verifier, logged_verifier) =
        verifier(&request["signature"]["verifier"], "signature.verifier")?;
    verify_digest(EP, &verifier.key(EP)?, &digest, &sig)?;
    let logged_digest = if foreign {
        Sha256::digest(&digest).to_vec()
    } else {
        digest
    };
    Ok(json!({
        "apiVersion": "0.0.2",
        "kind": "hashedrekord",
        "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": STANDARD.encode(logged_digest)},
            "signature": {"content": STANDARD.encode(&sig), "verifier": logged_verifier},
        }},
    }))
}

fn dsse_body(request: &Value, foreign: bool) -> Result<Value, HarnessError> {
    let envelope = &request["envelope"];
    let payload = decode(&envelope["payload"], "envelope.payload")?;
    let payload_type = envelope["payloadType"]
        .as_str()
        .ok_or_else(|| HarnessError::bad(EP, "envelope.payloadType is missing"))?;
    let verifiers = request["verifiers"]
        .as_array()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| HarnessError::bad(EP, "verifiers is empty"))?
        .iter()
        .map(|v| verifier(v, "verifiers[]"))
        .collect::<Result<Vec<_>, _>>()?;
    let message = pae(payload_type, &payload);
    let mut signatures = Vec::new();
    for signature in envelope["signatures"].as_array().into_iter().flatten() {
        let sig = decode(&signature["sig"], "envelope.signatures[].sig")?;
        let (_, logged) = verifiers
            .iter()
            .find(|(v, _)| {
                v.key(EP)
                    .and_then(|key| verify_message(EP, &key, &message, &sig))
                    .is_ok()
            })
            .ok_or_else(|| HarnessError::bad(EP, "a DSSE signature verifies with no verifier"))?;
        signatures.push(json!({"content": STANDARD.encode(&sig), "verifier": logged}));
    }
    if signatures.is_empty() {
        return Err(HarnessError::bad(EP, "envelope.signatures is empty"));
    }
    let mut payload_hash = Sha256::digest(&payload).to_vec();
    if foreign {
        payload_hash = Sha256::digest(&payload_hash).to_vec();
    }
    Ok(json!({
        "apiVersion": "0.0.2",
        "kind": "dsse",
        "spec": {"dsseV002": {
            "payloadHash": {"algorithm": "SHA2_256", "digest": STANDARD.encode(payload_hash)},
            "signatures": signatures,
        }},
    }))
}

/// Handle a CreateEntryRequest; returns the TransparencyLogEntry JSON.
pub fn create_entry(log: &mut Log, request: &[u8], faults: &Faults) -> Result<Value, HarnessError> {
    let request: Value = serde_json::from_slice(request)
        .map_err(|e| HarnessError::bad(EP, format!("body is not JSON: {e}")))?;
    let foreign = faults.is_active(Fault::ForeignLogEntry);
    let (kind, body) = if request["hashedRekordRequestV002"].is_object() {
        (
            "hashedrekord",
            hashedrekord_body(&request["hashedRekordRequestV002"], foreign)?,
        )
    } else if request["dsseRequestV002"].is_object() {
        ("dsse", dsse_body(&request["dsseRequestV002"], foreign)?)
    } else {
        return Err(HarnessError::bad(
            EP,
            "expected hashedRekordRequestV002 or dsseRequestV002",
        ));
    };
    let body = serde_json_canonicalizer::to_vec(&body)
        .map_err(|e| HarnessError::bad(EP, format!("cannot canonicalize: {e}")))?;
    let appended = log.append(&body, faults.is_active(Fault::CorruptCheckpoint));
    let inclusion = &appended.inclusion;
    let mut hashes: Vec<String> = inclusion
        .hashes
        .iter()
        .map(|h| STANDARD.encode(h))
        .collect();
    if faults.is_active(Fault::CorruptInclusionProof) {
        if let Some(first) = hashes.first_mut() {
            *first = STANDARD.encode(Sha256::digest(first.as_bytes()));
        }
    }
    Ok(json!({
        "logIndex": inclusion.index.to_string(),
        "logId": {"keyId": STANDARD.encode(log.key.key_id())},
        "kindVersion": {"kind": kind, "version": "0.0.2"},
        "inclusionProof": {
            "logIndex": inclusion.index.to_string(),
            "rootHash": STANDARD.encode(inclusion.root),
            "treeSize": inclusion.tree_size.to_string(),
            "hashes": hashes,
            "checkpoint": {"envelope": appended.checkpoint},
        },
        "canonicalizedBody": STANDARD.encode(&body),
    }))
}
