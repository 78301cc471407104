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

mod cli_surface;
mod common;
mod demo;
mod fixtures;
mod interop_reference;
mod large_models;
mod oci_registry;
mod pkcs11_cli;
mod scan_cli;
mod sigstore_cli;
mod tamper;
mod walk_policy;
