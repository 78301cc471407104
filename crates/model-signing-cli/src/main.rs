//! `model_signing`: a drop-in for the OpenSSF model_signing reference CLI. This binary only
//! parses arguments, reads and writes files and prints; the work is in the `model-signing`
//! library.

mod args;
mod argv;
mod commands;
mod logging;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let argv = argv::rewrite(std::env::args_os().collect());
    // Usage errors exit 2, --help/--version exit 0, both inside clap.
    let cli = args::Cli::try_parse_from(argv).unwrap_or_else(|err| err.exit());
    logging::init(cli.log_level);
    commands::run(cli.command)
}
