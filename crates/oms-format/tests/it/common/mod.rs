//! Where the integration tests find the conformance fixtures.

use std::path::{Path, PathBuf};

/// The conformance fixtures in the repository (`tests/fixtures/`, see its README).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}
