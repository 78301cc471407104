use std::path::{Path, PathBuf};

use oms_format::bundle;
use oms_keys::certificate::check_key_matches_certificate;
use oms_keys::SigningKey;

use super::{envelope, read_chain, read_file};
use crate::{Error, SignError, Signer};

/// Signs with an EC private key whose X.509 certificate (and chain) goes into the bundle.
pub struct CertificateSigner {
    key: SigningKey,
    chain: Vec<Vec<u8>>,
}

impl CertificateSigner {
    /// `chain` is the signing certificate first, then its issuers (DER).
    pub fn new(key: SigningKey, chain: Vec<Vec<u8>>) -> Result<Self, SignError> {
        let leaf = chain
            .first()
            .ok_or_else(|| SignError::Other("no signing certificate was given".into()))?;
        check_key_matches_certificate(&key, leaf)?;
        Ok(Self { key, chain })
    }

    pub fn from_files(
        private_key: &Path,
        password: Option<&[u8]>,
        signing_certificate: &Path,
        certificate_chain: &[PathBuf],
    ) -> Result<Self, Error> {
        let key =
            SigningKey::from_pem(&read_file(private_key)?, password).map_err(SignError::from)?;
        let chain = read_chain(signing_certificate, certificate_chain)?;
        Ok(Self::new(key, chain)?)
    }
}

impl Signer for CertificateSigner {
    fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, SignError> {
        let env = envelope(statement, |pae| Ok(self.key.sign(pae)))?;
        Ok(bundle::certificate_bundle_json(&self.chain, &env))
    }
}
