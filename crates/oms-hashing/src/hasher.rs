//! One streaming hash function behind the three algorithms.

use blake2::Blake2b512;
use oms_format::manifest::HashAlgorithm;
use sha2::{Digest as _, Sha256};

pub(crate) enum StreamHasher {
    Sha256(Sha256),
    Blake2b(Box<Blake2b512>),
    Blake3(Box<blake3::Hasher>),
}

impl StreamHasher {
    pub(crate) fn new(algorithm: HashAlgorithm) -> Self {
        match algorithm {
            HashAlgorithm::Sha256 => Self::Sha256(Sha256::new()),
            HashAlgorithm::Blake2b => Self::Blake2b(Box::new(Blake2b512::new())),
            HashAlgorithm::Blake3 => Self::Blake3(Box::new(blake3::Hasher::new())),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Blake2b(h) => h.update(data),
            Self::Blake3(h) => {
                h.update(data);
            }
        }
    }

    pub(crate) fn finalize(self) -> Vec<u8> {
        match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Blake2b(h) => h.finalize().to_vec(),
            Self::Blake3(h) => h.finalize().as_bytes().to_vec(),
        }
    }
}

/// The digest of a byte string (for tests and small inputs).
pub fn digest_bytes(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    let mut h = StreamHasher::new(algorithm);
    h.update(data);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_digests_match_the_reference() {
        assert_eq!(
            hex::encode(digest_bytes(HashAlgorithm::Sha256, b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(digest_bytes(HashAlgorithm::Blake2b, b"")),
            "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"
        );
        assert_eq!(
            hex::encode(digest_bytes(HashAlgorithm::Blake3, b"")),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn streaming_equals_one_shot_for_every_algorithm() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        for alg in HashAlgorithm::ALL {
            let mut h = StreamHasher::new(alg);
            for chunk in data.chunks(65_536) {
                h.update(chunk);
            }
            assert_eq!(h.finalize(), digest_bytes(alg, &data), "{alg}");
        }
    }
}
