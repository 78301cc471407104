//! RFC 6962 v1 SCTs for precertificates, embedded in the leaf.
//!
//! The harness never hands a real precertificate to a CT log: the SCT is
//! signed directly over what verifiers reconstruct, i.e. the final TBS
//! certificate without its SCT-list extension, plus the issuer key hash.

use crate::error::HarnessError;
use crate::pki::{raw_extension, KeyPair};
use der::asn1::OctetString;
use der::Encode;
use sha2::{Digest, Sha256};
use x509_cert::ext::Extension;

/// TLS `SignatureAndHashAlgorithm` {sha256(4), ecdsa(3)}.
const SHA256_ECDSA: [u8; 2] = [4, 3];

fn u24(len: usize) -> Result<[u8; 3], HarnessError> {
    if len >= 1 << 24 {
        return Err(HarnessError::bad(
            "sct",
            format!("TBS of {len} bytes exceeds 2^24"),
        ));
    }
    Ok([(len >> 16) as u8, (len >> 8) as u8, len as u8])
}

fn u16_len(len: usize, what: &str) -> Result<[u8; 2], HarnessError> {
    u16::try_from(len)
        .map(u16::to_be_bytes)
        .map_err(|_| HarnessError::bad("sct", format!("{what} of {len} bytes exceeds 2^16")))
}

/// The `digitally-signed` input of a precert SCT (RFC 6962 §3.2).
pub fn signed_data(
    timestamp_ms: u64,
    issuer_spki_der: &[u8],
    precert_tbs_der: &[u8],
) -> Result<Vec<u8>, HarnessError> {
    let mut out = vec![0u8, 0u8]; // v1, certificate_timestamp
    out.extend(timestamp_ms.to_be_bytes());
    out.extend(1u16.to_be_bytes()); // precert_entry
    out.extend(Sha256::digest(issuer_spki_der));
    out.extend(u24(precert_tbs_der.len())?);
    out.extend(precert_tbs_der);
    out.extend(0u16.to_be_bytes()); // no CT extensions
    Ok(out)
}

/// One serialized `SignedCertificateTimestamp`.
pub fn signed_certificate_timestamp(
    ct_key: &KeyPair,
    timestamp_ms: u64,
    issuer_spki_der: &[u8],
    precert_tbs_der: &[u8],
) -> Result<Vec<u8>, HarnessError> {
    let signature = ct_key.sign_der(&signed_data(
        timestamp_ms,
        issuer_spki_der,
        precert_tbs_der,
    )?);
    let mut sct = vec![0u8]; // v1
    sct.extend(ct_key.key_id());
    sct.extend(timestamp_ms.to_be_bytes());
    sct.extend(0u16.to_be_bytes());
    sct.extend(SHA256_ECDSA);
    sct.extend(u16_len(signature.len(), "SCT signature")?);
    sct.extend(signature);
    Ok(sct)
}

/// The `1.3.6.1.4.1.11129.2.4.2` extension holding a one-SCT list. Its
/// `extnValue` is the DER OCTET STRING wrapping the TLS-encoded list.
pub fn sct_list_extension(sct: &[u8]) -> Result<Extension, HarnessError> {
    let mut list = Vec::with_capacity(sct.len() + 4);
    list.extend(u16_len(sct.len() + 2, "SCT list")?);
    list.extend(u16_len(sct.len(), "SCT")?);
    list.extend(sct);
    let wrapped = OctetString::new(list)
        .and_then(|o| o.to_der())
        .map_err(HarnessError::der("SCT list"))?;
    raw_extension(const_oid::db::rfc6962::CT_PRECERT_SCTS, false, wrapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_data_layout_is_rfc_6962() {
        let data = signed_data(0x0102, b"spki", &[0xAA, 0xBB]).unwrap();
        let mut expected = vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1];
        expected.extend(Sha256::digest(b"spki"));
        expected.extend([0, 0, 2, 0xAA, 0xBB, 0, 0]);
        assert_eq!(data, expected);
    }

    #[test]
    fn sct_starts_with_version_and_log_id() {
        let key = KeyPair::generate();
        let sct = signed_certificate_timestamp(&key, 5, b"spki", b"tbs").unwrap();
        assert_eq!(sct[0], 0);
        assert_eq!(&sct[1..33], &key.key_id());
        assert_eq!(&sct[33..41], &5u64.to_be_bytes());
        assert_eq!(&sct[41..45], &[0, 0, 4, 3]);
        let sig_len = usize::from(u16::from_be_bytes([sct[45], sct[46]]));
        assert_eq!(sct.len(), 47 + sig_len);
    }
}
