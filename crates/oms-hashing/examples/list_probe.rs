//! Experiment: the cost of listing a model alone.
use std::time::Instant;

use oms_hashing::{list_files, IgnoreRules};

fn main() {
    let path = std::env::args().nth(1).expect("MODEL");
    let reps: usize = std::env::args().nth(2).map_or(20, |r| r.parse().unwrap());
    let mut times = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let files = list_files(path.as_ref(), false, &IgnoreRules::git_defaults()).unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert!(!files.is_empty());
    }
    times.sort_by(f64::total_cmp);
    println!("list: min {:.4}s median {:.4}s", times[0], times[reps / 2]);
}
