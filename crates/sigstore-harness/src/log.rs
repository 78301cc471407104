//! One transparency log: key, Merkle tree and checkpoint signer. Rekor v1
//! and v2 each own one.

use crate::checkpoint;
use crate::merkle::{Inclusion, Tree};
use crate::pki::KeyPair;
use rand_core::{OsRng, RngCore};

/// Entries appended at start so that proofs are never trivially empty and
/// indices are never zero.
const SEED_ENTRIES: usize = 5;

/// A log and its signing identity.
pub struct Log {
    /// The log key (SET and checkpoint signatures).
    pub key: KeyPair,
    /// Checkpoint origin line.
    pub origin: String,
    /// Signer name on the checkpoint signature line.
    pub signer_name: String,
    tree: Tree,
}

/// One appended entry with its proof and signed checkpoint.
pub struct Appended {
    /// Index, size, root and audit path.
    pub inclusion: Inclusion,
    /// The signed checkpoint for `inclusion.tree_size`.
    pub checkpoint: String,
}

impl Log {
    /// A log with a fresh key and a few random seed entries.
    pub fn new(origin: String, signer_name: String) -> Log {
        let mut tree = Tree::default();
        for _ in 0..SEED_ENTRIES {
            let mut filler = [0u8; 32];
            OsRng.fill_bytes(&mut filler);
            tree.append(&filler);
        }
        Log {
            key: KeyPair::generate(),
            origin,
            signer_name,
            tree,
        }
    }

    /// Append `body`; `corrupt_checkpoint` makes the checkpoint signature
    /// invalid while keeping the real key hint.
    pub fn append(&mut self, body: &[u8], corrupt_checkpoint: bool) -> Appended {
        let inclusion = self.tree.append(body);
        let sign = if corrupt_checkpoint {
            checkpoint::corrupted_checkpoint
        } else {
            checkpoint::signed_checkpoint
        };
        let checkpoint = sign(
            &self.origin,
            &self.signer_name,
            inclusion.tree_size,
            &inclusion.root,
            &self.key,
        );
        Appended {
            inclusion,
            checkpoint,
        }
    }

    /// Number of entries, seed entries included.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }
}
