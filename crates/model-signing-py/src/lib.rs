//! `model_signing_rs._core`: the Rust side of the `model_signing_rs` Python package. The Python
//! modules (`signing`, `verifying`, `hashing`) hold the reference's configuration objects and
//! call the functions here with plain values; every function releases the GIL while it reads
//! and hashes.

mod api;
mod buffers;
mod errors;
mod progress;
mod reference_wording;
mod spec;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("Error", m.py().get_type::<errors::Error>())?;
    m.add_function(wrap_pyfunction!(api::digest, m)?)?;
    m.add_function(wrap_pyfunction!(api::sign, m)?)?;
    m.add_function(wrap_pyfunction!(api::check_signer, m)?)?;
    m.add_function(wrap_pyfunction!(api::check_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(api::verify, m)?)?;
    m.add_function(wrap_pyfunction!(api::read_verified, m)?)?;
    Ok(())
}
