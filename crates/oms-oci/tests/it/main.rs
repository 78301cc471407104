//! The integration tests of oms-oci as one binary; the lint policy for test code is stated here,
//! once. The registry tests need the registry shell (feature `registry`, on by default).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: clippy (1.95) lints integration-test helpers as non-test code, rust-clippy#13981"
)]

#[cfg(feature = "registry")]
mod archive_layers;
mod common;
mod manifest_mapping;
#[cfg(feature = "registry")]
mod registry;
