//! One rustls crypto provider for the whole workspace: aws-lc-rs. The Sigstore crates
//! (`sigstore-crypto`) build on aws-lc-rs only, so it cannot go; with ring compiled in as well,
//! rustls cannot choose a process default and every binary (and a library, for its tests) had
//! to install one. Now each binary's `main` installs aws-lc-rs, and no library installs any.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `cargo tree -i <package>` over every crate, dev and build dependencies, for this target.
fn dependents(package: &str) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace())
        // This machine's target only: with `--target all`, cargo tree needs the sources of every
        // platform's dependencies (android_system_properties, …), which a build here never
        // downloads, and `--offline` then fails on a fresh machine.
        .args(["tree", "--offline", "--workspace"])
        .args(["-e", "normal,build,dev", "--prefix", "none", "-i", package])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree -i {package} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ring_is_not_compiled_and_aws_lc_rs_is() {
    let ring = dependents("ring");
    assert!(
        ring.trim().is_empty(),
        "expected no crate to build ring (the workspace's one provider is aws-lc-rs), found:\n{ring}"
    );
    assert!(dependents("aws-lc-rs").contains("rustls"));
}

/// Only a binary's `main` installs the provider: no library source calls `install_default`.
#[test]
fn no_library_installs_a_provider() {
    let mut offenders = Vec::new();
    let crates = workspace().join("crates");
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("main.rs")
                    && std::fs::read_to_string(&path)
                        .unwrap()
                        .contains("install_default()")
                {
                    offenders.push(path);
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "expected only main.rs files to install a crypto provider, found {offenders:?}"
    );
}
