//! Rewrites the raw command line before clap sees it, to reproduce two behaviours of the
//! reference CLI that clap cannot express declaratively.

use std::ffi::{OsStr, OsString};

/// The PKI methods `sign`/`verify` know; anything else after them means "sigstore".
const METHODS: [&str; 7] = [
    "sigstore",
    "key",
    "certificate",
    "pkcs11-key",
    "pkcs11-certificate",
    "pkcs11_key",
    "pkcs11_certificate",
];

/// Global options (before the subcommand) that take a separate value.
const GLOBAL_OPTIONS_WITH_VALUE: [&str; 1] = ["--log-level"];

/// Whether `--version` comes before the subcommand (click's eager version option: it wins
/// over everything after it).
pub fn wants_version(args: &[OsString]) -> bool {
    let end = find_subcommand(args).unwrap_or(args.len());
    args.iter().take(end).skip(1).any(|arg| arg == "--version")
}

/// The reference's (click's) `--version` text.
pub fn version_text() -> String {
    format!("model_signing, version {}", env!("CARGO_PKG_VERSION"))
}

/// Applies both rewrites: option spelling, then the default `sigstore` method.
pub fn rewrite(args: Vec<OsString>) -> Vec<OsString> {
    insert_default_method(normalize_option_names(args))
}

/// HEAD normalises every token with `_` -> `-`, so `--private_key` and `--private-key` (and any
/// mix) are the same option. Only option names are touched: the text after `=` is a value, and
/// nothing after a bare `--` is an option.
pub fn normalize_option_names(args: Vec<OsString>) -> Vec<OsString> {
    let mut seen_terminator = false;
    args.into_iter()
        .enumerate()
        .map(|(index, arg)| {
            if index == 0 || seen_terminator {
                return arg;
            }
            let Some(text) = arg.to_str() else {
                return arg;
            };
            if text == "--" {
                seen_terminator = true;
                return arg;
            }
            match text.strip_prefix("--") {
                Some(rest) => {
                    let (name, value) = match rest.split_once('=') {
                        Some((name, value)) => (name, Some(value)),
                        None => (rest, None),
                    };
                    let name = name.replace('_', "-");
                    match value {
                        Some(value) => OsString::from(format!("--{name}={value}")),
                        None => OsString::from(format!("--{name}")),
                    }
                }
                None => arg,
            }
        })
        .collect()
}

/// `model_signing sign MODEL ...` means `model_signing sign sigstore MODEL ...`: when the word
/// after `sign`/`verify` is not a known method (nor a help request), `sigstore` is inserted.
pub fn insert_default_method(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(command_index) = find_subcommand(&args) else {
        return args;
    };
    let is_pki_group = args
        .get(command_index)
        .is_some_and(|command| command == "sign" || command == "verify");
    if !is_pki_group {
        return args;
    }
    let method_index = command_index + 1;
    let needs_default = match args.get(method_index) {
        None => false,
        Some(next) => !is_method_or_help(next),
    };
    if needs_default {
        args.insert(method_index, OsString::from("sigstore"));
    }
    args
}

fn is_method_or_help(arg: &OsStr) -> bool {
    arg == "-h" || arg == "--help" || METHODS.iter().any(|method| arg == *method)
}

/// Index of the first positional token after the program name, skipping global options.
fn find_subcommand(args: &[OsString]) -> Option<usize> {
    let mut index = 1;
    while let Some(arg) = args.get(index) {
        let text = arg.to_string_lossy();
        if GLOBAL_OPTIONS_WITH_VALUE.contains(&text.as_ref()) {
            index += 2;
        } else if text.starts_with('-') {
            index += 1;
        } else {
            return Some(index);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &str) -> Vec<OsString> {
        words.split_whitespace().map(OsString::from).collect()
    }

    fn rewritten(words: &str) -> String {
        rewrite(argv(words))
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn option_names_are_hyphenated() {
        assert_eq!(
            rewritten("ms sign key m --private_key k --no-ignore_unsigned_files --x_y=a_b"),
            "ms sign key m --private-key k --no-ignore-unsigned-files --x-y=a_b"
        );
    }

    #[test]
    fn values_and_terminated_args_are_left_alone() {
        assert_eq!(
            rewritten("ms sign key my_model --signature a_b.sig -- --not_an_option"),
            "ms sign key my_model --signature a_b.sig -- --not_an_option"
        );
    }

    #[test]
    fn sigstore_is_inserted_for_unknown_method() {
        assert_eq!(rewritten("ms sign model"), "ms sign sigstore model");
        assert_eq!(
            rewritten("ms verify --signature s model"),
            "ms verify sigstore --signature s model"
        );
        assert_eq!(
            rewritten("ms --log-level debug sign model"),
            "ms --log-level debug sign sigstore model"
        );
        assert_eq!(
            rewritten("ms --log_level=debug verify m"),
            "ms --log-level=debug verify sigstore m"
        );
    }

    #[test]
    fn version_only_before_the_subcommand() {
        assert!(wants_version(&argv("ms --version")));
        assert!(wants_version(&argv(
            "ms --log-level info --version sign key"
        )));
        assert!(!wants_version(&argv("ms sign key m --version")));
        assert!(!wants_version(&argv("ms digest m")));
        assert_eq!(
            version_text(),
            format!("model_signing, version {}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn known_methods_and_help_are_kept() {
        for words in [
            "ms sign key m",
            "ms sign certificate m",
            "ms sign pkcs11-key m",
            "ms sign pkcs11_certificate m",
            "ms verify sigstore m",
            "ms sign --help",
            "ms verify -h",
            "ms sign",
            "ms digest m",
            "ms --version",
        ] {
            assert_eq!(rewritten(words), words);
        }
    }
}
