//! Start the loopback Sigstore, write a ClientTrustConfig and print the URLs
//! and a token, then serve until killed.
//!
//! Usage: `sigstore-harness <trust-config-out> [--rekor-major 1|2] [--identity ID]`

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = None;
    let mut rekor_major = 1u32;
    let mut identity = "harness@example.com".to_string();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--rekor-major" => match iter.next().map(|v| v.parse::<u32>()) {
                Some(Ok(major @ (1 | 2))) => rekor_major = major,
                _ => {
                    eprintln!("--rekor-major expects 1 or 2");
                    return ExitCode::from(2);
                }
            },
            "--identity" => match iter.next() {
                Some(value) => identity = value.clone(),
                None => {
                    eprintln!("--identity expects a value");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: sigstore-harness <trust-config-out> [--rekor-major 1|2] [--identity ID]");
                return ExitCode::SUCCESS;
            }
            path if out.is_none() => out = Some(path.to_string()),
            other => {
                eprintln!("unexpected argument {other:?}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("usage: sigstore-harness <trust-config-out> [--rekor-major 1|2] [--identity ID]");
        return ExitCode::from(2);
    };
    let harness = match sigstore_harness::Harness::try_start() {
        Ok(harness) => harness,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&out, harness.trust_config_json(rekor_major)) {
        eprintln!("cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    let urls = harness.urls();
    println!("trust_config={out}");
    println!("oidc={}", urls.oidc);
    println!("fulcio={}", urls.fulcio);
    println!("rekor_v1={}", urls.rekor_v1);
    println!("rekor_v2={}", urls.rekor_v2);
    println!("tsa={}", urls.tsa);
    println!("identity={identity}");
    println!("identity_provider={}", harness.issuer_url());
    println!("token={}", harness.mint_token(&identity));
    println!("ready");
    loop {
        std::thread::park();
    }
}
