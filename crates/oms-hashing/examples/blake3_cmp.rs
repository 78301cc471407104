//! Experiment: BLAKE3 of one big file, mmap + rayon against 1 MiB reads + rayon, 2 threads.
use std::io::Read;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for round in 0..3 {
        let t = Instant::now();
        let a = pool.install(|| {
            blake3::Hasher::new()
                .update_mmap_rayon(&path)
                .unwrap()
                .finalize()
        });
        let mmap = t.elapsed().as_secs_f64();
        for size in [256 << 10, 1 << 20, 4 << 20] {
            let t = Instant::now();
            let b = pool.install(|| {
                let mut f = std::fs::File::open(&path).unwrap();
                let mut buf = vec![0u8; size];
                let mut h = blake3::Hasher::new();
                loop {
                    let n = f.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    h.update_rayon(&buf[..n]);
                }
                h.finalize()
            });
            assert_eq!(a, b);
            println!(
                "round {round}: mmap {mmap:.3}s, read {} KiB {:.3}s",
                size >> 10,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
