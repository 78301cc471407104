//! One module per subcommand; each returns the process exit code.

use std::process::ExitCode;

use crate::args::Command;

pub fn run(command: Command) -> ExitCode {
    let _ = command;
    ExitCode::FAILURE
}
