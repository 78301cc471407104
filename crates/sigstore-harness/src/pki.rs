//! Throwaway keys and certificates: ECDSA P-256 everywhere, built with
//! `x509-cert` so that every byte of a TBS certificate is under our control
//! (the embedded SCT signs the exact TBS encoding).

use crate::error::HarnessError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use const_oid::db::rfc5912::ECDSA_WITH_SHA_256;
use const_oid::AssociatedOid;
use der::asn1::{BitString, OctetString, UtcTime};
use der::Encode;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use std::str::FromStr;
use std::time::{Duration, SystemTime};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

/// An ECDSA P-256 key pair owned by one harness service.
pub struct KeyPair {
    signing: SigningKey,
}

impl KeyPair {
    /// A fresh random key.
    pub fn generate() -> KeyPair {
        KeyPair {
            signing: SigningKey::random(&mut OsRng),
        }
    }

    /// DER SubjectPublicKeyInfo (named curve, uncompressed point).
    pub fn spki_der(&self) -> Vec<u8> {
        // Encoding a valid P-256 point cannot fail; an empty vector would
        // only make every consumer reject the key loudly.
        self.signing
            .verifying_key()
            .to_public_key_der()
            .map(|doc| doc.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// RFC 6962 key ID: SHA-256 of the DER SubjectPublicKeyInfo. Also the
    /// Sigstore `logId.keyId` of a log whose key this is.
    pub fn key_id(&self) -> [u8; 32] {
        Sha256::digest(self.spki_der()).into()
    }

    /// ECDSA-SHA256 over `message`, DER-encoded.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let signature: Signature = self.signing.sign(message);
        signature.to_der().as_bytes().to_vec()
    }

    /// ECDSA-SHA256 over `message` as fixed-size `r || s` (JWS ES256).
    pub fn sign_fixed(&self, message: &[u8]) -> [u8; 64] {
        let signature: Signature = self.signing.sign(message);
        signature.to_bytes().into()
    }

    /// The public key and its key ID.
    pub fn public(&self) -> PublicKeyInfo {
        PublicKeyInfo {
            spki_der: self.spki_der(),
            key_id: self.key_id(),
        }
    }

    /// The public point as uncompressed affine coordinates (for a JWK).
    pub fn public_xy(&self) -> ([u8; 32], [u8; 32]) {
        let point = self.signing.verifying_key().to_encoded_point(false);
        let mut x = [0u8; 32];
        let mut y = [0u8; 32];
        if let (Some(px), Some(py)) = (point.x(), point.y()) {
            x.copy_from_slice(px);
            y.copy_from_slice(py);
        }
        (x, y)
    }
}

/// The public half of a key as trust roots publish it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// SHA-256 of `spki_der`.
    pub key_id: [u8; 32],
}

/// A CA certificate with its key.
pub struct Ca {
    /// The CA's signing key.
    pub key: KeyPair,
    /// DER certificate.
    pub cert_der: Vec<u8>,
    /// Subject name (the issuer name of what it signs).
    pub subject: Name,
    /// Subject key identifier (the authority key identifier of what it signs).
    pub key_identifier: Vec<u8>,
    /// notBefore of the certificate.
    pub not_before: SystemTime,
}

/// An end-entity certificate with its key (the TSA signer).
pub struct Leaf {
    /// The signing key.
    pub key: KeyPair,
    /// DER certificate.
    pub cert_der: Vec<u8>,
    /// The certificate, parsed (for issuer and serial in CMS).
    pub cert: Certificate,
}

/// Parse an RFC 4514 distinguished name such as `CN=x,O=y`.
pub fn name(dn: &str) -> Result<Name, HarnessError> {
    Name::from_str(dn).map_err(HarnessError::der("distinguished name"))
}

/// A random positive 16-byte serial number.
pub fn random_serial() -> Result<SerialNumber, HarnessError> {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).map_err(HarnessError::der("serial number"))
}

/// UTCTime, as RFC 5280 requires for dates before 2050 (pyca's verifier
/// rejects GeneralizedTime there).
pub fn utc_time(at: SystemTime) -> Result<Time, HarnessError> {
    let rounded = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| Duration::from_secs(d.as_secs()))
        .unwrap_or_default();
    UtcTime::from_unix_duration(rounded)
        .map(Time::UtcTime)
        .map_err(HarnessError::der("UTCTime"))
}

/// Wrap an encodable extension value.
pub fn extension<T: Encode + AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, HarnessError> {
    raw_extension(
        T::OID,
        critical,
        value
            .to_der()
            .map_err(HarnessError::der("extension value"))?,
    )
}

/// An extension whose `extnValue` octets are given as is.
pub fn raw_extension(
    oid: const_oid::ObjectIdentifier,
    critical: bool,
    value: Vec<u8>,
) -> Result<Extension, HarnessError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value).map_err(HarnessError::der("extension octets"))?,
    })
}

/// A key identifier derived from the SPKI (any stable 20 bytes will do).
pub fn key_identifier(spki_der: &[u8]) -> Vec<u8> {
    Sha256::digest(spki_der).iter().take(20).copied().collect()
}

/// Everything that goes into a TBS certificate.
pub struct CertParams {
    /// Subject name (may be empty for Fulcio leaves).
    pub subject: Name,
    /// DER SubjectPublicKeyInfo of the subject key.
    pub spki_der: Vec<u8>,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// Extensions in the order they are encoded.
    pub extensions: Vec<Extension>,
}

fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA_256,
        parameters: None,
    }
}

/// Build the TBS certificate for `params` as issued by `issuer`.
pub fn tbs_certificate(params: &CertParams, issuer: &Name) -> Result<TbsCertificate, HarnessError> {
    let spki = {
        use der::Decode;
        SubjectPublicKeyInfoOwned::from_der(&params.spki_der)
            .map_err(HarnessError::der("subject public key info"))?
    };
    Ok(TbsCertificate {
        version: Version::V3,
        serial_number: random_serial()?,
        signature: ecdsa_sha256(),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: utc_time(params.not_before)?,
            not_after: utc_time(params.not_after)?,
        },
        subject: params.subject.clone(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(params.extensions.clone()),
    })
}

/// Sign a TBS certificate with the issuer key; returns the DER certificate.
pub fn sign_certificate(
    tbs: TbsCertificate,
    issuer_key: &KeyPair,
) -> Result<Vec<u8>, HarnessError> {
    let tbs_der = tbs.to_der().map_err(HarnessError::der("TBS certificate"))?;
    let signature = issuer_key.sign_der(&tbs_der);
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature).map_err(HarnessError::der("signature"))?,
    };
    cert.to_der().map_err(HarnessError::der("certificate"))
}

fn ca_extensions(
    spki_der: &[u8],
    authority: Option<&[u8]>,
    path_len: Option<u8>,
) -> Result<Vec<Extension>, HarnessError> {
    let mut extensions = vec![
        extension(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
        extension(
            &BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
            true,
        )?,
        extension(
            &SubjectKeyIdentifier(
                OctetString::new(key_identifier(spki_der)).map_err(HarnessError::der("SKI"))?,
            ),
            false,
        )?,
    ];
    if let Some(authority) = authority {
        extensions.push(authority_key_identifier(authority)?);
    }
    Ok(extensions)
}

/// The AKI extension pointing at an issuer's key identifier.
pub fn authority_key_identifier(key_id: &[u8]) -> Result<Extension, HarnessError> {
    extension(
        &AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(key_id.to_vec()).map_err(HarnessError::der("AKI"))?,
            ),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
        false,
    )
}

/// A self-signed root CA valid from a day ago for ten years.
pub fn root_ca(dn: &str) -> Result<Ca, HarnessError> {
    let key = KeyPair::generate();
    let subject = name(dn)?;
    let spki_der = key.spki_der();
    let not_before = SystemTime::now() - Duration::from_secs(24 * 3600);
    let params = CertParams {
        subject: subject.clone(),
        spki_der: spki_der.clone(),
        not_before,
        not_after: not_before + Duration::from_secs(10 * 365 * 24 * 3600),
        extensions: ca_extensions(&spki_der, None, Some(1))?,
    };
    let cert_der = sign_certificate(tbs_certificate(&params, &subject)?, &key)?;
    Ok(Ca {
        key,
        cert_der,
        subject,
        key_identifier: key_identifier(&spki_der),
        not_before,
    })
}

/// An intermediate CA signed by `parent`, with the parent's validity start.
pub fn intermediate_ca(parent: &Ca, dn: &str) -> Result<Ca, HarnessError> {
    let key = KeyPair::generate();
    let subject = name(dn)?;
    let spki_der = key.spki_der();
    let params = CertParams {
        subject: subject.clone(),
        spki_der: spki_der.clone(),
        not_before: parent.not_before,
        not_after: parent.not_before + Duration::from_secs(5 * 365 * 24 * 3600),
        extensions: ca_extensions(&spki_der, Some(&parent.key_identifier), Some(0))?,
    };
    let cert_der = sign_certificate(tbs_certificate(&params, &parent.subject)?, &parent.key)?;
    Ok(Ca {
        key,
        cert_der,
        subject,
        key_identifier: key_identifier(&spki_der),
        not_before: parent.not_before,
    })
}

/// A timestamping leaf: KU digitalSignature, EKU timeStamping (critical, as
/// RFC 3161 §2.3 and rfc3161-client require).
pub fn tsa_leaf(parent: &Ca, dn: &str) -> Result<Leaf, HarnessError> {
    use der::Decode;
    let key = KeyPair::generate();
    let spki_der = key.spki_der();
    let params = CertParams {
        subject: name(dn)?,
        spki_der: spki_der.clone(),
        not_before: parent.not_before,
        not_after: parent.not_before + Duration::from_secs(5 * 365 * 24 * 3600),
        extensions: vec![
            extension(&KeyUsage(KeyUsages::DigitalSignature.into()), true)?,
            extension(
                &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_TIME_STAMPING]),
                true,
            )?,
            extension(
                &SubjectKeyIdentifier(
                    OctetString::new(key_identifier(&spki_der))
                        .map_err(HarnessError::der("SKI"))?,
                ),
                false,
            )?,
            authority_key_identifier(&parent.key_identifier)?,
        ],
    };
    let cert_der = sign_certificate(tbs_certificate(&params, &parent.subject)?, &parent.key)?;
    let cert = Certificate::from_der(&cert_der).map_err(HarnessError::der("TSA certificate"))?;
    Ok(Leaf {
        key,
        cert_der,
        cert,
    })
}

/// PEM text as Go's `pem.Encode` and pyca's `public_bytes(PEM)` write it:
/// 64-column base64, LF line ends, trailing newline.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// DER bytes of the first PEM block with `label` in `text`.
pub fn pem_decode(label: &str, text: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text.get(start..)?.find(&end)?;
    let body: String = text
        .get(start..stop)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    #[test]
    fn intermediate_chains_to_root_with_matching_names_and_key_ids() {
        let root = root_ca("CN=root,O=test").unwrap();
        let inter = intermediate_ca(&root, "CN=inter,O=test").unwrap();
        let cert = Certificate::from_der(&inter.cert_der).unwrap();
        assert_eq!(cert.tbs_certificate.issuer, root.subject);
        assert_eq!(cert.tbs_certificate.subject.to_string(), "CN=inter,O=test");
        assert_eq!(inter.key_identifier.len(), 20);
    }

    #[test]
    fn pem_round_trips_with_64_columns() {
        let der: Vec<u8> = (0..=255u8).collect();
        let text = pem("CERTIFICATE", &der);
        assert!(text
            .lines()
            .all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert!(text.ends_with("-----END CERTIFICATE-----\n"));
        assert_eq!(pem_decode("CERTIFICATE", &text).unwrap(), der);
    }
}
