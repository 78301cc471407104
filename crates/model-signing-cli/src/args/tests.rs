use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::Parser;

use super::common::ModelArgs;
use super::sign::SignKeyArgs;
use super::*;

fn parse(words: &[&str]) -> Result<Cli, clap::Error> {
    let argv: Vec<OsString> = std::iter::once("model_signing")
        .chain(words.iter().copied())
        .map(OsString::from)
        .collect();
    Cli::try_parse_from(crate::argv::rewrite(argv))
}

fn parsed(words: &[&str]) -> Cli {
    match parse(words) {
        Ok(cli) => cli,
        Err(err) => panic!("{words:?} did not parse: {err}"),
    }
}

fn error_kind(words: &[&str]) -> ErrorKind {
    match parse(words) {
        Ok(cli) => panic!("{words:?} parsed unexpectedly: {cli:?}"),
        Err(err) => err.kind(),
    }
}

fn sign_common(model: &str) -> SignCommon {
    SignCommon {
        model: ModelArgs {
            model_path: PathBuf::from(model),
            ignore_paths: vec![],
            ignore_git_paths: false,
            no_ignore_git_paths: false,
            allow_symlinks: false,
        },
        signature: PathBuf::from("model.sig"),
        hashing: HashingArgs {
            hash_algorithm: HashAlgorithmArg::Sha256,
            method: MethodArg::Files,
            shard_size: 1_000_000_000,
            allow_empty_files_in_shards: false,
            workers: None,
        },
        scan: Default::default(),
    }
}

#[test]
fn sign_key_defaults() {
    let cli = parsed(&["sign", "key", "model", "--private_key", "k.pem"]);
    assert_eq!(
        cli,
        Cli {
            log_level: LogLevel::Info,
            version: false,
            command: Command::Sign {
                method: SignMethod::Key(SignKeyArgs {
                    common: sign_common("model"),
                    private_key: PathBuf::from("k.pem"),
                    password: None,
                }),
            },
        }
    );
}

#[test]
fn underscore_and_hyphen_spellings_parse_the_same() {
    let pairs: [(&[&str], &[&str]); 8] = [
        (
            &[
                "sign",
                "key",
                "m",
                "--private_key",
                "k",
                "--allow_symlinks",
                "--password",
                "p",
            ],
            &[
                "sign",
                "key",
                "m",
                "--private-key",
                "k",
                "--allow-symlinks",
                "--password",
                "p",
            ],
        ),
        (
            &[
                "sign",
                "certificate",
                "m",
                "--private_key=k",
                "--signing_certificate",
                "c",
                "--certificate_chain",
                "a",
                "--certificate_chain",
                "b",
            ],
            &[
                "sign",
                "certificate",
                "m",
                "--private-key=k",
                "--signing-certificate",
                "c",
                "--certificate-chain",
                "a",
                "--certificate-chain",
                "b",
            ],
        ),
        (
            &["sign", "pkcs11_key", "m", "--pkcs11_uri", "pkcs11:id=%01"],
            &["sign", "pkcs11-key", "m", "--pkcs11-uri", "pkcs11:id=%01"],
        ),
        (
            &[
                "sign",
                "sigstore",
                "m",
                "--use_staging",
                "--trust_config",
                "t.json",
                "--use_ambient_credentials",
                "--identity_token",
                "tok",
                "--oauth_force_oob",
                "--client_id",
                "id",
                "--client_secret",
                "s",
                "--identity_provider",
                "https://issuer",
            ],
            &[
                "sign",
                "sigstore",
                "m",
                "--use-staging",
                "--trust-config",
                "t.json",
                "--use-ambient-credentials",
                "--identity-token",
                "tok",
                "--oauth-force-oob",
                "--client-id",
                "id",
                "--client-secret",
                "s",
                "--identity-provider",
                "https://issuer",
            ],
        ),
        (
            &[
                "verify",
                "key",
                "m",
                "--signature",
                "s",
                "--public_key",
                "p",
                "--ignore_unsigned_files",
                "--ignore_paths",
                "m/x",
                "--no_ignore_git_paths",
            ],
            &[
                "verify",
                "key",
                "m",
                "--signature",
                "s",
                "--public-key",
                "p",
                "--ignore-unsigned-files",
                "--ignore-paths",
                "m/x",
                "--no-ignore-git-paths",
            ],
        ),
        (
            &[
                "verify",
                "certificate",
                "m",
                "--signature",
                "s",
                "--certificate_chain",
                "r",
                "--log_fingerprints",
                "--no-ignore_unsigned_files",
            ],
            &[
                "verify",
                "certificate",
                "m",
                "--signature",
                "s",
                "--certificate-chain",
                "r",
                "--log-fingerprints",
                "--no-ignore-unsigned-files",
            ],
        ),
        (
            &[
                "verify",
                "sigstore",
                "m",
                "--signature",
                "s",
                "--identity",
                "me@x",
                "--identity_provider",
                "https://i",
                "--use_staging",
                "--trust_config",
                "t",
            ],
            &[
                "verify",
                "sigstore",
                "m",
                "--signature",
                "s",
                "--identity",
                "me@x",
                "--identity-provider",
                "https://i",
                "--use-staging",
                "--trust-config",
                "t",
            ],
        ),
        (
            &["--log_level", "debug", "digest", "m", "--allow_symlinks"],
            &["--log-level", "DEBUG", "digest", "m", "--allow-symlinks"],
        ),
    ];
    for (underscore, hyphen) in pairs {
        assert_eq!(parsed(underscore), parsed(hyphen), "{underscore:?}");
    }
}

#[test]
fn sign_without_method_means_sigstore() {
    let cli = parsed(&["sign", "model", "--identity_token", "tok"]);
    let Command::Sign {
        method: SignMethod::Sigstore(args),
    } = cli.command
    else {
        panic!("not sign sigstore: {:?}", cli.command);
    };
    assert_eq!(args.common.model.model_path, PathBuf::from("model"));
    assert_eq!(args.identity_token.as_deref(), Some("tok"));

    let cli = parsed(&[
        "verify",
        "--signature",
        "s",
        "m",
        "--identity",
        "a",
        "--identity-provider",
        "b",
    ]);
    assert!(matches!(
        cli.command,
        Command::Verify {
            method: VerifyMethod::Sigstore(_)
        }
    ));
}

#[test]
fn git_and_unsigned_flag_pairs_last_one_wins() {
    let flags = |words: &[&str]| {
        let cli = parsed(words);
        let Command::Verify { method } = cli.command else {
            panic!("not verify");
        };
        let common = method.common();
        (
            common.model.ignore_git_paths(),
            common.ignore_unsigned_files,
        )
    };
    let base = [
        "verify",
        "key",
        "m",
        "--signature",
        "s",
        "--public-key",
        "p",
    ];
    assert_eq!(flags(&base), (true, false));
    let with = |extra: &[&str]| {
        let mut words = base.to_vec();
        words.extend_from_slice(extra);
        flags(&words)
    };
    assert_eq!(with(&["--no-ignore-git-paths"]), (false, false));
    assert_eq!(
        with(&["--no-ignore-git-paths", "--ignore-git-paths"]),
        (true, false)
    );
    assert_eq!(
        with(&["--ignore_unsigned_files", "--no-ignore_unsigned_files"]),
        (true, false)
    );
    assert_eq!(with(&["--ignore-unsigned-files"]), (true, true));
}

#[test]
fn hashing_options() {
    let cli = parsed(&[
        "sign",
        "key",
        "m",
        "--private-key",
        "k",
        "--hash-algorithm",
        "blake2",
        "--serialization",
        "shards",
        "--shard-size",
        "4096",
        "--workers",
        "3",
    ]);
    let Command::Sign { method } = cli.command else {
        panic!("not sign");
    };
    assert_eq!(
        method.common().hashing,
        HashingArgs {
            hash_algorithm: HashAlgorithmArg::Blake2b,
            method: MethodArg::Shards,
            shard_size: 4096,
            allow_empty_files_in_shards: false,
            workers: Some(3),
        }
    );
    assert_eq!(
        error_kind(&["sign", "key", "m", "--private-key", "k", "--workers", "0"]),
        ErrorKind::ValueValidation
    );
    assert_eq!(
        error_kind(&[
            "sign",
            "key",
            "m",
            "--private-key",
            "k",
            "--shard-size",
            "0"
        ]),
        ErrorKind::ValueValidation
    );
    assert_eq!(
        error_kind(&[
            "sign",
            "key",
            "m",
            "--private-key",
            "k",
            "--hash-algorithm",
            "md5"
        ]),
        ErrorKind::InvalidValue
    );
}

#[test]
fn verify_output_and_sigstore_extras() {
    let cli = parsed(&[
        "verify",
        "sigstore",
        "m",
        "--signature",
        "s",
        "--identity-regexp",
        ".*@example.com",
        "--identity-provider-regexp",
        "https://.*",
        "--offline",
        "--output",
        "json",
    ]);
    let Command::Verify {
        method: VerifyMethod::Sigstore(args),
    } = cli.command
    else {
        panic!("not verify sigstore");
    };
    assert_eq!(args.identity, None);
    assert_eq!(args.identity_regexp.as_deref(), Some(".*@example.com"));
    assert_eq!(args.identity_provider_regexp.as_deref(), Some("https://.*"));
    assert!(args.offline);
    assert_eq!(args.common.output, OutputFormat::Json);
}

#[test]
fn usage_errors() {
    assert_eq!(
        error_kind(&["verify", "key", "m", "--public-key", "p"]),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        error_kind(&["sign", "key", "m"]),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        error_kind(&[
            "verify",
            "sigstore",
            "m",
            "--signature",
            "s",
            "--identity",
            "a"
        ]),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        error_kind(&["sign", "key", "m", "--private-key", "k", "--bogus"]),
        ErrorKind::UnknownArgument
    );
    assert_eq!(
        error_kind(&["verify", "pkcs11-key", "m"]),
        ErrorKind::InvalidSubcommand
    );
    assert_eq!(
        error_kind(&["--log-level", "verbose", "digest", "m"]),
        ErrorKind::InvalidValue
    );
    assert_eq!(
        error_kind(&[]),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    assert_eq!(
        error_kind(&["sign"]),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    assert_eq!(error_kind(&["sign", "--help"]), ErrorKind::DisplayHelp);
}

#[test]
fn log_level_is_case_insensitive() {
    for (word, level) in [
        ("debug", LogLevel::Debug),
        ("Warning", LogLevel::Warning),
        ("CRITICAL", LogLevel::Critical),
        ("error", LogLevel::Error),
    ] {
        assert_eq!(
            parsed(&["--log-level", word, "digest", "m"]).log_level,
            level
        );
    }
}

#[test]
fn clap_definition_is_consistent() {
    use clap::CommandFactory;
    Cli::command().debug_assert();
}
