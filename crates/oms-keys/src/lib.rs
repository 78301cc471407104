//! EC keys for OpenSSF Model Signing: P-256/P-384/P-521 ECDSA with the reference's hash per
//! curve and DER signatures, the key `hint`, and X.509 chain verification that mirrors the
//! Python reference (OpenSSL at the leaf's notBefore).

mod algorithm;
pub mod certificate;
mod curve;
mod error;
mod pem;
mod signing_key;
mod verifying_key;

pub use curve::Curve;
pub use error::KeyError;
pub use signing_key::SigningKey;
pub use verifying_key::VerifyingKey;
