//! PKCS#11 encodings of the curves of [`oms_keys::Curve`]: `CKA_EC_PARAMS`, `CKA_EC_POINT` and
//! the raw r||s signatures modules return.

use oms_keys::Curve;
use p256::pkcs8::der::asn1::OctetStringRef;
use p256::pkcs8::der::Decode;
use p256::pkcs8::{EncodePublicKey, ObjectIdentifier};
use sha2::Digest;

use crate::error::Pkcs11Error;

/// Bytes of one scalar (r or s) in a raw PKCS#11 ECDSA signature.
pub(crate) fn scalar_len(curve: Curve) -> usize {
    match curve {
        Curve::P256 => 32,
        Curve::P384 => 48,
        Curve::P521 => 66,
    }
}

/// The curve's hash (SHA-256/384/512) over `msg`, as the reference pre-hashes.
pub(crate) fn digest(curve: Curve, msg: &[u8]) -> Vec<u8> {
    match curve {
        Curve::P256 => sha2::Sha256::digest(msg).to_vec(),
        Curve::P384 => sha2::Sha384::digest(msg).to_vec(),
        Curve::P521 => sha2::Sha512::digest(msg).to_vec(),
    }
}

/// Reads `CKA_EC_PARAMS`, which must be a named-curve OID.
pub(crate) fn curve_from_ec_params(params: &[u8]) -> Result<Curve, Pkcs11Error> {
    let oid = ObjectIdentifier::from_der(params).map_err(|e| Pkcs11Error::InvalidEcParams {
        found: format!("{} ({e})", hex::encode(params)),
    })?;
    let oid = oid.to_string();
    Curve::ALL
        .into_iter()
        .find(|c| c.oid_text() == oid)
        .ok_or(Pkcs11Error::UnsupportedCurve { oid })
}

/// DER SubjectPublicKeyInfo (named curve, uncompressed point) from `CKA_EC_POINT`.
///
/// PKCS#11 says the point is a DER OCTET STRING around the SEC1 encoding; some modules
/// return the bare SEC1 bytes, which are accepted too.
pub(crate) fn spki_der_from_ec_point(
    curve: Curve,
    ec_point: &[u8],
) -> Result<Vec<u8>, Pkcs11Error> {
    // A bare point can look like a DER OCTET STRING by chance, so fall back to it
    // when the unwrapped bytes are not a point.
    let wrapped = OctetStringRef::from_der(ec_point)
        .ok()
        .map(|os| os.as_bytes());
    let mut last_error = String::from("empty");
    for sec1 in wrapped.into_iter().chain([ec_point]) {
        match spki_der_from_sec1(curve, sec1) {
            Ok(der) => return Ok(der),
            Err(e) => last_error = e,
        }
    }
    Err(Pkcs11Error::InvalidEcPoint {
        curve: curve.name(),
        found: format!("{} bytes: {last_error}", ec_point.len()),
    })
}

fn spki_der_from_sec1(curve: Curve, sec1: &[u8]) -> Result<Vec<u8>, String> {
    let der = match curve {
        Curve::P256 => p256::PublicKey::from_sec1_bytes(sec1)
            .map_err(|e| e.to_string())?
            .to_public_key_der(),
        Curve::P384 => p384::PublicKey::from_sec1_bytes(sec1)
            .map_err(|e| e.to_string())?
            .to_public_key_der(),
        Curve::P521 => p521::PublicKey::from_sec1_bytes(sec1)
            .map_err(|e| e.to_string())?
            .to_public_key_der(),
    };
    der.map(|doc| doc.into_vec()).map_err(|e| e.to_string())
}

/// ASN.1 DER `ECDSA-Sig-Value` from the raw r||s a PKCS#11 module returns.
pub(crate) fn der_signature_from_raw(curve: Curve, rs: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
    let invalid = || Pkcs11Error::InvalidRawSignature {
        curve: curve.name(),
        expected: 2 * scalar_len(curve),
        found: rs.len(),
    };
    if rs.len() != 2 * scalar_len(curve) {
        return Err(invalid());
    }
    let der = match curve {
        Curve::P256 => p256::ecdsa::Signature::from_slice(rs)
            .map_err(|_| invalid())?
            .to_der()
            .as_bytes()
            .to_vec(),
        Curve::P384 => p384::ecdsa::Signature::from_slice(rs)
            .map_err(|_| invalid())?
            .to_der()
            .as_bytes()
            .to_vec(),
        Curve::P521 => p521::ecdsa::Signature::from_slice(rs)
            .map_err(|_| invalid())?
            .to_der()
            .as_bytes()
            .to_vec(),
    };
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_curve_oids() {
        let p256 = hex::decode("06082a8648ce3d030107").unwrap();
        let p384 = hex::decode("06052b81040022").unwrap();
        let p521 = hex::decode("06052b81040023").unwrap();
        assert_eq!(curve_from_ec_params(&p256).unwrap(), Curve::P256);
        assert_eq!(curve_from_ec_params(&p384).unwrap(), Curve::P384);
        assert_eq!(curve_from_ec_params(&p521).unwrap(), Curve::P521);
    }

    #[test]
    fn other_curves_are_named_by_oid() {
        let secp256k1 = hex::decode("06052b8104000a").unwrap();
        let err = curve_from_ec_params(&secp256k1).unwrap_err();
        assert!(matches!(&err, Pkcs11Error::UnsupportedCurve { oid } if oid == "1.3.132.0.10"));
        assert_eq!(
            err.to_string(),
            "unsupported EC curve with OID 1.3.132.0.10 (supported: P-256 1.2.840.10045.3.1.7, \
             P-384 1.3.132.0.34, P-521 1.3.132.0.35)"
        );
    }

    #[test]
    fn explicit_parameters_are_rejected() {
        let err = curve_from_ec_params(&[0x30, 0x03, 0x02, 0x01, 0x01]).unwrap_err();
        assert!(matches!(err, Pkcs11Error::InvalidEcParams { .. }), "{err}");
    }

    #[test]
    fn raw_signature_to_der() {
        let mut rs = vec![0u8; 64];
        rs[31] = 1;
        rs[63] = 0x80;
        let der = der_signature_from_raw(Curve::P256, &rs).unwrap();
        assert_eq!(
            der,
            vec![0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]
        );
    }

    #[test]
    fn raw_signature_of_wrong_length() {
        let err = der_signature_from_raw(Curve::P384, &[1u8; 64]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PKCS#11 signing returned 64 bytes, expected a raw r||s ECDSA signature of 96 bytes for P-384"
        );
    }

    #[test]
    fn ec_point_wrapped_or_bare() {
        // The P-256 generator point.
        let sec1 = hex::decode(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
             4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        )
        .unwrap();
        let mut wrapped = vec![0x04, 0x41];
        wrapped.extend_from_slice(&sec1);
        let a = spki_der_from_ec_point(Curve::P256, &wrapped).unwrap();
        let b = spki_der_from_ec_point(Curve::P256, &sec1).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 91);
        assert_eq!(a[a.len() - 65..], sec1[..]);
    }
}
