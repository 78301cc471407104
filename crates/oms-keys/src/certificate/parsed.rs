//! A decoded certificate with the extensions chain verification looks at, read once up front so
//! a malformed extension is reported against the certificate that carries it.

use std::time::Duration;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::constraints::name::NameConstraints;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::CertError;

const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const KEY_USAGE: &str = "2.5.29.15";
const EXT_KEY_USAGE: &str = "2.5.29.37";
const SUBJECT_KEY_ID: &str = "2.5.29.14";
const AUTHORITY_KEY_ID: &str = "2.5.29.35";
const SUBJECT_ALT_NAME: &str = "2.5.29.17";
const NAME_CONSTRAINTS: &str = "2.5.29.30";

/// Extensions OpenSSL (`X509_supported_extension`) accepts when critical; any other critical
/// extension makes it fail with "unhandled critical extension".
const HANDLED_CRITICAL: &[&str] = &[
    "2.16.840.1.113730.1.1", // nsCertType
    KEY_USAGE,
    SUBJECT_ALT_NAME,
    BASIC_CONSTRAINTS,
    "2.5.29.32", // certificatePolicies
    "2.5.29.31", // cRLDistributionPoints
    EXT_KEY_USAGE,
    "1.3.6.1.5.5.7.1.7",    // sbgp-ipAddrBlock
    "1.3.6.1.5.5.7.1.8",    // sbgp-autonomousSysNum
    "1.3.6.1.5.5.7.48.1.5", // id-pkix-ocsp-nocheck
    "2.5.29.36",            // policyConstraints
    "1.3.6.1.5.5.7.1.14",   // proxyCertInfo
    NAME_CONSTRAINTS,       // enforced in name_constraints.rs
];

/// Extensions OpenSSL enforces when critical but this verifier does not process: the
/// policy-tree constraints. Ignoring them would accept chains OpenSSL refuses, so a certificate
/// that marks one of them critical is refused (fail closed). Real OMS and Sigstore PKIs do not
/// use them.
const UNENFORCED_CONSTRAINTS: &[(&str, &str)] = &[
    ("2.5.29.36", "policyConstraints"),
    ("2.5.29.33", "policyMappings"),
    ("2.5.29.54", "inhibitAnyPolicy"),
];

pub(crate) const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");

pub(crate) struct ParsedCert {
    pub der: Vec<u8>,
    pub cert: Certificate,
    /// RFC 4514 subject, or a stand-in when the subject is empty.
    pub name: String,
    pub basic_constraints: Option<BasicConstraints>,
    pub key_usage: Option<KeyUsage>,
    pub ext_key_usage: Option<Vec<ObjectIdentifier>>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// Enforced on the certificates below this one, critical or not.
    pub name_constraints: Option<NameConstraints>,
    /// The DER of the subjectAltName extension's value, decoded only under name constraints
    /// (unconstrained paths never look at it, as before).
    pub subject_alt_name: Option<Vec<u8>>,
    pub unhandled_critical: Option<String>,
    /// The first critical extension from [`UNENFORCED_CONSTRAINTS`]: (OID, name).
    pub unenforced_critical: Option<(String, &'static str)>,
}

impl ParsedCert {
    /// `which` says where the bytes came from ("certificate #1 of the chain").
    pub fn parse(der: &[u8], which: &str) -> Result<Self, CertError> {
        let cert = Certificate::from_der(der).map_err(|e| CertError::Parse {
            which: which.to_string(),
            reason: e.to_string(),
        })?;
        let name = describe(
            &cert.tbs_certificate.subject,
            &format!("{which} (empty subject)"),
        );
        let mut parsed = ParsedCert {
            der: der.to_vec(),
            cert,
            name,
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
            subject_key_id: None,
            authority_key_id: None,
            name_constraints: None,
            subject_alt_name: None,
            unhandled_critical: None,
            unenforced_critical: None,
        };
        parsed.read_extensions()?;
        Ok(parsed)
    }

    fn read_extensions(&mut self) -> Result<(), CertError> {
        let extensions = self
            .cert
            .tbs_certificate
            .extensions
            .clone()
            .unwrap_or_default();
        let mut seen: Vec<String> = Vec::new();
        for ext in &extensions {
            let oid = ext.extn_id.to_string();
            let bad = |reason: String| CertError::BadExtension {
                subject: self.name.clone(),
                oid: oid.clone(),
                reason,
            };
            if seen.contains(&oid) {
                return Err(bad("the extension appears more than once".to_string()));
            }
            seen.push(oid.clone());
            let value = ext.extn_value.as_bytes();
            match oid.as_str() {
                BASIC_CONSTRAINTS => {
                    self.basic_constraints = Some(decode::<BasicConstraints>(value).map_err(bad)?)
                }
                KEY_USAGE => self.key_usage = Some(decode::<KeyUsage>(value).map_err(bad)?),
                EXT_KEY_USAGE => {
                    self.ext_key_usage = Some(decode::<ExtendedKeyUsage>(value).map_err(bad)?.0)
                }
                SUBJECT_KEY_ID => {
                    let id = decode::<SubjectKeyIdentifier>(value).map_err(bad)?;
                    self.subject_key_id = Some(id.0.as_bytes().to_vec());
                }
                AUTHORITY_KEY_ID => {
                    let id = decode::<AuthorityKeyIdentifier>(value).map_err(bad)?;
                    self.authority_key_id = id.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                NAME_CONSTRAINTS => {
                    self.name_constraints = Some(decode::<NameConstraints>(value).map_err(bad)?)
                }
                SUBJECT_ALT_NAME => self.subject_alt_name = Some(value.to_vec()),
                _ => {}
            }
            if !ext.critical {
                continue;
            }
            let unenforced = UNENFORCED_CONSTRAINTS
                .iter()
                .find(|(known, _)| *known == oid.as_str());
            if let Some((_, name)) = unenforced {
                self.unenforced_critical.get_or_insert((oid.clone(), *name));
            } else if !HANDLED_CRITICAL.contains(&oid.as_str()) {
                self.unhandled_critical.get_or_insert(oid.clone());
            }
        }
        Ok(())
    }

    pub fn subject(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }

    pub fn issuer(&self) -> &Name {
        &self.cert.tbs_certificate.issuer
    }

    pub fn issuer_name(&self) -> String {
        describe(self.issuer(), "(empty issuer name)")
    }

    pub fn is_self_issued(&self) -> bool {
        self.subject() == self.issuer()
    }

    /// OpenSSL's notion of a self-signed certificate (`X509_check_issued(x, x)`): self-issued
    /// with consistent key identifiers. The signature itself is not checked, as OpenSSL does not
    /// by default.
    pub fn is_self_signed(&self) -> bool {
        self.may_be_issued_by(self)
    }

    pub fn is_v1(&self) -> bool {
        self.cert.tbs_certificate.version == x509_cert::Version::V1
    }

    pub fn not_before(&self) -> Duration {
        self.cert
            .tbs_certificate
            .validity
            .not_before
            .to_unix_duration()
    }

    pub fn not_after(&self) -> Duration {
        self.cert
            .tbs_certificate
            .validity
            .not_after
            .to_unix_duration()
    }

    pub fn not_before_text(&self) -> String {
        self.cert.tbs_certificate.validity.not_before.to_string()
    }

    pub fn not_after_text(&self) -> String {
        self.cert.tbs_certificate.validity.not_after.to_string()
    }

    pub fn is_valid_at(&self, at: Duration) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// Whether `issuer` may have issued this certificate by name and key identifier (the
    /// identifiers are only compared when both are present, as OpenSSL does).
    pub fn may_be_issued_by(&self, issuer: &ParsedCert) -> bool {
        if self.issuer() != issuer.subject() {
            return false;
        }
        match (&self.authority_key_id, &issuer.subject_key_id) {
            (Some(akid), Some(skid)) => akid == skid,
            _ => true,
        }
    }

    pub fn spki_der(&self) -> Result<Vec<u8>, CertError> {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| CertError::Parse {
                which: format!("the public key of '{}'", self.name),
                reason: e.to_string(),
            })
    }
}

fn decode<'a, T: Decode<'a>>(value: &'a [u8]) -> Result<T, String> {
    T::from_der(value).map_err(|e| e.to_string())
}

fn describe(name: &Name, if_empty: &str) -> String {
    let text = name.to_string();
    if text.is_empty() {
        if_empty.to_string()
    } else {
        text
    }
}
