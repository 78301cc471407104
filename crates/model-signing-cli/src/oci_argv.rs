//! `verify <method> … oci://REF` needs no `--signature`: the signatures are the artifact's
//! referrers. clap requires the option of `verify`, so the command line gets a placeholder
//! that [`crate::commands`] recognizes; a `--signature` given by the user is kept and names a
//! local bundle to check the artifact against instead.

use std::ffi::OsString;

/// The signature path that means "the artifact's referrers".
pub const REFERRERS: &str = "\0oci-referrers";

/// Whether a model path names an OCI artifact.
pub fn is_oci(model_path: &std::path::Path) -> bool {
    model_path.to_str().is_some_and(|p| p.starts_with("oci://"))
}

/// Adds `--signature <REFERRERS>` to `verify … oci://…` when no `--signature` is given.
pub fn insert_referrer_signature(mut args: Vec<OsString>) -> Vec<OsString> {
    let verify = args
        .iter()
        .skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'));
    let is_verify = verify.is_some_and(|a| a == "verify");
    let names_oci = args
        .iter()
        .any(|a| a.to_string_lossy().starts_with("oci://"));
    let has_signature = args.iter().any(|a| {
        let text = a.to_string_lossy();
        text == "--signature" || text.starts_with("--signature=")
    });
    if is_verify && names_oci && !has_signature {
        // Before a bare `--`, so that it is read as an option.
        let at = args.iter().position(|a| a == "--").unwrap_or(args.len());
        args.insert(at, OsString::from(format!("--signature={REFERRERS}")));
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    #[test]
    fn only_verify_of_an_artifact_without_signature_gets_the_placeholder() {
        let placeholder = OsString::from(format!("--signature={REFERRERS}"));
        let got = insert_referrer_signature(argv(&[
            "m",
            "verify",
            "key",
            "--public-key",
            "k",
            "oci://h/r@x",
        ]));
        assert_eq!(got.last(), Some(&placeholder));
        for unchanged in [
            argv(&["m", "verify", "key", "--signature", "s", "oci://h/r"]),
            argv(&["m", "verify", "key", "--signature=s", "oci://h/r"]),
            argv(&["m", "verify", "key", "--public-key", "k", "dir"]),
            argv(&["m", "sign", "key", "--private-key", "k", "oci://h/r"]),
        ] {
            assert_eq!(insert_referrer_signature(unchanged.clone()), unchanged);
        }
    }
}
