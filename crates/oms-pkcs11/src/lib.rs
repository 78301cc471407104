//! PKCS#11 for OMS: RFC 7512 `pkcs11:` URIs and ECDSA signing through a PKCS#11 module
//! (the `pkcs11-key` / `pkcs11-certificate` signing methods).

mod context;
mod curve;
mod error;
mod module;
mod percent;
mod pin;
mod signer;
mod token;
mod uri;
mod uri_error;

pub use error::Pkcs11Error;
pub use module::DEFAULT_MODULE_DIRS;
pub use oms_keys::Curve;
pub use signer::Pkcs11Signer;
pub use uri::{LibraryVersion, ObjectType, Pkcs11Uri};
pub use uri_error::{UriComponent, UriError};
