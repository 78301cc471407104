//! RFC 3161 timestamp authority: TimeStampReq in, TimeStampResp out, signed
//! with CMS by a leaf whose EKU timeStamping is critical.

use crate::error::HarnessError;
use crate::pki::{self, Ca, Leaf};
use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_256};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, Int, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode, Sequence, Tag};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use std::time::{SystemTime, UNIX_EPOCH};
use x509_cert::attr::Attribute;
use x509_tsp::{TimeStampReq, TimeStampResp, TspVersion, TstInfo};

const EP: &str = "tsa /api/v1/timestamp";

/// `id-ct-TSTInfo`.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// `id-aa-signingCertificateV2` (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// TSA policy OID (the one Sigstore's timestamp authority uses).
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.2");

/// `ESSCertIDv2` with the default hash algorithm (SHA-256) left out.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

/// `SigningCertificateV2` without policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// The timestamp authority: a root and the signing leaf.
pub struct Tsa {
    /// Root CA of the TSA chain.
    pub root: Ca,
    /// Signing certificate.
    pub leaf: Leaf,
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, HarnessError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(HarnessError::der("attribute values"))?,
    })
}

fn any<T: Encode>(value: &T, what: &'static str) -> Result<Any, HarnessError> {
    value
        .to_der()
        .and_then(|der| Any::from_der(&der))
        .map_err(HarnessError::der(what))
}

impl Tsa {
    /// A fresh TSA root and leaf.
    pub fn new() -> Result<Tsa, HarnessError> {
        let root = pki::root_ca("CN=sigstore-harness-tsa-root,O=sigstore.harness")?;
        let leaf = pki::tsa_leaf(&root, "CN=sigstore-harness-tsa,O=sigstore.harness")?;
        Ok(Tsa { root, leaf })
    }

    /// Answer a DER TimeStampReq with a DER TimeStampResp stamped `at`.
    pub fn timestamp(
        &self,
        request_der: &[u8],
        at: SystemTime,
        corrupt: bool,
    ) -> Result<Vec<u8>, HarnessError> {
        let request = TimeStampReq::from_der(request_der)
            .map_err(|e| HarnessError::bad(EP, format!("body is not a DER TimeStampReq: {e}")))?;
        let digest_len = match request.message_imprint.hash_algorithm.oid {
            ID_SHA_256 => 32,
            const_oid::db::rfc5912::ID_SHA_384 => 48,
            const_oid::db::rfc5912::ID_SHA_512 => 64,
            other => {
                return Err(HarnessError::bad(
                    EP,
                    format!("unsupported hash algorithm {other}"),
                ))
            }
        };
        if request.message_imprint.hashed_message.as_bytes().len() != digest_len {
            return Err(HarnessError::bad(
                EP,
                format!(
                    "message imprint is {} bytes, expected {digest_len}",
                    request.message_imprint.hashed_message.as_bytes().len()
                ),
            ));
        }
        let mut serial = [0u8; 16];
        OsRng.fill_bytes(&mut serial);
        // A first byte in 0x01..=0x7f keeps the INTEGER positive and minimal:
        // `Int::new` does not strip leading zeros, and strict DER parsers
        // reject a redundant one.
        serial[0] = (serial[0] & 0x7f) | 0x01;
        let gen_time = der::asn1::GeneralizedTime::from_unix_duration(
            at.duration_since(UNIX_EPOCH)
                .map(|d| std::time::Duration::from_secs(d.as_secs()))
                .unwrap_or_default(),
        )
        .map_err(HarnessError::der("genTime"))?;
        let tst_info = TstInfo {
            version: TspVersion::V1,
            policy: TSA_POLICY,
            message_imprint: request.message_imprint.clone(),
            serial_number: Int::new(&serial).map_err(HarnessError::der("TSTInfo serial"))?,
            gen_time,
            accuracy: None,
            ordering: false,
            nonce: request.nonce.clone(),
            tsa: None,
            extensions: None,
        };
        let tst_der = tst_info.to_der().map_err(HarnessError::der("TSTInfo"))?;
        let signed_data = self.sign(&tst_der, at, corrupt)?;
        let response = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Accepted,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(ContentInfo {
                content_type: ID_SIGNED_DATA,
                content: any(&signed_data, "SignedData")?,
            }),
        };
        response
            .to_der()
            .map_err(HarnessError::der("TimeStampResp"))
    }

    fn sign(
        &self,
        tst_der: &[u8],
        at: SystemTime,
        corrupt: bool,
    ) -> Result<SignedData, HarnessError> {
        let signing_time =
            UtcTime::from_system_time(at).map_err(HarnessError::der("signingTime"))?;
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(&self.leaf.cert_der).to_vec())
                    .map_err(HarnessError::der("ESSCertIDv2"))?,
            }],
        };
        let digest = OctetString::new(Sha256::digest(tst_der).to_vec())
            .map_err(HarnessError::der("messageDigest"))?;
        let signed_attrs = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, any(&ID_CT_TST_INFO, "contentType")?)?,
            attribute(ID_SIGNING_TIME, any(&signing_time, "signingTime")?)?,
            attribute(ID_MESSAGE_DIGEST, any(&digest, "messageDigest")?)?,
            attribute(
                ID_AA_SIGNING_CERTIFICATE_V2,
                any(&ess, "signingCertificateV2")?,
            )?,
        ])
        .map_err(HarnessError::der("signed attributes"))?;
        // CMS signs the DER of the attributes as a SET OF (tag 0x31).
        let mut signature = self.leaf.key.sign_der(
            &signed_attrs
                .to_der()
                .map_err(HarnessError::der("signed attributes"))?,
        );
        if corrupt {
            crate::faults::corrupt_signature(&mut signature);
        }
        let tbs = &self.leaf.cert.tbs_certificate;
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: sha256_alg(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA_256,
                parameters: None,
            },
            signature: OctetString::new(signature).map_err(HarnessError::der("signature"))?,
            unsigned_attrs: None,
        };
        Ok(SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![sha256_alg()])
                .map_err(HarnessError::der("digestAlgorithms"))?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(
                    Any::new(Tag::OctetString, tst_der.to_vec())
                        .map_err(HarnessError::der("eContent"))?,
                ),
            },
            certificates: Some(CertificateSet(
                SetOfVec::try_from(vec![CertificateChoices::Certificate(
                    self.leaf.cert.clone(),
                )])
                .map_err(HarnessError::der("certificates"))?,
            )),
            crls: None,
            signer_infos: SignerInfos(
                SetOfVec::try_from(vec![signer_info]).map_err(HarnessError::der("signerInfos"))?,
            ),
        })
    }

    /// The chain as the trusted root lists it: leaf first, root last.
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.leaf.cert_der.clone(), self.root.cert_der.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{DerSignature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;
    use x509_tsp::MessageImprint;

    fn request(nonce: &[u8]) -> Vec<u8> {
        TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: spki::AlgorithmIdentifier {
                    oid: ID_SHA_256,
                    parameters: None,
                },
                hashed_message: OctetString::new([9u8; 32].to_vec()).unwrap(),
            },
            req_policy: None,
            nonce: Some(Int::new(nonce).unwrap()),
            cert_req: true,
            extensions: None,
        }
        .to_der()
        .unwrap()
    }

    fn parse(response: &[u8]) -> (TstInfo, Vec<u8>, SignedData) {
        let response = TimeStampResp::from_der(response).unwrap();
        assert_eq!(response.status.status, PkiStatus::Accepted);
        let token = response.time_stamp_token.unwrap();
        assert_eq!(token.content_type, ID_SIGNED_DATA);
        let signed = SignedData::from_der(&token.content.to_der().unwrap()).unwrap();
        let tst_der = signed
            .encap_content_info
            .econtent
            .as_ref()
            .unwrap()
            .value()
            .to_vec();
        (TstInfo::from_der(&tst_der).unwrap(), tst_der, signed)
    }

    #[test]
    fn response_echoes_the_request_and_its_cms_signature_verifies() {
        let tsa = Tsa::new().unwrap();
        let at = UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let (tst, tst_der, signed) =
            parse(&tsa.timestamp(&request(&[0x42, 0x17]), at, false).unwrap());
        assert_eq!(tst.nonce.unwrap().as_bytes(), &[0x42, 0x17]);
        assert_eq!(tst.message_imprint.hashed_message.as_bytes(), &[9u8; 32]);
        assert_eq!(tst.policy, TSA_POLICY);
        assert_eq!(tst.gen_time.to_unix_duration().as_secs(), 1_800_000_000);
        let signer = signed.signer_infos.0.get(0).unwrap();
        let attrs = signer.signed_attrs.as_ref().unwrap();
        let digest = attrs.iter().find(|a| a.oid == ID_MESSAGE_DIGEST).unwrap();
        let digest =
            OctetString::from_der(&digest.values.get(0).unwrap().to_der().unwrap()).unwrap();
        assert_eq!(digest.as_bytes(), Sha256::digest(&tst_der).as_slice());
        let key = VerifyingKey::from_public_key_der(&tsa.leaf.key.spki_der()).unwrap();
        let signature = DerSignature::from_bytes(signer.signature.as_bytes()).unwrap();
        key.verify(&attrs.to_der().unwrap(), &signature).unwrap();
    }

    #[test]
    fn serial_numbers_are_always_minimal_der() {
        let tsa = Tsa::new().unwrap();
        for _ in 0..600 {
            let (tst, _, _) = parse(
                &tsa.timestamp(&request(&[1]), SystemTime::now(), false)
                    .unwrap(),
            );
            let first = tst.serial_number.as_bytes()[0];
            assert!((0x01..=0x7f).contains(&first), "{first:#x}");
        }
    }
}
