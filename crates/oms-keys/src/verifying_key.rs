//! Public EC keys: loading, canonical encoding, the OMS key hint, and ECDSA DER verification.

use std::fmt;

use ecdsa::signature::hazmat::PrehashVerifier;
use ecdsa::signature::Verifier;
use sha2::{Digest, Sha256};

use crate::{algorithm, pem, Curve, KeyError};

#[derive(Clone)]
enum Inner {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

/// A public key on P-256, P-384 or P-521.
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Inner,
}

// The SPKI DER before the SEC1 point, per curve: SEQUENCE { SEQUENCE { id-ecPublicKey,
// namedCurve }, BIT STRING (0 unused bits) }. With a fixed-length uncompressed point these are
// constant, which makes the canonical encoding infallible.
const SPKI_PREFIX_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const SPKI_PREFIX_P384: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];
const SPKI_PREFIX_P521: &[u8] = &[
    0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
    0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00,
];

const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
const EXPECTED_PUBLIC: &str = "a PEM public key (-----BEGIN PUBLIC KEY-----)";

impl VerifyingKey {
    /// Reads the first `PUBLIC KEY` (SubjectPublicKeyInfo) block; text before it is ignored.
    pub fn from_pem(bytes: &[u8]) -> Result<Self, KeyError> {
        let blocks =
            pem::parse_blocks(bytes).map_err(|reason| KeyError::MalformedPem { reason })?;
        if let Some(block) = blocks.iter().find(|b| b.label == PUBLIC_KEY_LABEL) {
            return Self::from_spki_der(&block.der);
        }
        match blocks.first() {
            None => Err(KeyError::NoPemBlock {
                expected: EXPECTED_PUBLIC,
            }),
            Some(b) if b.label == "RSA PUBLIC KEY" => Err(KeyError::UnsupportedKeyType {
                found: "RSA".to_string(),
            }),
            Some(b) => Err(KeyError::UnexpectedPemLabel {
                expected: EXPECTED_PUBLIC,
                found: b.label.clone(),
            }),
        }
    }

    /// Reads a DER SubjectPublicKeyInfo (compressed or uncompressed point).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki =
            spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|e| KeyError::InvalidKey {
                what: "SubjectPublicKeyInfo",
                reason: e.to_string(),
            })?;
        let curve = algorithm::curve_of(&spki.algorithm)?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| KeyError::InvalidKey {
                what: "SubjectPublicKeyInfo",
                reason: "the public key BIT STRING has unused bits".to_string(),
            })?;
        Self::from_sec1_point(curve, point)
    }

    /// Builds a key from a SEC1 encoded point (as PKCS#11 `CKA_EC_POINT` holds it).
    pub fn from_sec1_point(curve: Curve, point: &[u8]) -> Result<Self, KeyError> {
        let invalid = |e: ecdsa::Error| KeyError::InvalidKey {
            what: "EC public key point",
            reason: format!("not a valid {curve} point: {e}"),
        };
        let inner = match curve {
            Curve::P256 => {
                Inner::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(invalid)?)
            }
            Curve::P384 => {
                Inner::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(invalid)?)
            }
            Curve::P521 => {
                Inner::P521(p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(invalid)?)
            }
        };
        Ok(Self { inner })
    }

    pub(crate) fn from_p256(key: p256::ecdsa::VerifyingKey) -> Self {
        Self {
            inner: Inner::P256(key),
        }
    }

    pub(crate) fn from_p384(key: p384::ecdsa::VerifyingKey) -> Self {
        Self {
            inner: Inner::P384(key),
        }
    }

    pub(crate) fn from_p521(key: p521::ecdsa::VerifyingKey) -> Self {
        Self {
            inner: Inner::P521(key),
        }
    }

    pub fn curve(&self) -> Curve {
        match self.inner {
            Inner::P256(_) => Curve::P256,
            Inner::P384(_) => Curve::P384,
            Inner::P521(_) => Curve::P521,
        }
    }

    /// The uncompressed SEC1 point (`04 || x || y`).
    pub fn to_sec1_uncompressed(&self) -> Vec<u8> {
        match &self.inner {
            Inner::P256(k) => k.to_encoded_point(false).as_bytes().to_vec(),
            Inner::P384(k) => k.to_encoded_point(false).as_bytes().to_vec(),
            Inner::P521(k) => k.to_encoded_point(false).as_bytes().to_vec(),
        }
    }

    /// Canonical SubjectPublicKeyInfo DER: named-curve OID, uncompressed point.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let prefix = match self.curve() {
            Curve::P256 => SPKI_PREFIX_P256,
            Curve::P384 => SPKI_PREFIX_P384,
            Curve::P521 => SPKI_PREFIX_P521,
        };
        let mut der = prefix.to_vec();
        der.extend_from_slice(&self.to_sec1_uncompressed());
        der
    }

    /// Canonical PEM, byte-identical to what OpenSSL / `cryptography` write.
    pub fn to_pem(&self) -> String {
        pem::encode(PUBLIC_KEY_LABEL, &self.to_spki_der())
    }

    /// The OMS `verificationMaterial.publicKey.hint`: lowercase hex SHA-256 of [`Self::to_pem`].
    pub fn hint(&self) -> String {
        oms_format::public_key_hint(&self.to_spki_der())
    }

    /// Verifies an ASN.1 DER ECDSA signature over `msg`, hashed with the curve's hash.
    pub fn verify(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), KeyError> {
        let not_der = || KeyError::SignatureNotDer { len: der_sig.len() };
        let verified = match &self.inner {
            Inner::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(der_sig).map_err(|_| not_der())?;
                k.verify(msg, &sig)
            }
            Inner::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(der_sig).map_err(|_| not_der())?;
                k.verify(msg, &sig)
            }
            Inner::P521(k) => {
                let sig = p521::ecdsa::Signature::from_der(der_sig).map_err(|_| not_der())?;
                k.verify(msg, &sig)
            }
        };
        verified.map_err(|_| self.invalid_signature(self.curve().hash_name()))
    }

    /// Verifies an ASN.1 DER ECDSA signature over SHA-256(`msg`) whatever the curve: model-signing
    /// v0.2 certificate bundles were signed that way.
    pub fn verify_with_sha256(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), KeyError> {
        self.verify_digest(&Sha256::digest(msg), "SHA-256", der_sig)
    }

    /// Verifies an ASN.1 DER ECDSA signature over an already computed `digest`.
    pub(crate) fn verify_digest(
        &self,
        digest: &[u8],
        hash: &'static str,
        der_sig: &[u8],
    ) -> Result<(), KeyError> {
        let not_der = || KeyError::SignatureNotDer { len: der_sig.len() };
        let prehash = pad_prehash(self.curve(), digest);
        let verified = match &self.inner {
            Inner::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(der_sig).map_err(|_| not_der())?;
                k.verify_prehash(&prehash, &sig)
            }
            Inner::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(der_sig).map_err(|_| not_der())?;
                k.verify_prehash(&prehash, &sig)
            }
            Inner::P521(k) => {
                let sig = p521::ecdsa::Signature::from_der(der_sig).map_err(|_| not_der())?;
                k.verify_prehash(&prehash, &sig)
            }
        };
        verified.map_err(|_| self.invalid_signature(hash))
    }

    fn invalid_signature(&self, hash: &'static str) -> KeyError {
        KeyError::InvalidSignature {
            curve: self.curve(),
            hash,
        }
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.to_spki_der() == other.to_spki_der()
    }
}

impl Eq for VerifyingKey {}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("curve", &self.curve())
            .field("hint", &self.hint())
            .finish()
    }
}

/// The ecdsa crate refuses digests shorter than half the field (SHA-256 on P-521: 32 < 33
/// bytes). Left-padding with zeros keeps the integer value, which is what FIPS 186 uses when
/// the hash is shorter than the group order.
fn pad_prehash(curve: Curve, digest: &[u8]) -> Vec<u8> {
    let field_len = match curve {
        Curve::P256 => 32,
        Curve::P384 => 48,
        Curve::P521 => 66,
    };
    if digest.len() * 2 >= field_len {
        return digest.to_vec();
    }
    let mut padded = vec![0u8; field_len - digest.len()];
    padded.extend_from_slice(digest);
    padded
}
