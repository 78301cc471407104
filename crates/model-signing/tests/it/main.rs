//! The integration tests of this crate as one binary (each dependency linked once, not once per
//! file): every module was a test file of its own. The lint policy for test code is stated here,
//! once, for all of them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

mod comment_citations;
mod library_boundary;
mod one_crypto_provider;
mod roundtrip;
mod scan_plan;
mod sigstore_common;
mod sigstore_faults;
mod sigstore_login;
mod sigstore_roundtrip;
mod walk_policy;
