//! What to hash with, and how the model is cut into resources.

use oms_format::manifest::{HashAlgorithm, Method};

/// Hashing configuration (the reference's `hashing.Config`, minus the paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashOptions {
    pub method: Method,
    pub algorithm: HashAlgorithm,
    /// Hashing threads; `None` (or 0) uses every core. The result never depends on it.
    pub workers: Option<usize>,
}

impl Default for HashOptions {
    /// The reference CLI's only configuration: files + sha256.
    fn default() -> Self {
        Self {
            method: Method::Files,
            algorithm: HashAlgorithm::Sha256,
            workers: None,
        }
    }
}

impl HashOptions {
    /// The method actually used. Like the reference, BLAKE3 with shards silently becomes files
    /// + BLAKE3 (the shard size is dropped), so callers must record this, not `method`.
    pub fn effective_method(&self) -> Method {
        match (self.method, self.algorithm) {
            (Method::Shards { .. }, HashAlgorithm::Blake3) => Method::Files,
            (method, _) => method,
        }
    }

    /// The per-resource `algorithm` string that will be written.
    pub fn algorithm_name(&self) -> String {
        self.effective_method().algorithm_name(self.algorithm)
    }

    pub(crate) fn worker_count(&self) -> usize {
        match self.workers {
            Some(n) if n > 0 => n,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake3_shards_become_files() {
        let opts = HashOptions {
            method: Method::Shards { shard_size: 8 },
            algorithm: HashAlgorithm::Blake3,
            workers: None,
        };
        assert_eq!(opts.effective_method(), Method::Files);
        assert_eq!(opts.algorithm_name(), "blake3");
        let opts = HashOptions {
            algorithm: HashAlgorithm::Blake2b,
            ..opts
        };
        assert_eq!(opts.effective_method(), Method::Shards { shard_size: 8 });
        assert_eq!(opts.algorithm_name(), "blake2b-sharded-8");
    }
}
