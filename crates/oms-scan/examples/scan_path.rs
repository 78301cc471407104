//! Scans a file or model folder and prints each verdict, the time taken and the throughput:
//! `cargo run --release -p oms-scan --example scan_path -- PATH`.

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: scan_path PATH");
        std::process::exit(2);
    };
    let start = Instant::now();
    let report = match oms_scan::scan_model(path.as_ref(), &oms_scan::ScanOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let bytes: u64 = report.files.iter().map(|f| f.size).sum();
    for f in &report.files {
        println!("{:?} {} {:?}", f.verdict, f.name, f.format);
    }
    println!(
        "{} files, {bytes} bytes in {secs:.3} s = {:.2} GB/s",
        report.files.len(),
        bytes as f64 / secs / 1e9
    );
}
