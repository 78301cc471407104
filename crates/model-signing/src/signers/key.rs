use std::path::Path;

use oms_format::bundle;
use oms_keys::SigningKey;

use super::{envelope, read_file};
use crate::{Error, SignError, Signer};

/// Signs with an EC private key; the bundle names the public key by its hint.
pub struct KeySigner {
    key: SigningKey,
}

impl KeySigner {
    pub fn new(key: SigningKey) -> Self {
        Self { key }
    }

    /// Loads a PEM private key (PKCS#8, SEC1 or encrypted PKCS#8).
    pub fn from_pem_file(path: &Path, password: Option<&[u8]>) -> Result<Self, Error> {
        let key = SigningKey::from_pem(&read_file(path)?, password).map_err(SignError::from)?;
        Ok(Self { key })
    }
}

impl Signer for KeySigner {
    fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, SignError> {
        let env = envelope(statement, |pae| Ok(self.key.sign(pae)))?;
        Ok(bundle::key_bundle_json(
            &self.key.verifying_key().hint(),
            &env,
        ))
    }
}
