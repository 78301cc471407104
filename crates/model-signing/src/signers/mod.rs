//! Signers for the key, certificate and PKCS#11 methods. Sigstore keyless signing lives in
//! [`SigstoreSigner`] when the `sigstore` feature is on.

mod certificate;
mod key;
#[cfg(feature = "pkcs11")]
mod pkcs11;
#[cfg(feature = "sigstore")]
mod sigstore;

pub use certificate::CertificateSigner;
pub use key::KeySigner;
#[cfg(feature = "pkcs11")]
pub use pkcs11::{Pkcs11CertificateSigner, Pkcs11KeySigner};
#[cfg(feature = "sigstore")]
pub use sigstore::SigstoreSigner;

use std::path::{Path, PathBuf};

use oms_format::dsse::{self, Envelope, EnvelopeSignature};

use crate::{Error, SignError};

/// Signs the statement's PAE with `sign` and wraps both in a DSSE envelope, the way the
/// reference's key and certificate signers do (`keyid` is the empty string).
pub(crate) fn envelope(
    statement: &[u8],
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, SignError>,
) -> Result<Envelope, SignError> {
    let pae = dsse::pae(dsse::PAYLOAD_TYPE, statement);
    let sig = sign(&pae)?;
    Ok(Envelope {
        payload: statement.to_vec(),
        payload_type: dsse::PAYLOAD_TYPE.to_string(),
        signatures: vec![EnvelopeSignature {
            sig,
            keyid: Some(String::new()),
        }],
    })
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the signing certificate and the chain files, returning DER certificates: the signing
/// certificate first, then every certificate of the chain files in the order given.
pub(crate) fn read_chain(cert: &Path, chain: &[PathBuf]) -> Result<Vec<Vec<u8>>, Error> {
    use oms_keys::certificate::parse_pem_certificates;
    let leaf = parse_pem_certificates(&read_file(cert)?).map_err(SignError::from)?;
    let mut all: Vec<Vec<u8>> = leaf.into_iter().take(1).collect();
    for path in chain {
        all.extend(parse_pem_certificates(&read_file(path)?).map_err(SignError::from)?);
    }
    Ok(all)
}
