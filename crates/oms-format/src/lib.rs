//! The OpenSSF Model Signing (OMS) format as pure functions over bytes: no I/O, no crypto
//! beyond SHA-256 for the root digest and the key hint.
//!
//! * [`manifest`]: hash algorithms, digests, resource names and their ordering, the root digest.
//! * [`statement`]: the in-toto statement (current and legacy v0.2 predicates).
//! * [`dsse`]: the DSSE envelope and its pre-authentication encoding (and the legacy one).
//! * [`bundle`]: the Sigstore bundle v0.3 shapes used by OMS (key, certificate, keyless).
//! * [`limits`]: how large a signature may be, for signers and verifiers alike.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod bundle;
pub mod dsse;
mod json_node;
pub mod limits;
pub mod manifest;
pub mod path;
pub mod statement;

pub use bundle::{
    certificate_bundle_json, key_bundle_json, parse_bundle, pem_encode, public_key_hint, Bundle,
    BundleError, VerificationMaterial, BUNDLE_MEDIA_TYPE,
};
pub use dsse::{legacy_pae, pae, Envelope, EnvelopeSignature, PAYLOAD_TYPE};
pub use manifest::{
    Digest, HashAlgorithm, Manifest, ManifestError, Method, Resource, ResourceKey, Serialization,
};
pub use statement::{
    parse_statement, statement_bytes, SignedStatement, StatementError, LEGACY_PREDICATE_TYPE,
    PREDICATE_TYPE, STATEMENT_TYPE,
};
