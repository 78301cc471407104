//! Telling which kind of key an AlgorithmIdentifier (PKCS#8 or SPKI) describes, so that keys
//! other than P-256/P-384/P-521 ECDSA are refused with a message naming what was found.

use der::asn1::ObjectIdentifier;
use der::{Tag, Tagged};
use spki::AlgorithmIdentifierRef;

use crate::{Curve, KeyError};

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

const OTHER_ALGORITHMS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.1", "RSA"),
    ("1.2.840.113549.1.1.10", "RSA-PSS"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10046.2.1", "DH"),
    ("1.2.840.113549.1.3.1", "DH"),
    ("1.2.840.10045.2.2", "ECDH (id-ecDH)"),
];

const OTHER_CURVES: &[(&str, &str)] = &[
    ("1.3.132.0.10", "secp256k1"),
    ("1.3.132.0.33", "secp224r1"),
    ("1.2.840.10045.3.1.1", "secp192r1"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
    ("1.2.156.10197.1.301", "SM2"),
];

fn lookup(table: &[(&str, &'static str)], oid: &ObjectIdentifier) -> Option<&'static str> {
    let text = oid.to_string();
    table.iter().find(|(o, _)| *o == text).map(|(_, n)| *n)
}

/// The supported curve named by an EC key's AlgorithmIdentifier, or why it is refused.
pub fn curve_of(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<Curve, KeyError> {
    if algorithm.oid != ID_EC_PUBLIC_KEY {
        let found = lookup(OTHER_ALGORITHMS, &algorithm.oid)
            .map(str::to_string)
            .unwrap_or_else(|| format!("a key with algorithm OID {}", algorithm.oid));
        return Err(KeyError::UnsupportedKeyType { found });
    }
    match algorithm.parameters {
        Some(params) if params.tag() == Tag::ObjectIdentifier => {
            let oid: ObjectIdentifier =
                params
                    .decode_as()
                    .map_err(|e: der::Error| KeyError::InvalidKey {
                        what: "EC curve parameters",
                        reason: e.to_string(),
                    })?;
            named_curve(&oid)
        }
        Some(_) => Err(KeyError::UnsupportedKeyType {
            found: "an EC key with explicit (unnamed) curve parameters".to_string(),
        }),
        None => Err(KeyError::InvalidKey {
            what: "EC key",
            reason: "the algorithm identifier has no curve parameters".to_string(),
        }),
    }
}

/// The supported curve with this OID, or why it is refused.
pub fn named_curve(oid: &ObjectIdentifier) -> Result<Curve, KeyError> {
    Curve::from_oid(oid).ok_or_else(|| {
        let found = match lookup(OTHER_CURVES, oid) {
            Some(name) => format!("an EC key on curve {name}"),
            None => format!("an EC key on the curve with OID {oid}"),
        };
        KeyError::UnsupportedKeyType { found }
    })
}
