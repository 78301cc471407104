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

mod admission_reviews;
mod bypass_classes;
mod common;
mod crd_yaml;
mod decide_property;
mod governed_pods;
mod mutation_args;
mod mutation_cases;
mod status_verdicts;
mod webhook_tls;
