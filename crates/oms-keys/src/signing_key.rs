//! Private EC keys: loading every PEM form the reference accepts, generating, signing.

use std::fmt;

use ecdsa::signature::Signer;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use pkcs8::pkcs5::pbes2;
use rand_core::{OsRng, RngCore};

use crate::pem::{self, PemBlock};
use crate::{algorithm, Curve, KeyError, VerifyingKey};

enum Inner {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

/// A private key on P-256, P-384 or P-521.
pub struct SigningKey {
    inner: Inner,
}

const EXPECTED_PRIVATE: &str =
    "a PEM private key (PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY)";

/// PBKDF2-HMAC-SHA256 rounds for keys we encrypt (OWASP's 2023 recommendation).
const PBKDF2_ROUNDS: u32 = 600_000;

impl SigningKey {
    /// A fresh random key.
    pub fn generate(curve: Curve) -> Self {
        let inner = match curve {
            Curve::P256 => Inner::P256(p256::ecdsa::SigningKey::random(&mut OsRng)),
            Curve::P384 => Inner::P384(p384::ecdsa::SigningKey::random(&mut OsRng)),
            Curve::P521 => Inner::P521(p521::ecdsa::SigningKey::random(&mut OsRng)),
        };
        Self { inner }
    }

    /// Reads the first private-key PEM block of `bytes` (text before it is ignored): PKCS#8
    /// `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` with `password`.
    pub fn from_pem(bytes: &[u8], password: Option<&[u8]>) -> Result<Self, KeyError> {
        let blocks =
            pem::parse_blocks(bytes).map_err(|reason| KeyError::MalformedPem { reason })?;
        let block = match blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY")) {
            Some(block) => block,
            None => {
                return Err(match blocks.first() {
                    None => KeyError::NoPemBlock {
                        expected: EXPECTED_PRIVATE,
                    },
                    Some(b) => KeyError::UnexpectedPemLabel {
                        expected: EXPECTED_PRIVATE,
                        found: b.label.clone(),
                    },
                })
            }
        };
        Self::from_pem_block(block, password)
    }

    fn from_pem_block(block: &PemBlock, password: Option<&[u8]>) -> Result<Self, KeyError> {
        let legacy_encrypted = block
            .header("Proc-Type")
            .is_some_and(|v| v.to_ascii_uppercase().contains("ENCRYPTED"));
        match block.label.as_str() {
            "RSA PRIVATE KEY" => Err(unsupported("RSA")),
            "DSA PRIVATE KEY" => Err(unsupported("DSA")),
            _ if legacy_encrypted => Err(KeyError::LegacyEncryptedPem),
            "ENCRYPTED PRIVATE KEY" => {
                let password = password.ok_or(KeyError::PasswordRequired)?;
                Self::from_encrypted_pkcs8_der(&block.der, password)
            }
            "PRIVATE KEY" => {
                refuse_password(password)?;
                Self::from_pkcs8_der(&block.der)
            }
            "EC PRIVATE KEY" => {
                refuse_password(password)?;
                Self::from_sec1_der(&block.der)
            }
            other => Err(KeyError::UnexpectedPemLabel {
                expected: EXPECTED_PRIVATE,
                found: other.to_string(),
            }),
        }
    }

    /// Reads a DER PKCS#8 PrivateKeyInfo.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| KeyError::InvalidKey {
            what: "PKCS#8 private key",
            reason: e.to_string(),
        })?;
        let curve = algorithm::curve_of(&info.algorithm)?;
        let invalid = |e: pkcs8::Error| KeyError::InvalidKey {
            what: "PKCS#8 private key",
            reason: format!("not a valid {curve} key: {e}"),
        };
        let inner = match curve {
            Curve::P256 => Inner::P256(
                p256::SecretKey::from_pkcs8_der(der)
                    .map_err(invalid)?
                    .into(),
            ),
            Curve::P384 => Inner::P384(
                p384::SecretKey::from_pkcs8_der(der)
                    .map_err(invalid)?
                    .into(),
            ),
            Curve::P521 => {
                let secret = p521::SecretKey::from_pkcs8_der(der).map_err(invalid)?;
                Inner::P521(ecdsa::SigningKey::<p521::NistP521>::from(secret).into())
            }
        };
        Ok(Self { inner })
    }

    /// Reads a DER PKCS#8 EncryptedPrivateKeyInfo (PBES2).
    pub fn from_encrypted_pkcs8_der(der: &[u8], password: &[u8]) -> Result<Self, KeyError> {
        let info =
            pkcs8::EncryptedPrivateKeyInfo::try_from(der).map_err(|e| KeyError::InvalidKey {
                what: "encrypted PKCS#8 private key",
                reason: e.to_string(),
            })?;
        let plain = info.decrypt(password).map_err(|e| match e {
            // pkcs5 0.7 reports a bad CBC padding on decryption as `EncryptFailed`.
            pkcs8::Error::EncryptedPrivateKey(
                pkcs8::pkcs5::Error::DecryptFailed | pkcs8::pkcs5::Error::EncryptFailed,
            ) => KeyError::WrongPassword,
            other => KeyError::UnsupportedEncryption {
                reason: other.to_string(),
            },
        })?;
        // A wrong password occasionally yields valid CBC padding; the garbage then fails to parse.
        if pkcs8::PrivateKeyInfo::try_from(plain.as_bytes()).is_err() {
            return Err(KeyError::WrongPassword);
        }
        Self::from_pkcs8_der(plain.as_bytes())
    }

    /// Reads a DER SEC1 ECPrivateKey; it must name its curve.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        let invalid = |reason: String| KeyError::InvalidKey {
            what: "SEC1 EC private key",
            reason,
        };
        let key = sec1::EcPrivateKey::try_from(der).map_err(|e| invalid(e.to_string()))?;
        let oid = key
            .parameters
            .and_then(|p| p.named_curve())
            .ok_or_else(|| invalid("it does not name its curve".to_string()))?;
        let curve = algorithm::named_curve(&oid)?;
        let bad = |e: p256::elliptic_curve::Error| invalid(format!("not a valid {curve} key: {e}"));
        let inner = match curve {
            Curve::P256 => Inner::P256(p256::SecretKey::from_sec1_der(der).map_err(bad)?.into()),
            Curve::P384 => Inner::P384(p384::SecretKey::from_sec1_der(der).map_err(bad)?.into()),
            Curve::P521 => {
                let secret = p521::SecretKey::from_sec1_der(der).map_err(bad)?;
                Inner::P521(ecdsa::SigningKey::<p521::NistP521>::from(secret).into())
            }
        };
        Ok(Self { inner })
    }

    pub fn curve(&self) -> Curve {
        match self.inner {
            Inner::P256(_) => Curve::P256,
            Inner::P384(_) => Curve::P384,
            Inner::P521(_) => Curve::P521,
        }
    }

    /// ECDSA over `msg` with the curve's hash; ASN.1 DER encoded. Nonces are RFC 6979
    /// deterministic on P-256/P-384 and random on P-521 (the `p521` crate's choice); verifiers
    /// cannot tell the difference.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match &self.inner {
            Inner::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
            Inner::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
            Inner::P521(k) => {
                let sig: p521::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        match &self.inner {
            Inner::P256(k) => VerifyingKey::from_p256(*k.verifying_key()),
            Inner::P384(k) => VerifyingKey::from_p384(*k.verifying_key()),
            Inner::P521(k) => VerifyingKey::from_p521(p521::ecdsa::VerifyingKey::from(k)),
        }
    }

    /// Unencrypted PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<pkcs8::SecretDocument, KeyError> {
        let encoded = match &self.inner {
            Inner::P256(k) => p256::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der(),
            Inner::P384(k) => p384::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der(),
            Inner::P521(k) => p521::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der(),
        };
        encoded.map_err(|e| KeyError::Encode {
            reason: e.to_string(),
        })
    }

    /// PEM PKCS#8: `PRIVATE KEY`, or with a password `ENCRYPTED PRIVATE KEY` (PBES2,
    /// PBKDF2-HMAC-SHA256, AES-256-CBC: readable by OpenSSL and `cryptography`).
    pub fn to_pkcs8_pem(&self, password: Option<&[u8]>) -> Result<String, KeyError> {
        let plain = self.to_pkcs8_der()?;
        let Some(password) = password else {
            return Ok(pem::encode("PRIVATE KEY", plain.as_bytes()));
        };
        let encode_err = |reason: String| KeyError::Encode { reason };
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut iv);
        let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ROUNDS, &salt, &iv)
            .map_err(|e| encode_err(e.to_string()))?;
        let info = pkcs8::PrivateKeyInfo::try_from(plain.as_bytes())
            .map_err(|e| encode_err(e.to_string()))?;
        let encrypted = info
            .encrypt_with_params(params, password)
            .map_err(|e| encode_err(e.to_string()))?;
        Ok(pem::encode("ENCRYPTED PRIVATE KEY", encrypted.as_bytes()))
    }
}

fn unsupported(found: &str) -> KeyError {
    KeyError::UnsupportedKeyType {
        found: found.to_string(),
    }
}

fn refuse_password(password: Option<&[u8]>) -> Result<(), KeyError> {
    match password {
        Some(_) => Err(KeyError::PasswordNotNeeded),
        None => Ok(()),
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("curve", &self.curve())
            .finish_non_exhaustive()
    }
}
