//! Chain verification with the Python reference's semantics (OpenSSL `X509_verify_cert`, default
//! flags, verification time = the leaf's notBefore): a path from the leaf through the untrusted
//! intermediates to a trusted *self-issued* root (no partial chains), CA constraints on every
//! issuer, validity of every certificate at that instant, and each link's signature. Leaf
//! expiry is deliberately not checked, and neither is revocation.
//!
//! Name constraints are enforced as OpenSSL enforces them, critical or not (see
//! `name_constraints.rs`).
//!
//! Two deliberate departures from OpenSSL, both failing closed: the policy constraints
//! (policyConstraints, policyMappings, inhibitAnyPolicy) are not processed, so a certificate
//! marking one of them critical is refused instead of trusted with the constraint ignored; and a
//! path may hold at most [`MAX_PATH`] certificates (OpenSSL allows 100).

use std::time::Duration;

use der::asn1::ObjectIdentifier;
use der::Encode;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::name_constraints;
use super::parsed::{ParsedCert, CODE_SIGNING};
use super::{leaf_key, CertError};
use crate::VerifyingKey;

/// The most certificates a path may hold, signing certificate and trusted root included.
/// OpenSSL's default maximum depth is 100; real OMS and Sigstore chains have 2-4 certificates.
pub const MAX_PATH: usize = 10;

/// Verifies `chain` (signing certificate first, then untrusted intermediates, DER) against
/// `anchors` (trusted, DER) and returns the signing certificate's key.
pub fn verify_chain(chain: &[Vec<u8>], anchors: &[Vec<u8>]) -> Result<VerifyingKey, CertError> {
    // Without the root a path holds at most MAX_PATH - 1 certificates; the root may be given too.
    if chain.len() > MAX_PATH {
        return Err(CertError::TooManyCertificates {
            found: chain.len(),
            max: MAX_PATH,
        });
    }
    let chain = chain
        .iter()
        .enumerate()
        .map(|(i, der)| ParsedCert::parse(der, &format!("certificate #{i} of the chain")))
        .collect::<Result<Vec<_>, _>>()?;
    let anchors = anchors
        .iter()
        .enumerate()
        .map(|(i, der)| ParsedCert::parse(der, &format!("trusted certificate #{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let (leaf, intermediates) = chain.split_first().ok_or(CertError::EmptyChain)?;
    if anchors.is_empty() {
        return Err(CertError::NoTrustAnchors);
    }
    let at = leaf.not_before();
    let path = build_path(leaf, intermediates, &anchors, at)?;
    for (position, cert) in path.iter().enumerate() {
        check_cert(&path, position, cert, leaf, at)?;
    }
    name_constraints::check_path(&path)?;
    check_usable_for_signing(leaf)?;
    leaf_key(leaf)
}

/// Leaf first, trusted root last. Candidate issuers are tried trusted-first (OpenSSL's default
/// X509_V_FLAG_TRUSTED_FIRST), and among those whose signature verifies, one valid at `at` wins.
fn build_path<'a>(
    leaf: &'a ParsedCert,
    intermediates: &'a [ParsedCert],
    anchors: &'a [ParsedCert],
    at: Duration,
) -> Result<Vec<&'a ParsedCert>, CertError> {
    let is_trusted = |c: &ParsedCert| anchors.iter().any(|a| a.der == c.der);
    let mut path = vec![leaf];
    let mut current = leaf;
    loop {
        if current.is_self_signed() && is_trusted(current) {
            return Ok(path);
        }
        if path.len() >= MAX_PATH {
            return Err(CertError::ChainTooLong {
                subject: leaf.name.clone(),
                max: MAX_PATH,
            });
        }
        let candidates: Vec<&ParsedCert> = anchors
            .iter()
            .chain(intermediates)
            .filter(|c| !path.iter().any(|p| p.der == c.der))
            .filter(|c| current.may_be_issued_by(c))
            .collect();
        if candidates.is_empty() {
            return Err(if current.is_self_signed() {
                CertError::UntrustedRoot {
                    subject: current.name.clone(),
                }
            } else {
                CertError::IssuerNotFound {
                    subject: current.name.clone(),
                    issuer: current.issuer_name(),
                }
            });
        }
        let mut signed_by: Vec<&ParsedCert> = Vec::new();
        let mut first_error = None;
        for candidate in candidates {
            match check_signature(current, candidate) {
                Ok(()) => signed_by.push(candidate),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let issuer = match signed_by
            .iter()
            .find(|c| c.is_valid_at(at))
            .or(signed_by.first())
        {
            Some(issuer) => *issuer,
            None => {
                return Err(first_error.unwrap_or_else(|| CertError::IssuerNotFound {
                    subject: current.name.clone(),
                    issuer: current.issuer_name(),
                }))
            }
        };
        path.push(issuer);
        current = issuer;
    }
}

fn check_signature(cert: &ParsedCert, issuer: &ParsedCert) -> Result<(), CertError> {
    let bad = |reason: String| CertError::BadSignature {
        subject: cert.name.clone(),
        issuer: issuer.name.clone(),
        reason,
    };
    let ec_issuer = issuer
        .spki_der()
        .ok()
        .and_then(|spki| VerifyingKey::from_spki_der(&spki).ok());
    let ecdsa_hash = ecdsa_signature_hash(&cert.cert.signature_algorithm.oid);
    if let (Some(key), Some((name, hash))) = (ec_issuer, ecdsa_hash) {
        // Our own ECDSA path also accepts P-521 issuers signing with SHA-256, which
        // x509-verify refuses.
        let tbs = cert
            .cert
            .tbs_certificate
            .to_der()
            .map_err(|e| bad(format!("cannot encode the signed part: {e}")))?;
        let sig = cert
            .cert
            .signature
            .as_bytes()
            .ok_or_else(|| bad("the signature BIT STRING has unused bits".to_string()))?;
        return key
            .verify_digest(&hash(&tbs), name, sig)
            .map_err(|e| bad(e.to_string()));
    }
    let key = x509_verify::VerifyingKey::try_from(&issuer.cert)
        .map_err(|e| bad(format!("unusable issuer key: {e}")))?;
    key.verify(&cert.cert).map_err(|e| bad(e.to_string()))
}

type HashFn = fn(&[u8]) -> Vec<u8>;

fn ecdsa_signature_hash(oid: &ObjectIdentifier) -> Option<(&'static str, HashFn)> {
    match oid.to_string().as_str() {
        "1.2.840.10045.4.3.2" => Some(("SHA-256", |m| Sha256::digest(m).to_vec())),
        "1.2.840.10045.4.3.3" => Some(("SHA-384", |m| Sha384::digest(m).to_vec())),
        "1.2.840.10045.4.3.4" => Some(("SHA-512", |m| Sha512::digest(m).to_vec())),
        _ => None,
    }
}

/// The per-certificate checks of OpenSSL's `check_chain_extensions` and `check_cert_time`.
fn check_cert(
    path: &[&ParsedCert],
    position: usize,
    cert: &ParsedCert,
    leaf: &ParsedCert,
    at: Duration,
) -> Result<(), CertError> {
    let at_text = || leaf.not_before_text();
    if cert.not_before() > at {
        return Err(CertError::NotYetValid {
            subject: cert.name.clone(),
            at: at_text(),
            not_before: cert.not_before_text(),
        });
    }
    if cert.not_after() < at {
        return Err(CertError::Expired {
            subject: cert.name.clone(),
            at: at_text(),
            not_after: cert.not_after_text(),
        });
    }
    if let Some((oid, extension)) = &cert.unenforced_critical {
        return Err(CertError::UnsupportedCriticalExtension {
            subject: cert.name.clone(),
            extension,
            oid: oid.clone(),
        });
    }
    if let Some(oid) = &cert.unhandled_critical {
        return Err(CertError::UnhandledCriticalExtension {
            subject: cert.name.clone(),
            oid: oid.clone(),
        });
    }
    if position == 0 {
        // The leaf may be anything, even CA:TRUE (the reference's own test leaf is).
        return Ok(());
    }
    check_ca(cert, position + 1 == path.len())?;
    check_path_length(path, position, cert)
}

/// OpenSSL's `check_ca`, strict for intermediates; the trust anchor may also be a v1 root or
/// a certificate whose keyUsage alone allows certificate signing.
fn check_ca(cert: &ParsedCert, is_anchor: bool) -> Result<(), CertError> {
    if cert
        .key_usage
        .as_ref()
        .is_some_and(|ku| !ku.key_cert_sign())
    {
        return Err(CertError::MissingKeyCertSign {
            subject: cert.name.clone(),
        });
    }
    let is_ca = match &cert.basic_constraints {
        Some(bc) => bc.ca,
        None => is_anchor && ((cert.is_v1() && cert.is_self_issued()) || cert.key_usage.is_some()),
    };
    if is_ca {
        Ok(())
    } else {
        Err(CertError::NotACa {
            subject: cert.name.clone(),
        })
    }
}

/// RFC 5280 pathLenConstraint: the non-self-issued intermediates between this CA and the leaf.
fn check_path_length(
    path: &[&ParsedCert],
    position: usize,
    cert: &ParsedCert,
) -> Result<(), CertError> {
    let Some(path_len) = cert
        .basic_constraints
        .as_ref()
        .and_then(|bc| bc.path_len_constraint)
    else {
        return Ok(());
    };
    let found = path
        .iter()
        .take(position)
        .skip(1)
        .filter(|c| !c.is_self_issued())
        .count();
    if found > usize::from(path_len) {
        return Err(CertError::PathLengthExceeded {
            subject: cert.name.clone(),
            path_len,
            found,
        });
    }
    Ok(())
}

/// The reference's check after the chain: KeyUsage digitalSignature or EKU codeSigning.
fn check_usable_for_signing(leaf: &ParsedCert) -> Result<(), CertError> {
    let digital_signature = leaf
        .key_usage
        .as_ref()
        .is_some_and(|ku| ku.digital_signature());
    let code_signing = leaf
        .ext_key_usage
        .as_ref()
        .is_some_and(|eku| eku.contains(&CODE_SIGNING));
    if digital_signature || code_signing {
        Ok(())
    } else {
        Err(CertError::NotForSigning {
            subject: leaf.name.clone(),
        })
    }
}
