//! The digest a model-signing DSSE bundle is bound to: the statement's
//! `subject[0].digest.sha256` (the manifest root digest). sigstore-verify wants
//! an artifact digest; for a model there is no single artifact, so the payload
//! names it.

use serde::Deserialize;
use sigstore_types::Sha256Hash;

use crate::error::SigstoreError;

#[derive(Deserialize)]
struct Statement {
    subject: Vec<Subject>,
}

#[derive(Deserialize)]
struct Subject {
    digest: Digest,
}

#[derive(Deserialize)]
struct Digest {
    sha256: Option<String>,
}

/// `subject[0].digest.sha256` of an in-toto statement.
pub(crate) fn subject_sha256(payload: &[u8]) -> Result<Sha256Hash, SigstoreError> {
    let err = |detail: String| SigstoreError::PayloadSubject { detail };
    let statement: Statement = serde_json::from_slice(payload)
        .map_err(|e| err(format!("payload is not a statement: {e}")))?;
    let first = statement
        .subject
        .first()
        .ok_or_else(|| err("subject is empty".to_owned()))?;
    let hex = first
        .digest
        .sha256
        .as_deref()
        .ok_or_else(|| err("subject[0].digest has no sha256".to_owned()))?;
    Sha256Hash::from_hex(hex).map_err(|e| err(format!("subject[0].digest.sha256 `{hex}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_first_subject() {
        let h = "61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226";
        let p = format!(r#"{{"subject":[{{"name":"m","digest":{{"sha256":"{h}"}}}}]}}"#);
        assert_eq!(subject_sha256(p.as_bytes()).unwrap().to_hex(), h);
    }

    #[test]
    fn missing_digest_is_typed() {
        let err = subject_sha256(br#"{"subject":[{"digest":{}}]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DSSE payload has no usable subject[0].digest.sha256: subject[0].digest has no sha256"
        );
    }
}
