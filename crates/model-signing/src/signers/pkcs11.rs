use std::path::{Path, PathBuf};

use oms_format::bundle;
use oms_keys::certificate::leaf_verifying_key;
use oms_keys::VerifyingKey;
use oms_pkcs11::{Pkcs11Signer, Pkcs11Uri};

use super::{envelope, read_chain};
use crate::{Error, SignError, Signer};

fn open(uri: &str, module_paths: &[PathBuf]) -> Result<Pkcs11Signer, SignError> {
    let uri = Pkcs11Uri::parse(uri).map_err(|e| SignError::Other(e.to_string()))?;
    Ok(Pkcs11Signer::open(&uri, module_paths)?)
}

/// Signs with an EC key held in a PKCS#11 token (an HSM, a smart card, SoftHSM).
pub struct Pkcs11KeySigner {
    token: Pkcs11Signer,
    hint: String,
}

impl Pkcs11KeySigner {
    /// `uri` is an RFC 7512 `pkcs11:` URI; `module_paths` are extra folders to look for
    /// `module-name` in.
    pub fn open(uri: &str, module_paths: &[PathBuf]) -> Result<Self, Error> {
        let token = open(uri, module_paths)?;
        let hint = VerifyingKey::from_spki_der(&token.spki_der())
            .map_err(SignError::from)?
            .hint();
        Ok(Self { token, hint })
    }
}

impl Signer for Pkcs11KeySigner {
    fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, SignError> {
        let env = envelope(statement, |pae| Ok(self.token.sign(pae)?))?;
        Ok(bundle::key_bundle_json(&self.hint, &env))
    }
}

/// Signs with a PKCS#11 key whose X.509 certificate (and chain) goes into the bundle.
pub struct Pkcs11CertificateSigner {
    token: Pkcs11Signer,
    chain: Vec<Vec<u8>>,
}

impl Pkcs11CertificateSigner {
    pub fn open(
        uri: &str,
        module_paths: &[PathBuf],
        signing_certificate: &Path,
        certificate_chain: &[PathBuf],
    ) -> Result<Self, Error> {
        let token = open(uri, module_paths)?;
        let chain = read_chain(signing_certificate, certificate_chain)?;
        let leaf = chain
            .first()
            .ok_or_else(|| SignError::Other("no signing certificate was given".into()))?;
        let cert_key = leaf_verifying_key(leaf).map_err(SignError::from)?;
        if cert_key.to_spki_der() != token.spki_der() {
            return Err(SignError::Other(
                "The public key from the certificate does not match the public key of the PKCS#11 key"
                    .into(),
            )
            .into());
        }
        Ok(Self { token, chain })
    }
}

impl Signer for Pkcs11CertificateSigner {
    fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, SignError> {
        let env = envelope(statement, |pae| Ok(self.token.sign(pae)?))?;
        Ok(bundle::certificate_bundle_json(&self.chain, &env))
    }
}
