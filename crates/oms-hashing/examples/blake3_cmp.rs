//! Experiment: BLAKE3 of one big file on 2 threads: `update_mmap_rayon` against this crate's
//! parallel subtree reads (interleaved, so machine noise hits both alike).
use std::path::PathBuf;
use std::time::Instant;

use oms_format::manifest::{HashAlgorithm, Method};
use oms_hashing::{hash_files, HashOptions, ModelFile};

fn main() {
    let path = PathBuf::from(std::env::args().nth(1).expect("FILE"));
    let len = std::fs::metadata(&path).unwrap().len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let file = [ModelFile {
        name: ".".into(),
        path: path.clone(),
        len,
    }];
    let opts = HashOptions {
        method: Method::Files,
        algorithm: HashAlgorithm::Blake3,
        workers: Some(2),
    };
    let (mut mmap, mut tree) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let t = Instant::now();
        let a = pool.install(|| {
            blake3::Hasher::new()
                .update_mmap_rayon(&path)
                .unwrap()
                .finalize()
        });
        mmap.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let b = hash_files(&file, &opts, &|_| {}).unwrap();
        tree.push(t.elapsed().as_secs_f64());
        assert_eq!(a.as_bytes().as_slice(), b[0].digest.value.as_slice());
    }
    mmap.sort_by(f64::total_cmp);
    tree.sort_by(f64::total_cmp);
    println!(
        "{} ({len} B): mmap_rayon median {:.3}s, subtree reads median {:.3}s",
        path.display(),
        mmap[3],
        tree[3]
    );
}
