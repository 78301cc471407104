//! One module per subcommand. Each `run` prints its outcome and returns the exit status.

mod demo;
mod digest;
mod inspect;
mod oci;
mod scan;
mod sign;
mod sigstore;
mod verify;

use crate::args::Command;
use crate::oci_argv::is_oci;
use crate::output::Status;

pub fn run(command: &Command) -> Status {
    match command {
        Command::Sign { method } if is_oci(&method.common().model.model_path) => oci::sign(method),
        Command::Verify { method } if is_oci(&method.common().model.model_path) => {
            oci::verify(method)
        }
        Command::Sign { method } => sign::run(method),
        Command::Verify { method } => verify::run(method),
        Command::Digest(args) => digest::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Oci(command) => oci::run(command),
    }
}
