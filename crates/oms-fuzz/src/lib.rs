//! Fuzz targets: one function per parser that reads untrusted bytes. Each takes arbitrary
//! bytes, runs the real parser and whatever a caller does next with its result, and must
//! return without panicking (errors are the expected outcome for most inputs).
//!
//! `fuzz/` (cargo-fuzz, nightly) calls these under libFuzzer; `tests/corpus_replay.rs` replays
//! every file of `fuzz/corpus/<target>/` through them on stable, so a crash found once stays
//! fixed. Targets that need several inputs (a chain and its anchors, a payload type and a
//! payload) split the bytes with [`split`].

mod inspect;
mod oci;
mod scan;
mod targets;

pub use inspect::inspect;
pub use oci::oci_manifest;
pub use scan::{scan_capture, scan_pickle, scan_sniff};
pub use targets::{
    bundle, certificate, chain, dsse, pem_keys, pkcs11_uri, sigstore_verify, statement, trust_root,
};

/// A fuzz target: takes any bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// Every target by the name of its corpus folder (and of its cargo-fuzz target).
pub const TARGETS: &[(&str, Target)] = &[
    ("bundle", bundle),
    ("statement", statement),
    ("dsse", dsse),
    ("pem_keys", pem_keys),
    ("certificate", certificate),
    ("chain", chain),
    ("pkcs11_uri", pkcs11_uri),
    ("trust_root", trust_root),
    ("inspect", inspect),
    ("sigstore_verify", sigstore_verify),
    ("scan_pickle", scan_pickle),
    ("scan_sniff", scan_sniff),
    ("scan_capture", scan_capture),
    ("oci_manifest", oci_manifest),
];

/// The separator between the parts of a multi-part input: unlikely inside PEM, JSON or DER
/// by chance, short enough for the fuzzer to find and mutate.
pub const SEPARATOR: &[u8] = b"\n--8<--\n";

/// Splits `data` at every [`SEPARATOR`].
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        let (part, tail) = rest.split_at(at);
        parts.push(part);
        rest = tail.get(SEPARATOR.len()..).unwrap_or_default();
    }
    parts.push(rest);
    parts
}

/// Joins parts with [`SEPARATOR`]: builds seed inputs for the multi-part targets.
pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(SEPARATOR)
}
