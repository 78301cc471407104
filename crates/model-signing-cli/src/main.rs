//! `model_signing`: a drop-in for the OpenSSF model_signing reference CLI. This binary only
//! parses arguments, reads and writes files and prints; the work is in the `model-signing`
//! library.

mod args;
mod argv;
mod commands;
mod ignore;
mod logging;
mod oci_argv;
mod output;
mod password;
mod progress;
mod termination;
mod time;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The one rustls crypto provider of the process (for Fulcio, Rekor, the TSA, OIDC, TUF and OCI
    // registries): aws-lc-rs, the only backend the workspace compiles. Err only if one is already
    // installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let argv = oci_argv::insert_referrer_signature(argv::rewrite(std::env::args_os().collect()));
    if argv::wants_version(&argv) {
        println!("{}", argv::version_text());
        return ExitCode::SUCCESS;
    }
    // Usage errors exit 2 and --help exits 0, inside clap.
    let cli = args::Cli::try_parse_from(argv).unwrap_or_else(|err| err.exit());
    logging::init(cli.log_level);
    ExitCode::from(commands::run(&cli.command).code())
}
