//! The three NIST curves OMS accepts, and the hash each one signs with.

use std::fmt;

use der::asn1::ObjectIdentifier;

/// An elliptic curve supported for OMS signing keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
    P521,
}

pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
pub(crate) const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

impl Curve {
    /// All supported curves, smallest first.
    pub const ALL: [Curve; 3] = [Curve::P256, Curve::P384, Curve::P521];

    /// The NIST name: `P-256`, `P-384` or `P-521`.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The SEC 2 name (what OpenSSL and `cryptography` print): `secp256r1`, ...
    pub fn sec_name(self) -> &'static str {
        match self {
            Curve::P256 => "secp256r1",
            Curve::P384 => "secp384r1",
            Curve::P521 => "secp521r1",
        }
    }

    /// The hash the reference pairs with this curve for ECDSA.
    pub fn hash_name(self) -> &'static str {
        match self {
            Curve::P256 => "SHA-256",
            Curve::P384 => "SHA-384",
            Curve::P521 => "SHA-512",
        }
    }

    /// The Sigstore `keyDetails` value legacy key bundles carry for this curve.
    pub fn key_details(self) -> &'static str {
        match self {
            Curve::P256 => "PKIX_ECDSA_P256_SHA_256",
            Curve::P384 => "PKIX_ECDSA_P384_SHA_384",
            Curve::P521 => "PKIX_ECDSA_P521_SHA_512",
        }
    }

    pub(crate) fn oid(self) -> ObjectIdentifier {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
            Curve::P521 => OID_P521,
        }
    }

    /// The named-curve OID in dotted form (`1.2.840.10045.3.1.7` for P-256).
    pub fn oid_text(self) -> String {
        self.oid().to_string()
    }

    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.oid() == *oid)
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
