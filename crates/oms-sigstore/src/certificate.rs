//! The claims a Fulcio leaf certificate makes: SAN identities, OIDC issuer,
//! GitHub Actions workflow claims and the validity window. Parsing only; nothing
//! here says the certificate is trustworthy.

use x509_cert::der::asn1::{Ia5String, Utf8StringRef};
use x509_cert::der::oid::{AssociatedOid, ObjectIdentifier};
use x509_cert::der::Decode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::Certificate;

use crate::error::SigstoreError;

/// Fulcio OIDs (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
pub(crate) mod oid {
    use super::ObjectIdentifier;
    /// id-kp-codeSigning.
    pub const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
    /// OIDC issuer, legacy: the extension value is the raw string.
    pub const ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
    /// GitHub workflow repository, legacy raw string (`owner/repo`).
    pub const GITHUB_REPOSITORY_V1: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.5");
    /// GitHub workflow ref, legacy raw string (`refs/heads/main`).
    pub const GITHUB_REF_V1: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.6");
    /// otherName SAN type Fulcio uses for non-email, non-URI identities.
    pub const OTHERNAME_SAN: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
    /// OIDC issuer, v2: DER UTF8String.
    pub const ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
    /// Source repository URI, v2: DER UTF8String (`https://github.com/owner/repo`).
    pub const SOURCE_REPOSITORY_URI: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.12");
    /// Source repository ref, v2: DER UTF8String.
    pub const SOURCE_REPOSITORY_REF: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.14");
}

/// What a Fulcio leaf certificate claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateClaims {
    /// Every identity SAN, in certificate order: rfc822Name, URI and otherName
    /// `1.3.6.1.4.1.57264.1.7` values.
    pub sans: Vec<String>,
    /// Extension `1.3.6.1.4.1.57264.1.1` (raw string), what the reference matches.
    pub issuer_v1: Option<String>,
    /// Extension `1.3.6.1.4.1.57264.1.8` (DER UTF8String).
    pub issuer_v2: Option<String>,
    /// Extension `1.3.6.1.4.1.57264.1.12` (source repository URI).
    pub source_repository_uri: Option<String>,
    /// Extension `1.3.6.1.4.1.57264.1.14` (source repository ref).
    pub source_repository_ref: Option<String>,
    /// Extension `1.3.6.1.4.1.57264.1.5` (legacy GitHub workflow repository).
    pub github_workflow_repository: Option<String>,
    /// Extension `1.3.6.1.4.1.57264.1.6` (legacy GitHub workflow ref).
    pub github_workflow_ref: Option<String>,
    /// KeyUsage has digitalSignature.
    pub digital_signature_usage: bool,
    /// ExtendedKeyUsage has codeSigning.
    pub code_signing_usage: bool,
    /// `notBefore`, seconds since the Unix epoch.
    pub not_before: i64,
    /// `notAfter`, seconds since the Unix epoch.
    pub not_after: i64,
}

impl CertificateClaims {
    /// The usage checks sigstore-python makes on the leaf (webpki in
    /// sigstore-verify checks only the EKU), with its messages.
    pub fn check_signing_usage(&self) -> Result<(), SigstoreError> {
        let detail = if !self.digital_signature_usage {
            "Key usage is not of type `digital signature`"
        } else if !self.code_signing_usage {
            "Extended usage does not contain `code signing`"
        } else {
            return Ok(());
        };
        Err(SigstoreError::CertificateChain {
            detail: detail.to_owned(),
        })
    }

    /// The issuer the policy compares: `.1.1` like the reference, else `.1.8`.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer_v1.as_deref().or(self.issuer_v2.as_deref())
    }

    /// Parses the claims from a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, SigstoreError> {
        let cert =
            Certificate::from_der(der).map_err(|e| malformed(format!("not X.509 DER: {e}")))?;
        let tbs = &cert.tbs_certificate;
        let mut claims = CertificateClaims {
            sans: Vec::new(),
            issuer_v1: None,
            issuer_v2: None,
            source_repository_uri: None,
            source_repository_ref: None,
            github_workflow_repository: None,
            github_workflow_ref: None,
            digital_signature_usage: false,
            code_signing_usage: false,
            not_before: unix_seconds(tbs.validity.not_before.to_unix_duration()),
            not_after: unix_seconds(tbs.validity.not_after.to_unix_duration()),
        };
        for ext in tbs.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            let id = ext.extn_id;
            if id == SubjectAltName::OID {
                claims.sans = san_values(value)?;
            } else if id == KeyUsage::OID {
                claims.digital_signature_usage = KeyUsage::from_der(value)
                    .map_err(|e| malformed(format!("KeyUsage is not valid DER: {e}")))?
                    .digital_signature();
            } else if id == ExtendedKeyUsage::OID {
                claims.code_signing_usage = ExtendedKeyUsage::from_der(value)
                    .map_err(|e| malformed(format!("ExtendedKeyUsage is not valid DER: {e}")))?
                    .0
                    .contains(&oid::CODE_SIGNING);
            } else if id == oid::ISSUER_V1 {
                claims.issuer_v1 = Some(raw_string(id, value)?);
            } else if id == oid::ISSUER_V2 {
                claims.issuer_v2 = Some(der_utf8(id, value)?);
            } else if id == oid::SOURCE_REPOSITORY_URI {
                claims.source_repository_uri = Some(der_utf8(id, value)?);
            } else if id == oid::SOURCE_REPOSITORY_REF {
                claims.source_repository_ref = Some(der_utf8(id, value)?);
            } else if id == oid::GITHUB_REPOSITORY_V1 {
                claims.github_workflow_repository = Some(raw_string(id, value)?);
            } else if id == oid::GITHUB_REF_V1 {
                claims.github_workflow_ref = Some(raw_string(id, value)?);
            }
        }
        Ok(claims)
    }
}

fn unix_seconds(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn malformed(detail: String) -> SigstoreError {
    SigstoreError::CertificateMalformed { detail }
}

fn san_values(der: &[u8]) -> Result<Vec<String>, SigstoreError> {
    let san = SubjectAltName::from_der(der)
        .map_err(|e| malformed(format!("SubjectAltName extension is not valid DER: {e}")))?;
    let mut out = Vec::new();
    for name in san.0 {
        match name {
            GeneralName::Rfc822Name(v) | GeneralName::UniformResourceIdentifier(v) => {
                out.push(ia5(&v));
            }
            GeneralName::OtherName(other) if other.type_id == oid::OTHERNAME_SAN => {
                let s: Utf8StringRef<'_> = other.value.decode_as().map_err(|e| {
                    malformed(format!(
                        "otherName {} SAN is not a UTF8String: {e}",
                        oid::OTHERNAME_SAN
                    ))
                })?;
                out.push(s.as_str().to_owned());
            }
            _ => {}
        }
    }
    Ok(out)
}

fn ia5(v: &Ia5String) -> String {
    v.as_str().to_owned()
}

/// Legacy Fulcio extensions hold the string bytes directly (no DER wrapper).
fn raw_string(id: ObjectIdentifier, value: &[u8]) -> Result<String, SigstoreError> {
    String::from_utf8(value.to_vec())
        .map_err(|_| malformed(format!("extension {id} is not a UTF-8 string")))
}

fn der_utf8(id: ObjectIdentifier, value: &[u8]) -> Result<String, SigstoreError> {
    Utf8StringRef::from_der(value)
        .map(|s| s.as_str().to_owned())
        .map_err(|e| malformed(format!("extension {id} is not a DER UTF8String: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(digital_signature_usage: bool, code_signing_usage: bool) -> CertificateClaims {
        CertificateClaims {
            sans: vec![],
            issuer_v1: None,
            issuer_v2: None,
            source_repository_uri: None,
            source_repository_ref: None,
            github_workflow_repository: None,
            github_workflow_ref: None,
            digital_signature_usage,
            code_signing_usage,
            not_before: 0,
            not_after: 0,
        }
    }

    #[test]
    fn signing_usage_messages_are_the_reference_ones() {
        assert!(claims(true, true).check_signing_usage().is_ok());
        assert_eq!(
            claims(false, true)
                .check_signing_usage()
                .unwrap_err()
                .to_string(),
            "certificate chain check failed: Key usage is not of type `digital signature`"
        );
        assert_eq!(
            claims(true, false)
                .check_signing_usage()
                .unwrap_err()
                .to_string(),
            "certificate chain check failed: Extended usage does not contain `code signing`"
        );
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            CertificateClaims::from_der(b"\x30\x03\x02\x01\x00"),
            Err(SigstoreError::CertificateMalformed { .. })
        ));
    }
}
