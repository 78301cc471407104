//! BLAKE3 of one long file, read and hashed on every thread of the pool.
//!
//! BLAKE3 is a tree hash, so the file can be cut into 1 MiB blocks, each hashed by any thread
//! as a subtree (after its own 64 KiB reads), and the subtrees merged in order. This is the
//! parallelism of `update_mmap_rayon` without mapping the file: a file truncated meanwhile
//! gives a short read (and a digest that will not verify) instead of a SIGBUS.

use std::fs::File;
use std::io::{self, ErrorKind};
use std::os::unix::fs::FileExt;

use blake3::hazmat::{
    merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};
use blake3::Hasher;
use rayon::prelude::*;

/// Bytes per subtree: a power of two number of BLAKE3 chunks.
pub(crate) const BLOCK: u64 = 1 << 20;
/// Blocks hashed per parallel round: bounds the work in flight.
const WINDOW: u64 = 32;
const READ: usize = 64 * 1024;

/// Hashes `file` from its start to its end, reporting bytes to `progress`. `expected_len`
/// only sizes the rounds; the data read decides the digest.
pub(crate) fn hash_file(
    file: &File,
    expected_len: u64,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Vec<u8>> {
    let mut tree = Tree::default();
    let mut first = 0u64;
    loop {
        let expected_blocks = expected_len.div_ceil(BLOCK);
        // At least one block past the expected end, to see the end of file.
        let count = expected_blocks.saturating_sub(first).clamp(1, WINDOW);
        let blocks: Vec<io::Result<(u64, Hasher)>> = (first..first + count)
            .into_par_iter()
            .map_init(
                || vec![0u8; READ],
                |buf, index| hash_block(file, index, buf),
            )
            .collect();
        for block in blocks {
            let (len, hasher) = block?;
            progress(len);
            if len == 0 {
                return Ok(tree.finish(None));
            }
            if len < BLOCK {
                return Ok(tree.finish(Some(hasher)));
            }
            tree.push(hasher);
        }
        first += count;
    }
}

/// Hashes block `index` as a subtree: its length and its unfinished hasher.
fn hash_block(file: &File, index: u64, buf: &mut [u8]) -> io::Result<(u64, Hasher)> {
    let start = index * BLOCK;
    let mut hasher = Hasher::new();
    hasher.set_input_offset(start);
    let mut len = 0u64;
    while len < BLOCK {
        let want = usize::try_from(BLOCK - len).map_or(buf.len(), |w| w.min(buf.len()));
        let Some(part) = buf.get_mut(..want) else {
            break;
        };
        match file.read_at(part, start + len) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(part.get(..n).unwrap_or_default());
                len += n as u64;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((len, hasher))
}

/// The merge state of full blocks, like BLAKE3's own chaining-value stack: the last full
/// block is held back until it is known not to be the last of the input.
#[derive(Default)]
struct Tree {
    stack: Vec<ChainingValue>,
    merged_blocks: u64,
    held: Option<Hasher>,
}

impl Tree {
    fn push(&mut self, block: Hasher) {
        if let Some(previous) = self.held.replace(block) {
            let mut cv = previous.finalize_non_root();
            self.merged_blocks += 1;
            // Each trailing zero of the block count closes a complete subtree.
            let mut total = self.merged_blocks;
            while total & 1 == 0 {
                let Some(left) = self.stack.pop() else { break };
                cv = merge_subtrees_non_root(&left, &cv, Mode::Hash);
                total >>= 1;
            }
            self.stack.push(cv);
        }
    }

    /// The root hash, given the final block (`None` when the input ended on a block boundary).
    fn finish(mut self, last: Option<Hasher>) -> Vec<u8> {
        let last = match last {
            Some(block) => {
                self.push(block);
                self.held
            }
            None => self.held,
        };
        let Some(last) = last else {
            return Hasher::new().finalize().as_bytes().to_vec();
        };
        let Some(mut left) = self.stack.pop() else {
            // A single block is the whole tree.
            return last.finalize().as_bytes().to_vec();
        };
        let mut cv = last.finalize_non_root();
        while let Some(next_left) = self.stack.pop() {
            cv = merge_subtrees_non_root(&left, &cv, Mode::Hash);
            left = next_left;
        }
        merge_subtrees_root(&left, &cv, Mode::Hash)
            .as_bytes()
            .to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn check(len: u64, expected_len: u64) {
        let data: Vec<u8> = (0..len).map(|i| (i * 131 + (i >> 13)) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&data).unwrap();
        let mut seen = 0;
        let digest = hash_file(&file, expected_len, &mut |n| seen += n).unwrap();
        assert_eq!(digest, blake3::hash(&data).as_bytes(), "len {len}");
        assert_eq!(seen, len);
    }

    #[test]
    fn equals_blake3_at_block_boundaries() {
        let b = BLOCK;
        for len in [
            0,
            1,
            1024,
            1025,
            b - 1,
            b,
            b + 1,
            2 * b - 1,
            2 * b,
            2 * b + 1,
            3 * b,
            3 * b + 7,
            4 * b,
            5 * b + 1,
            7 * b,
            8 * b,
        ] {
            check(len, len);
        }
    }

    #[test]
    fn equals_blake3_past_one_window_and_when_the_size_is_wrong() {
        let len = (WINDOW + 3) * BLOCK + 12_345;
        check(len, len);
        check(len, 0);
        check(len, 2 * BLOCK);
        check(3 * BLOCK + 5, 40 * BLOCK);
    }
}
