//! The operator's verifier contract against this parser: every argument vector
//! `verifier_contract::VerifierArgs::to_argv` builds parses into exactly the options it says
//! (generated over methods, identities, ignore options, scan modes and awkward values).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use verifier_contract::{Scan, SigstoreIdentity, VerifierArgs, VerifierMethod};

use super::*;

/// A small deterministic generator (one loop does not need a dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn bool(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::try_from(self.next()).unwrap() % items.len()]
    }
    /// Values a CR may hold: spaces, `=`, unicode, regex metacharacters.
    fn value(&mut self) -> String {
        let words = [
            "a",
            "b c",
            "x=y",
            "é",
            ".*@example\\.com$",
            "repo/name",
            "refs/heads/main",
            "1",
        ];
        (0..1 + self.next() % 3)
            .map(|_| self.pick(&words))
            .collect()
    }
    fn option(&mut self) -> Option<String> {
        self.bool().then(|| self.value())
    }
    fn tristate(&mut self) -> Option<bool> {
        self.pick(&[None, Some(true), Some(false)])
    }
}

fn generate(rng: &mut Lcg) -> VerifierArgs {
    let method = match rng.next() % 3 {
        0 => {
            let (identity, identity_regexp) = if rng.bool() {
                (Some(rng.value()), None)
            } else {
                (None, Some(rng.value()))
            };
            let (provider, provider_regexp) = if rng.bool() {
                (Some(rng.value()), None)
            } else {
                (None, Some(rng.value()))
            };
            VerifierMethod::Sigstore(SigstoreIdentity {
                identity,
                identity_regexp,
                identity_provider: provider,
                identity_provider_regexp: provider_regexp,
                github_workflow_repository: rng.option(),
                github_workflow_ref: rng.option(),
                trust_config: rng.option(),
                offline: rng.bool(),
            })
        }
        1 => VerifierMethod::Key {
            public_key: rng.value(),
        },
        _ => VerifierMethod::Certificate {
            certificate_chain: rng.value(),
        },
    };
    let scan = rng.bool().then(|| Scan {
        warn_only: rng.bool(),
        allow_unknown: rng.bool(),
    });
    VerifierArgs {
        method,
        signature: format!("/models/{}", rng.value()),
        model: format!("/models/{}", rng.value()),
        ignore_paths: (0..rng.next() % 3).map(|_| rng.value()).collect(),
        ignore_git_paths: rng.tristate(),
        ignore_unsigned_files: rng.tristate(),
        allow_symlinks: rng.bool(),
        scan,
        report_only: rng.bool(),
        termination_log: rng.option(),
    }
}

fn parse(args: &VerifierArgs) -> VerifyMethod {
    let argv: Vec<OsString> = std::iter::once("model_signing".to_owned())
        .chain(args.to_argv())
        .map(OsString::from)
        .collect();
    let cli = match Cli::try_parse_from(crate::argv::rewrite(argv)) {
        Ok(cli) => cli,
        Err(err) => panic!("{:?} did not parse: {err}", args.to_argv()),
    };
    match cli.command {
        Command::Verify { method } => method,
        other => panic!("expected verify, parsed {other:?}"),
    }
}

/// `--x`/`--no-x` pairs as the tri-state the contract sends.
fn tristate(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

#[test]
fn every_verifier_argv_parses_into_what_it_says() {
    let mut rng = Lcg(20);
    for case in 0..400 {
        let args = generate(&mut rng);
        let parsed = parse(&args);
        let common = parsed.common();
        let context = format!("case {case}: {:?}", args.to_argv());
        assert_eq!(
            common.signature,
            PathBuf::from(&args.signature),
            "{context}"
        );
        assert_eq!(
            common.model.model_path,
            PathBuf::from(&args.model),
            "{context}"
        );
        let ignore: Vec<PathBuf> = args.ignore_paths.iter().map(PathBuf::from).collect();
        assert_eq!(common.model.ignore_paths, ignore, "{context}");
        assert_eq!(
            tristate(
                common.model.ignore_git_paths,
                common.model.no_ignore_git_paths
            ),
            args.ignore_git_paths,
            "{context}"
        );
        assert_eq!(
            tristate(
                common.ignore_unsigned_files,
                common.no_ignore_unsigned_files
            ),
            args.ignore_unsigned_files,
            "{context}"
        );
        assert_eq!(
            common.model.allow_symlinks, args.allow_symlinks,
            "{context}"
        );
        assert_eq!(common.scan.scan, args.scan.is_some(), "{context}");
        let scan = args.scan.unwrap_or_default();
        assert_eq!(common.scan.warn_only, scan.warn_only, "{context}");
        assert_eq!(common.scan.allow_unknown, scan.allow_unknown, "{context}");
        assert_eq!(common.report_only, args.report_only, "{context}");
        assert_eq!(
            common.termination_log,
            args.termination_log.as_ref().map(PathBuf::from),
            "{context}"
        );
        match (&args.method, &parsed) {
            (VerifierMethod::Sigstore(id), VerifyMethod::Sigstore(s)) => {
                assert_eq!(s.identity, id.identity, "{context}");
                assert_eq!(s.identity_regexp, id.identity_regexp, "{context}");
                assert_eq!(s.identity_provider, id.identity_provider, "{context}");
                assert_eq!(
                    s.identity_provider_regexp, id.identity_provider_regexp,
                    "{context}"
                );
                assert_eq!(
                    s.github_workflow_repository, id.github_workflow_repository,
                    "{context}"
                );
                assert_eq!(s.github_workflow_ref, id.github_workflow_ref, "{context}");
                assert_eq!(
                    s.trust_config,
                    id.trust_config.as_ref().map(PathBuf::from),
                    "{context}"
                );
                assert_eq!(s.offline, id.offline, "{context}");
                assert!(!s.use_staging, "{context}");
            }
            (VerifierMethod::Key { public_key }, VerifyMethod::Key(k)) => {
                assert_eq!(k.public_key, PathBuf::from(public_key), "{context}");
            }
            (VerifierMethod::Certificate { certificate_chain }, VerifyMethod::Certificate(c)) => {
                assert_eq!(
                    c.certificate_chain,
                    [PathBuf::from(certificate_chain)],
                    "{context}"
                );
            }
            (sent, got) => panic!("{context}: sent {sent:?}, parsed {got:?}"),
        }
    }
}
