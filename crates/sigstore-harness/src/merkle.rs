//! An in-memory RFC 6962 (RFC 9162 §2.1) Merkle tree over log entry bodies.

use sha2::{Digest, Sha256};

/// SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(data);
    hasher.finalize().into()
}

/// SHA-256(0x01 || left || right).
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Largest power of two strictly smaller than `n` (n >= 2).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]) over leaf hashes.
pub fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves {
        [] => Sha256::digest([]).into(),
        [single] => *single,
        _ => {
            let (left, right) = leaves.split_at(split_point(leaves.len()));
            node_hash(&root(left), &root(right))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `index`, leaf side first.
/// Empty when `index` is out of range.
pub fn inclusion_path(index: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() <= 1 || index >= leaves.len() {
        return Vec::new();
    }
    let (left, right) = leaves.split_at(split_point(leaves.len()));
    if index < left.len() {
        let mut path = inclusion_path(index, left);
        path.push(root(right));
        path
    } else {
        let mut path = inclusion_path(index - left.len(), right);
        path.push(root(left));
        path
    }
}

/// The log's leaves, append-only.
#[derive(Default)]
pub struct Tree {
    leaves: Vec<[u8; 32]>,
}

/// What a log returns about one appended leaf.
pub struct Inclusion {
    /// Index of the leaf.
    pub index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// Root hash of that tree.
    pub root: [u8; 32],
    /// Audit path, leaf side first.
    pub hashes: Vec<[u8; 32]>,
}

impl Tree {
    /// Append the leaf for `body` and prove its inclusion in the new tree.
    pub fn append(&mut self, body: &[u8]) -> Inclusion {
        self.leaves.push(leaf_hash(body));
        let index = self.leaves.len() - 1;
        Inclusion {
            index: index as u64,
            tree_size: self.leaves.len() as u64,
            root: root(&self.leaves),
            hashes: inclusion_path(index, &self.leaves),
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9162 §2.1.3.2 verification, written independently of the builder.
    fn verify(
        leaf: [u8; 32],
        index: u64,
        size: u64,
        path: &[[u8; 32]],
        expected: [u8; 32],
    ) -> bool {
        if index >= size {
            return false;
        }
        let (mut fnode, mut snode) = (index, size - 1);
        let mut r = leaf;
        for p in path {
            if snode == 0 {
                return false;
            }
            if fnode & 1 == 1 || fnode == snode {
                r = node_hash(p, &r);
                if fnode & 1 == 0 {
                    while fnode & 1 == 0 && fnode != 0 {
                        fnode >>= 1;
                        snode >>= 1;
                    }
                }
            } else {
                r = node_hash(&r, p);
            }
            fnode >>= 1;
            snode >>= 1;
        }
        snode == 0 && r == expected
    }

    #[test]
    fn every_leaf_of_every_size_up_to_17_verifies() {
        let mut tree = Tree::default();
        for n in 0..17u8 {
            let inclusion = tree.append(&[n]);
            assert_eq!(inclusion.tree_size, u64::from(n) + 1);
            for i in 0..tree.leaves.len() {
                let path = inclusion_path(i, &tree.leaves);
                assert!(verify(
                    tree.leaves[i],
                    i as u64,
                    tree.size(),
                    &path,
                    inclusion.root
                ));
            }
        }
    }

    #[test]
    fn empty_tree_root_is_hash_of_nothing() {
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn three_leaf_root_matches_the_rfc_shape() {
        let l: Vec<[u8; 32]> = [b"a", b"b", b"c"].iter().map(|d| leaf_hash(*d)).collect();
        let expected = node_hash(&node_hash(&l[0], &l[1]), &l[2]);
        assert_eq!(root(&l), expected);
        assert_eq!(inclusion_path(2, &l), vec![node_hash(&l[0], &l[1])]);
        assert_eq!(inclusion_path(0, &l), vec![l[1], l[2]]);
    }
}
