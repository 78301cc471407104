//! NeMo archives (tar) carry Hydra configs whose `_target_` values `instantiate()` imports
//! and calls: judged like pickle globals, wherever the config sits.

use oms_scan::{scan_source, Policy, Verdict};

/// A one-member ustar archive.
fn tar(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut out = h;
    out.extend(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

#[test]
fn a_nemo_config_target_is_judged_like_a_global() {
    let cfg =
        b"model:\n  sample_rate: 16000\n  callback:\n    _target_: os.system\n    command: id\n";
    let r = scan_source(
        "m.nemo",
        &tar("./model_config.yaml", cfg).as_slice(),
        &Policy::default(),
    );
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
    let nemo = b"model:\n  _target_: nemo.collections.asr.models.EncDecCTCModel\n";
    let r = scan_source(
        "m.nemo",
        &tar("./model_config.yaml", nemo).as_slice(),
        &Policy::default(),
    );
    assert_eq!(r.verdict, Verdict::Unknown, "{r:#?}");
}
