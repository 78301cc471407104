//! Fulcio v2 `signingCert`: checks the identity token and the proof of
//! possession, then issues a 10-minute code-signing leaf with an embedded SCT.

use crate::error::HarnessError;
use crate::oidc::{Identity, OidcIssuer};
use crate::pki::{self, Ca, CertParams, KeyPair};
use crate::sct;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use const_oid::ObjectIdentifier;
use der::asn1::{Ia5String, OctetString, Utf8StringRef};
use der::{Decode, Encode};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::request::CertReq;

const EP: &str = "fulcio /api/v2/signingCert";

/// OIDC issuer, legacy raw-string form (what sigstore-python's policy reads).
pub const OID_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// OIDC issuer as a DER UTF8String.
pub const OID_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

/// Validity of issued leaves.
pub const LEAF_LIFETIME: Duration = Duration::from_secs(600);

/// The CA side of Fulcio: its chain and the CT log that logs its leaves.
pub struct Fulcio {
    /// Root CA.
    pub root: Ca,
    /// Intermediate that signs leaves.
    pub intermediate: Ca,
    /// CT log key that signs SCTs.
    pub ct_log: KeyPair,
}

/// How to issue one leaf.
pub struct LeafRequest<'a> {
    /// Whether to embed an SCT whose signature does not verify.
    pub corrupt_sct: bool,
    /// The client's DER SubjectPublicKeyInfo.
    pub spki_der: &'a [u8],
    /// Who the certificate is for.
    pub identity: &'a Identity,
    /// The token issuer, put in the issuer extensions.
    pub oidc_issuer: &'a str,
    /// Start of validity (the SCT carries the same time).
    pub not_before: SystemTime,
}

impl Fulcio {
    /// A fresh root, intermediate and CT log key.
    pub fn new() -> Result<Fulcio, HarnessError> {
        let root = pki::root_ca("CN=sigstore-harness,O=sigstore.harness")?;
        let intermediate =
            pki::intermediate_ca(&root, "CN=sigstore-harness-intermediate,O=sigstore.harness")?;
        Ok(Fulcio {
            root,
            intermediate,
            ct_log: KeyPair::generate(),
        })
    }

    /// The chain above leaves, intermediate first, as PEM.
    pub fn chain_pem(&self) -> Vec<String> {
        vec![
            pki::pem("CERTIFICATE", &self.intermediate.cert_der),
            pki::pem("CERTIFICATE", &self.root.cert_der),
        ]
    }

    /// Issue a leaf for `request`.
    pub fn issue(&self, request: &LeafRequest<'_>) -> Result<Vec<u8>, HarnessError> {
        let san = match request.identity {
            Identity::Email(email) => GeneralName::Rfc822Name(
                Ia5String::new(email).map_err(HarnessError::der("SAN email"))?,
            ),
            Identity::Uri(uri) => GeneralName::UniformResourceIdentifier(
                Ia5String::new(uri).map_err(HarnessError::der("SAN URI"))?,
            ),
        };
        let issuer_v2 = Utf8StringRef::new(request.oidc_issuer)
            .and_then(|s| s.to_der())
            .map_err(HarnessError::der("issuer UTF8String"))?;
        let extensions = vec![
            pki::extension(&KeyUsage(KeyUsages::DigitalSignature.into()), true)?,
            pki::extension(
                &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_CODE_SIGNING]),
                false,
            )?,
            pki::extension(
                &SubjectKeyIdentifier(
                    OctetString::new(pki::key_identifier(request.spki_der))
                        .map_err(HarnessError::der("SKI"))?,
                ),
                false,
            )?,
            pki::authority_key_identifier(&self.intermediate.key_identifier)?,
            // Critical because the subject is empty (RFC 5280 §4.2.1.6).
            pki::extension(&SubjectAltName(vec![san]), true)?,
            pki::raw_extension(
                OID_ISSUER_V1,
                false,
                request.oidc_issuer.as_bytes().to_vec(),
            )?,
            pki::raw_extension(OID_ISSUER_V2, false, issuer_v2)?,
        ];
        let params = CertParams {
            subject: Name::default(),
            spki_der: request.spki_der.to_vec(),
            not_before: request.not_before,
            not_after: request.not_before + LEAF_LIFETIME,
            extensions,
        };
        let mut tbs = pki::tbs_certificate(&params, &self.intermediate.subject)?;
        let precert_tbs = tbs.to_der().map_err(HarnessError::der("precert TBS"))?;
        let timestamp_ms = request
            .not_before
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        let sct = sct::signed_certificate_timestamp(
            &self.ct_log,
            timestamp_ms,
            &self.intermediate.key.spki_der(),
            &precert_tbs,
        )?;
        let mut sct = sct;
        if request.corrupt_sct {
            crate::faults::corrupt_signature(&mut sct);
        }
        if let Some(exts) = tbs.extensions.as_mut() {
            exts.push(sct::sct_list_extension(&sct)?);
        }
        pki::sign_certificate(tbs, &self.intermediate.key)
    }

    /// Handle a `signingCert` request body; `bearer` is the token from the
    /// Authorization header, if any. Returns the JSON response.
    pub fn signing_cert(
        &self,
        body: &[u8],
        bearer: Option<&str>,
        oidc: &OidcIssuer,
        issuer_url: &str,
        not_before: SystemTime,
        corrupt_sct: bool,
    ) -> Result<Value, HarnessError> {
        let request: Value = serde_json::from_slice(body)
            .map_err(|e| HarnessError::bad(EP, format!("body is not JSON: {e}")))?;
        let token = request["credentials"]["oidcIdentityToken"]
            .as_str()
            .or(bearer)
            .ok_or_else(|| {
                HarnessError::unauthorized(
                    EP,
                    "no credentials.oidcIdentityToken and no bearer token",
                )
            })?;
        let identity = oidc.verify(token, issuer_url)?;
        let spki_der = if request["publicKeyRequest"].is_object() {
            public_key_request(&request["publicKeyRequest"], &identity)?
        } else if let Some(csr) = request["certificateSigningRequest"].as_str() {
            csr_public_key(csr)?
        } else {
            return Err(HarnessError::bad(
                EP,
                "expected publicKeyRequest or certificateSigningRequest",
            ));
        };
        let leaf = self.issue(&LeafRequest {
            corrupt_sct,
            spki_der: &spki_der,
            identity: &identity,
            oidc_issuer: issuer_url,
            not_before,
        })?;
        let mut certificates = vec![pki::pem("CERTIFICATE", &leaf)];
        certificates.extend(self.chain_pem());
        Ok(json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": certificates}}}))
    }

    /// `GET /api/v2/trustBundle`.
    pub fn trust_bundle(&self) -> Value {
        json!({"chains": [{"certificates": self.chain_pem()}]})
    }
}

fn p256_key(spki_der: &[u8]) -> Result<VerifyingKey, HarnessError> {
    VerifyingKey::from_public_key_der(spki_der)
        .map_err(|e| HarnessError::bad(EP, format!("public key is not an ECDSA P-256 SPKI: {e}")))
}

/// `publicKeyRequest{publicKey{algorithm, content PEM}, proofOfPossession}`:
/// the proof is a signature over the identity (email or subject).
fn public_key_request(request: &Value, identity: &Identity) -> Result<Vec<u8>, HarnessError> {
    let pem = request["publicKey"]["content"]
        .as_str()
        .ok_or_else(|| HarnessError::bad(EP, "publicKey.content is missing"))?;
    let spki_der = pki::pem_decode("PUBLIC KEY", pem)
        .ok_or_else(|| HarnessError::bad(EP, "publicKey.content is not a PUBLIC KEY PEM"))?;
    let key = p256_key(&spki_der)?;
    let proof = request["proofOfPossession"]
        .as_str()
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or_else(|| HarnessError::bad(EP, "proofOfPossession is not base64"))?;
    let signature = DerSignature::from_bytes(&proof).map_err(|_| {
        HarnessError::unauthorized(EP, "proofOfPossession is not a DER ECDSA signature")
    })?;
    key.verify(identity.value().as_bytes(), &signature)
        .map_err(|_| {
            HarnessError::unauthorized(
                EP,
                format!("proofOfPossession does not sign {:?}", identity.value()),
            )
        })?;
    Ok(spki_der)
}

/// `certificateSigningRequest`: base64 of a PEM CSR, self-signed with ECDSA-SHA256.
fn csr_public_key(csr_b64: &str) -> Result<Vec<u8>, HarnessError> {
    let pem = STANDARD
        .decode(csr_b64)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            HarnessError::bad(EP, "certificateSigningRequest is not base64 of PEM text")
        })?;
    let der = pki::pem_decode("CERTIFICATE REQUEST", &pem).ok_or_else(|| {
        HarnessError::bad(EP, "certificateSigningRequest holds no CERTIFICATE REQUEST")
    })?;
    let csr = CertReq::from_der(&der).map_err(|e| HarnessError::bad(EP, format!("CSR: {e}")))?;
    if csr.algorithm.oid != const_oid::db::rfc5912::ECDSA_WITH_SHA_256 {
        return Err(HarnessError::bad(
            EP,
            format!(
                "CSR signature algorithm is {}, expected ecdsa-with-SHA256",
                csr.algorithm.oid
            ),
        ));
    }
    let spki_der = csr
        .info
        .public_key
        .to_der()
        .map_err(HarnessError::der("CSR public key"))?;
    let key = p256_key(&spki_der)?;
    let info = csr.info.to_der().map_err(HarnessError::der("CSR info"))?;
    let signature = DerSignature::from_bytes(csr.signature.raw_bytes())
        .map_err(|_| HarnessError::unauthorized(EP, "CSR signature is not DER ECDSA"))?;
    key.verify(&info, &signature)
        .map_err(|_| HarnessError::unauthorized(EP, "CSR self-signature does not verify"))?;
    Ok(spki_der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::Certificate;

    fn issue(identity: Identity) -> (Fulcio, Certificate) {
        let fulcio = Fulcio::new().unwrap();
        let client = KeyPair::generate();
        let der = fulcio
            .issue(&LeafRequest {
                corrupt_sct: false,
                spki_der: &client.spki_der(),
                identity: &identity,
                oidc_issuer: "http://127.0.0.1:9",
                not_before: SystemTime::now(),
            })
            .unwrap();
        (fulcio, Certificate::from_der(&der).unwrap())
    }

    #[test]
    fn leaf_has_the_fulcio_profile() {
        let (_, cert) = issue(Identity::Email("alice@example.com".into()));
        let tbs = &cert.tbs_certificate;
        let exts = tbs.extensions.as_ref().unwrap();
        let layout: Vec<(String, bool)> = exts
            .iter()
            .map(|e| (e.extn_id.to_string(), e.critical))
            .collect();
        assert_eq!(
            layout,
            [
                ("2.5.29.15", true),
                ("2.5.29.37", false),
                ("2.5.29.14", false),
                ("2.5.29.35", false),
                ("2.5.29.17", true),
                ("1.3.6.1.4.1.57264.1.1", false),
                ("1.3.6.1.4.1.57264.1.8", false),
                ("1.3.6.1.4.1.11129.2.4.2", false),
            ]
            .map(|(oid, critical)| (oid.to_string(), critical))
        );
        assert_eq!(exts[5].extn_value.as_bytes(), b"http://127.0.0.1:9");
        let mut utf8 = vec![0x0c, 18];
        utf8.extend(b"http://127.0.0.1:9");
        assert_eq!(exts[6].extn_value.as_bytes(), utf8);
        assert!(tbs.subject.0.is_empty());
        let validity =
            tbs.validity.not_after.to_unix_duration() - tbs.validity.not_before.to_unix_duration();
        assert_eq!(validity, LEAF_LIFETIME);
        let (_, san): (bool, SubjectAltName) = tbs.get().unwrap().unwrap();
        assert_eq!(
            san.0,
            vec![GeneralName::Rfc822Name(
                Ia5String::new("alice@example.com").unwrap()
            )]
        );
    }

    #[test]
    fn uri_identity_becomes_a_uri_san() {
        let (_, cert) = issue(Identity::Uri("https://ci.example.com/x".into()));
        let (_, san): (bool, SubjectAltName) = cert.tbs_certificate.get().unwrap().unwrap();
        assert_eq!(
            san.0,
            vec![GeneralName::UniformResourceIdentifier(
                Ia5String::new("https://ci.example.com/x").unwrap()
            )]
        );
    }

    #[test]
    fn embedded_sct_signs_the_tbs_without_the_sct_list() {
        let (fulcio, cert) = issue(Identity::Email("alice@example.com".into()));
        let mut tbs = cert.tbs_certificate.clone();
        let exts = tbs.extensions.as_mut().unwrap();
        let sct_ext = exts.pop().unwrap();
        let list = OctetString::from_der(sct_ext.extn_value.as_bytes()).unwrap();
        let list = list.as_bytes();
        let sct = &list[4..];
        assert_eq!(
            usize::from(u16::from_be_bytes([list[0], list[1]])),
            sct.len() + 2
        );
        let timestamp = u64::from_be_bytes(sct[33..41].try_into().unwrap());
        let signed = sct::signed_data(
            timestamp,
            &fulcio.intermediate.key.spki_der(),
            &tbs.to_der().unwrap(),
        )
        .unwrap();
        let key = VerifyingKey::from_public_key_der(&fulcio.ct_log.spki_der()).unwrap();
        key.verify(&signed, &DerSignature::from_bytes(&sct[47..]).unwrap())
            .unwrap();
    }
}
