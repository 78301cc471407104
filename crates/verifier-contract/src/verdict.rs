//! The verifier's verdict: a small versioned JSON document in its termination log.

use serde::{Deserialize, Serialize};

/// The version this crate writes and reads.
pub const VERDICT_VERSION: u32 = 1;
/// Kubernetes keeps at most 4096 bytes of a termination message; a verdict stays well below.
pub const MAX_VERDICT_BYTES: usize = 1024;
/// How many reasons a verdict lists.
const MAX_REASONS: usize = 5;
/// The longest reason kept.
const MAX_REASON_CHARS: usize = 200;

/// What the verifier concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The model matches a valid signature from the expected signer (and passed its scan).
    Verified,
    /// Anything else: see the reasons.
    Failed,
}

/// How the model differed from its signature (all zero unless the files were compared).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub added: usize,
    pub missing: usize,
    pub changed: usize,
    pub ignored: usize,
}

/// The verdict document: `{"version":1,"result":"failed","counts":{…},"reasons":[…],"argsHash":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub version: u32,
    pub result: Outcome,
    #[serde(default)]
    pub counts: Counts,
    /// The first reasons, most telling first (a changed file, a failed scan, an error).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// [`crate::args_hash`] of the arguments the verifier ran with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_hash: Option<String>,
}

/// Why a termination message is not a verdict this controller understands.
#[derive(Debug, thiserror::Error)]
pub enum VerdictError {
    #[error("the termination message is not a JSON verdict: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("verdict version {found}: expected version {VERDICT_VERSION}")]
    Version { found: u32 },
}

impl Verdict {
    pub fn verified(args_hash: Option<String>) -> Self {
        Self {
            version: VERDICT_VERSION,
            result: Outcome::Verified,
            counts: Counts::default(),
            reasons: Vec::new(),
            args_hash,
        }
    }

    /// A failure with its reasons (only the first few are kept, each cut short).
    pub fn failed(counts: Counts, reasons: Vec<String>, args_hash: Option<String>) -> Self {
        Self {
            version: VERDICT_VERSION,
            result: Outcome::Failed,
            counts,
            reasons: reasons
                .into_iter()
                .take(MAX_REASONS)
                .map(|r| r.chars().take(MAX_REASON_CHARS).collect())
                .collect(),
            args_hash,
        }
    }

    /// The JSON document, at most [`MAX_VERDICT_BYTES`] bytes (reasons are dropped from the
    /// end until it fits).
    pub fn to_json(&self) -> String {
        let mut verdict = self.clone();
        loop {
            let text = serde_json::to_string(&verdict).unwrap_or_default();
            if text.len() <= MAX_VERDICT_BYTES || verdict.reasons.pop().is_none() {
                return text;
            }
        }
    }

    /// Reads a termination message. Unknown fields are ignored (a later minor addition); another
    /// version is refused.
    pub fn parse(message: &str) -> Result<Self, VerdictError> {
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned = serde_json::from_str(message)?;
        if versioned.version != VERDICT_VERSION {
            return Err(VerdictError::Version {
                found: versioned.version,
            });
        }
        Ok(serde_json::from_str(message)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wire_form() {
        let verdict = Verdict::failed(
            Counts {
                changed: 1,
                ..Counts::default()
            },
            vec!["config.json changed".to_owned()],
            Some("ab".to_owned()),
        );
        let json = verdict.to_json();
        assert_eq!(
            json,
            r#"{"version":1,"result":"failed","counts":{"added":0,"missing":0,"changed":1,"ignored":0},"reasons":["config.json changed"],"argsHash":"ab"}"#
        );
        assert_eq!(Verdict::parse(&json).unwrap(), verdict);
    }

    #[test]
    fn other_versions_and_text_are_refused() {
        let err = Verdict::parse(r#"{"version":2,"result":"verified"}"#).unwrap_err();
        assert_eq!(err.to_string(), "verdict version 2: expected version 1");
        assert!(Verdict::parse("Verification succeeded").is_err());
        assert!(Verdict::parse(r#"{"version":1,"result":"maybe"}"#).is_err());
    }

    /// However long the reasons, the document fits in a termination message.
    #[test]
    fn long_reasons_are_bounded() {
        for n in [1usize, 5, 50, 500] {
            let reasons = (0..n)
                .map(|i| format!("{i}:{}", "é\"\\".repeat(n)))
                .collect();
            let json = Verdict::failed(Counts::default(), reasons, None).to_json();
            assert!(json.len() <= MAX_VERDICT_BYTES, "{n}: {}", json.len());
            assert_eq!(Verdict::parse(&json).unwrap().result, Outcome::Failed);
        }
    }
}
