//! Throughput experiment (not a test): generates the PERF.md data sets and times hashing them.
//!
//! ```text
//! cargo run --release -p oms-hashing --example hash_bench -- gen /tmp/omsbench
//! cargo run --release -p oms-hashing --example hash_bench -- run /tmp/omsbench/llm-like \
//!     [--alg sha256|blake2b|blake3] [--shards N] [--workers N] [--reps N]
//! crates/oms-hashing/examples/compare.sh /tmp/omsbench 7   # against 2 openssl processes
//! ```
//!
//! Measured (2-vCPU Xeon with SHA-NI and AVX-512, page cache warm, other jobs running, so
//! under `chrt -f 50`; `openssl speed -multi 2` gave 2.3 GB/s for SHA-256 then), whole
//! processes, medians of 7, files + sha256:
//!
//! | model | this crate | `openssl dgst -sha256`, 2 processes |
//! |---|---|---|
//! | llm-like (4 x 1 GiB + 4 small) | 2.42 s | 2.63 s |
//! | bert-like (420 MiB + 5 small) | 0.41 s | 0.52 s |
//! | many-small (10,000 x 4-64 KiB) | 0.24 s | 0.34 s |
//!
//! In-process: shards of 10^9 give llm-like 1.89 GB/s; blake3 4.6-5.3 GB/s on big files and
//! 2.9 GB/s on many-small; blake2b 0.7-1.0 GB/s. Read-ahead took bert-like from 0.45 s to
//! 0.39 s. Listing many-small takes 10 ms.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use oms_format::manifest::{root_digest, HashAlgorithm, Method};
use oms_hashing::{hash_model, HashOptions, IgnoreRules};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => generate(Path::new(args.get(1).expect("gen DIR"))),
        Some("run") => run(&args[1..]),
        _ => eprintln!(
            "usage: hash_bench gen DIR | run MODEL [--alg A] [--shards N] [--workers N] [--reps N]"
        ),
    }
}

/// Deterministic filler (xorshift), fast enough not to dominate generation.
fn fill(seed: u64, buf: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bytes = x.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn write_file(path: &Path, size: u64, seed: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = fs::File::create(path).unwrap();
    let mut buf = vec![0u8; 4 << 20];
    let mut left = size;
    let mut n = seed;
    while left > 0 {
        let len = left.min(buf.len() as u64) as usize;
        fill(n, &mut buf[..len]);
        f.write_all(&buf[..len]).unwrap();
        left -= len as u64;
        n += 1;
    }
}

fn generate(dir: &Path) {
    let llm = dir.join("llm-like");
    for i in 0..4u64 {
        write_file(
            &llm.join(format!("model-0000{}-of-00004.safetensors", i + 1)),
            1 << 30,
            1000 + i,
        );
    }
    for (i, name) in [
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "model.safetensors.index.json",
    ]
    .iter()
    .enumerate()
    {
        write_file(&llm.join(name), 2000 + 1000 * i as u64, 50 + i as u64);
    }
    let bert = dir.join("bert-like");
    write_file(&bert.join("model.safetensors"), 420 << 20, 7);
    for (i, name) in [
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
        "special_tokens_map.json",
    ]
    .iter()
    .enumerate()
    {
        write_file(&bert.join(name), 500 + 40_000 * i as u64, 60 + i as u64);
    }
    let small = dir.join("many-small");
    let mut seed = 1u64;
    for d in 0..10 {
        for s in 0..10 {
            for f in 0..100 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let size = 4096 + (seed >> 33) % (60 * 1024 + 1);
                write_file(
                    &small.join(format!("d{d:02}/s{s:02}/f{f:03}.bin")),
                    size,
                    seed,
                );
            }
        }
    }
}

fn run(args: &[String]) {
    let model = PathBuf::from(&args[0]);
    let mut opts = HashOptions::default();
    let mut reps = 5;
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let value = it.next().expect("flag value");
        match flag.as_str() {
            "--alg" => opts.algorithm = HashAlgorithm::from_wire_name(value).expect("algorithm"),
            "--shards" => {
                opts.method = Method::Shards {
                    shard_size: value.parse().unwrap(),
                }
            }
            "--workers" => opts.workers = Some(value.parse().unwrap()),
            "--reps" => reps = value.parse().unwrap(),
            other => panic!("unknown flag {other}"),
        }
    }
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..reps {
        let hashed = AtomicU64::new(0);
        let start = Instant::now();
        let res = hash_model(&model, false, &IgnoreRules::git_defaults(), &opts, &|n| {
            hashed.fetch_add(n, Ordering::Relaxed);
        })
        .unwrap();
        let total = start.elapsed();
        bytes = hashed.load(Ordering::Relaxed);
        let root = root_digest(res.iter().map(|r| r.digest.value.as_slice()));
        println!(
            "{}: {} resources, total {:.3}s, {:.2} GB/s, root {}",
            model.display(),
            res.len(),
            total.as_secs_f64(),
            bytes as f64 / total.as_secs_f64() / 1e9,
            hex_prefix(&root)
        );
        times.push(total.as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "median {:.3}s ({:.2} GB/s) over {reps} runs, {:?}",
        median,
        bytes as f64 / median / 1e9,
        opts
    );
}

fn hex_prefix(d: &[u8]) -> String {
    d.iter().take(6).map(|b| format!("{b:02x}")).collect()
}
