//! Knobs that make the services misbehave, for negative tests of verifiers.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// One way for the harness to misbehave. Faults stay active until cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Fulcio issues leaves whose validity ended ten minutes before now.
    ExpiredCertificate,
    /// Fulcio embeds an SCT whose signature does not verify.
    CorruptSct,
    /// Rekor logs and returns an entry for a different payload (v1) or
    /// digest (v2) than the one submitted.
    ForeignLogEntry,
    /// Rekor returns an inclusion proof with a corrupted hash.
    CorruptInclusionProof,
    /// Rekor v1 returns a signed entry timestamp that does not verify.
    CorruptSet,
    /// Rekor returns a checkpoint whose signature does not verify.
    CorruptCheckpoint,
    /// The TSA returns a timestamp whose CMS signature does not verify.
    CorruptTimestamp,
}

/// The active faults, shared by all servers.
#[derive(Default)]
pub struct Faults {
    active: Mutex<BTreeSet<Fault>>,
}

impl Faults {
    /// Activate `fault`.
    pub fn inject(&self, fault: Fault) {
        if let Ok(mut active) = self.active.lock() {
            active.insert(fault);
        }
    }

    /// Deactivate every fault.
    pub fn clear(&self) {
        if let Ok(mut active) = self.active.lock() {
            active.clear();
        }
    }

    /// Whether `fault` is active.
    pub fn is_active(&self, fault: Fault) -> bool {
        self.active
            .lock()
            .map(|active| active.contains(&fault))
            .unwrap_or(false)
    }
}

/// Flip the last bit of a DER ECDSA signature: still parseable, no longer valid.
pub fn corrupt_signature(signature: &mut [u8]) {
    if let Some(last) = signature.last_mut() {
        *last ^= 1;
    }
}
