//! OCI content digests (`sha256:<hex>`), parsed from untrusted manifests.

use sha2::{Digest as _, Sha256};

use crate::Error;

/// A SHA-256 content digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Parses `sha256:<64 lowercase hex>`; `field` names where it was found, for the error.
    pub fn parse(text: &str, field: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidDigest {
            field: field.to_string(),
            found: text.to_string(),
        };
        let hex_part = text.strip_prefix("sha256:").ok_or_else(invalid)?;
        // Lowercase only: two spellings of one digest would be two different references.
        if hex_part.len() != 64
            || !hex_part
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(invalid());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).map_err(|_| invalid())?;
        Ok(Self(out))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The tag the referrers tag schema uses for this subject (`sha256-<hex>`).
    pub fn referrers_tag(&self) -> String {
        format!("sha256-{}", self.hex())
    }
}

impl std::fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_spellings() {
        let d = Sha256Digest::of(b"x");
        assert_eq!(Sha256Digest::parse(&d.to_string(), "f").unwrap(), d);
        let upper = format!("sha256:{}", d.hex().to_uppercase());
        for bad in [
            upper.as_str(),
            "sha512:00",
            "sha256:",
            "sha256:abc",
            &d.hex(),
            &format!("{d}0"),
        ] {
            assert!(Sha256Digest::parse(bad, "f").is_err(), "{bad}");
        }
    }
}
